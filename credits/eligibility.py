"""The continuing-education condition of a title application (职称评审).

Every year of the review period must meet its own year's rule (RULES.md): by
default from the year after the current title was obtained up to the year before
the application, at most the last N years for the level applied for
(ReviewPeriodRule: 4 for 中级, 5 for 高级).
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credits.models import ReviewPeriodRule
from credits.selectors import YearStatus, rules_by_year, year_statuses
from portal.models import Role, TitleLevel
from portal.tabular import (
    Column,
    Repeats,
    TableSpec,
    id_number_column,
    read_table,
    register_template,
    row_message,
)
from portal.xlsx import workbook_bytes

NEXT_LEVEL = {
    "": TitleLevel.INTERMEDIATE,
    TitleLevel.JUNIOR: TitleLevel.INTERMEDIATE,
    TitleLevel.INTERMEDIATE: TitleLevel.DEPUTY_SENIOR,
    TitleLevel.DEPUTY_SENIOR: TitleLevel.SENIOR,
    TitleLevel.SENIOR: TitleLevel.SENIOR,
}
FALLBACK_MAX_YEARS = 5
EARLIEST_YEAR = 2000
# The most years one review period covers; also the most years an eligibility
# statement, a title-application document or a range batch of certificates covers.
MAX_PERIOD_YEARS = 10
MAX_BULK_ROWS = 2000


@dataclass(frozen=True)
class Eligibility:
    person: object
    start_year: int
    end_year: int
    years: list[YearStatus]

    @property
    def met(self) -> bool:
        # An empty period (a title obtained last year) proves nothing: not met.
        return bool(self.years) and all(status.met for status in self.years)

    @property
    def missing(self) -> list[str]:
        if not self.years:
            return [_("The review period has no year to check.")]
        lines = []
        for status in self.years:
            if not status.met:
                lines.append(
                    _("%(year)s: %(what)s")
                    % {"year": status.year, "what": "；".join(status.shortfalls())}
                )
        return lines


def default_period(person, application_year: int | None = None) -> tuple[int, int]:
    """(first, last) year to check for the person's next title application."""
    application_year = application_year or timezone.localdate().year
    end = application_year - 1
    profile = getattr(person, "profile", None)
    level = NEXT_LEVEL.get(profile.title_level if profile else "", TitleLevel.INTERMEDIATE)
    rule = ReviewPeriodRule.objects.filter(title_level=level).first()
    max_years = rule.max_years if rule else FALLBACK_MAX_YEARS
    start = end - max_years + 1
    if profile and profile.title_obtained_on:
        start = max(start, profile.title_obtained_on.year + 1)
    return start, end


def period_range_message() -> str:
    """What a review period outside EARLIEST_YEAR–this year, or running backwards, is
    told (check_period, and the forms that offer the years)."""
    return _("The review period must run forward, between %(first)s and %(last)s.") % {
        "first": EARLIEST_YEAR,
        "last": timezone.localdate().year,
    }


def check_period(start_year: int, end_year: int) -> None:
    """Raise ValidationError (in Chinese) unless start_year–end_year (both included) is
    a review period: between EARLIEST_YEAR and this year, forward, at most
    MAX_PERIOD_YEARS years. start = end + 1 is the empty period of a title obtained
    last year, and passes."""
    this_year = timezone.localdate().year
    if not (EARLIEST_YEAR <= start_year <= end_year + 1 <= this_year + 1):
        raise ValidationError(period_range_message())
    if end_year - start_year >= MAX_PERIOD_YEARS:
        raise ValidationError(
            _("A review period may span at most %(count)d years.") % {"count": MAX_PERIOD_YEARS}
        )


def eligibility_check(person, start_year: int, end_year: int, rules=None) -> Eligibility:
    statuses = year_statuses(person, range(start_year, end_year + 1), rules)
    return Eligibility(person, start_year, end_year, statuses)


def changed_since(
    person, stated: list[YearStatus], now: dict[int, YearStatus] | None = None
) -> dict[int, YearStatus]:
    """The years of `stated` (what a statement said, e.g. an issued eligibility
    statement's years) whose hours in the ledger differ now, or whose verdict differs
    now (the year's rule was changed since), each mapped to its status now (hours
    with one decimal, judged by the year's rule as it is now). Unchanged years are
    left out. Two queries, none when the caller passes the statuses `now` ({year:
    status}, from year_statuses) of every stated year."""
    if now is None:
        now = {status.year: status for status in year_statuses(person, [s.year for s in stated])}
    return {
        then.year: now[then.year]
        for then in stated
        if (then.public, then.professional, then.met)
        != (now[then.year].public, now[then.year].professional, now[then.year].met)
    }


BULK_SPEC = TableSpec(
    columns=(
        id_number_column(),
        Column(
            "start",
            "起始年度",
            "integer",
            required=False,
            minimum=EARLIEST_YEAR,
            maximum=2100,
            example=2021,
        ),
        Column(
            "end",
            "截止年度",
            "integer",
            required=False,
            minimum=EARLIEST_YEAR,
            maximum=2100,
            example=2024,
        ),
    ),
    max_rows=MAX_BULK_ROWS,
    title=gettext_lazy("Eligibility list"),
)
BULK_HEADERS = BULK_SPEC.headers
register_template(
    "eligibility-list",
    BULK_SPEC,
    roles=(Role.UNIT_HR, Role.CITY_HR, Role.DEPARTMENT_ADMIN, Role.PROVINCE_HR),
    url_name="credits:eligibility_template",
)


def bulk_eligibility(upload, people, full_ids: bool = True) -> bytes:
    """Read ID numbers (and optional periods) from a file; return the verdicts.

    Raises TableError for a file that cannot be read as such a list; a bad, unknown
    or repeated ID number is reported on its own row of the result.
    """
    _table, data = read_table(upload, BULK_SPEC)
    rules = rules_by_year()
    valid = [row.values["id_number"] for row in data if row.ok]
    known = {p.id_number: p for p in people.filter(id_number__in=valid)}
    results, all_years, repeats = [], set(), Repeats()
    for row in data:
        id_number = row.values["id_number"]
        if not row.ok:
            results.append((_shown_raw(row), None, "；".join(row.problems)))
            continue
        other = repeats.seen(id_number, row.number)
        if other:
            message = _("the same ID card number as row %(other)s") % {"other": other}
            results.append((id_number, None, row_message(row.number, message)))
            continue
        person = known.get(id_number)
        if person is None:
            results.append((id_number, None, _("no professional in your scope has this number")))
            continue
        try:
            start, end = row.values["start"], row.values["end"]
            if start is None or end is None:
                if start is not None or end is not None:
                    raise ValidationError(_("the period must be two years"))
                start, end = default_period(person)
            check_period(start, end)
        except ValidationError as error:
            results.append((id_number, person, error.messages[0]))
            continue
        result = eligibility_check(person, start, end, rules)
        all_years.update(range(start, end + 1))
        results.append((id_number, person, result))

    years = sorted(all_years)
    headers = ["身份证号", "姓名", "单位", "核验期", "结论", "说明"]
    for year in years:
        headers += [f"{year}公需", f"{year}专业"]
    rows = []
    for id_number, person, outcome in results:
        if person and not full_ids:
            id_number = person.masked_id_number
        name = person.real_name if person else ""
        unit = person.profile.unit.name if person else ""
        if not isinstance(outcome, Eligibility):
            rows.append([id_number, name, unit, "", _("not checked"), str(outcome)])
            continue
        by_year = {s.year: s for s in outcome.years}
        line = [
            id_number,
            name,
            unit,
            f"{outcome.start_year}-{outcome.end_year}",
            _("met") if outcome.met else _("not met"),
            "；".join(outcome.missing),
        ]
        for year in years:
            status = by_year.get(year)
            line += [float(status.public), float(status.professional)] if status else ["", ""]
        rows.append(line)
    return workbook_bytes([(_("Eligibility"), headers, rows)])


def _shown_raw(row) -> str:
    """The ID number as written in an unreadable row, for the result sheet."""
    raw = (row.raw or {}).get("id_number", row.values.get("id_number"))
    return "" if raw is None else str(raw).strip()
