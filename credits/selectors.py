"""Reads of the ledger: totals, year verdicts against the year's rule, staff lists;
and what each role may see or do of the ledger's objects (declarations, entries,
offline uploads, reports), built on portal.scoping: views ask here, never compare
roles themselves."""

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, models
from django.db.models import (
    DecimalField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from credits.models import (
    Category,
    CreditEntry,
    Declaration,
    OfflineParseJob,
    OfflineUpload,
    PersonYearTotal,
    ReportJob,
    Review,
    YearRule,
)
from portal import scoping
from portal.formats import format_hours
from portal.http import pk_or_none
from portal.models import Role

ZERO = Decimal("0.0")


@dataclass(frozen=True)
class YearStatus:
    """One person's hours in one year, judged by that year's own rule."""

    year: int
    public: Decimal
    professional: Decimal
    public_min: Decimal | None
    professional_min: Decimal | None

    @property
    def has_rule(self) -> bool:
        return self.public_min is not None

    @property
    def total(self) -> Decimal:
        return self.public + self.professional

    @property
    def public_gap(self) -> Decimal:
        return max(ZERO, (self.public_min or ZERO) - self.public)

    @property
    def professional_gap(self) -> Decimal:
        return max(ZERO, (self.professional_min or ZERO) - self.professional)

    @property
    def met(self) -> bool:
        # Each category on its own: a surplus in one never covers the other.
        return self.has_rule and self.public_gap == 0 and self.professional_gap == 0

    @property
    def public_percent(self) -> int:
        return _percent(self.public, self.public_min)

    @property
    def professional_percent(self) -> int:
        return _percent(self.professional, self.professional_min)

    def shortfalls(self) -> list[str]:
        """What is missing, in words: ["专业科目还差 12.0 学时"]."""
        if not self.has_rule:
            return [_("There is no rule for %(year)s.") % {"year": self.year}]
        missing = []
        if self.public_gap:
            missing.append(
                _("Public subjects are %(hours)s hours short") % {"hours": _fmt(self.public_gap)}
            )
        if self.professional_gap:
            missing.append(
                _("Professional subjects are %(hours)s hours short")
                % {"hours": _fmt(self.professional_gap)}
            )
        return missing


def _percent(value: Decimal, minimum: Decimal | None) -> int:
    if not minimum:
        return 100
    return min(100, int(value * 100 / minimum))


def _fmt(hours: Decimal) -> str:
    """12 → "12.0": hours are written one way everywhere (portal/formats.py)."""
    return format_hours(hours)


def default_year(rules: dict[int, YearRule] | None = None) -> int:
    """This year if it has a rule, else the latest year that has one. Given the
    rules (rules_by_year()), without asking the database again."""
    this_year = timezone.localdate().year
    if rules is not None:
        return max((year for year in rules if year <= this_year), default=this_year)
    latest = YearRule.objects.filter(year__lte=this_year).order_by("-year").first()
    return latest.year if latest else this_year


def front_notice() -> dict:
    """The front page's notice in brief (portal.front): {"rule": this year's YearRule,
    else the latest earlier year's (default_year), or None when there is none}. One
    query."""
    rule = YearRule.objects.filter(year__lte=timezone.localdate().year).order_by("-year")
    return {"rule": rule.first()}


def rules_by_year() -> dict[int, YearRule]:
    return {rule.year: rule for rule in YearRule.objects.all()}


def year_statuses(person, years, rules: dict[int, YearRule] | None = None) -> list[YearStatus]:
    """The person's status for each of `years`, in two queries at most."""
    years = list(years)
    rules = rules_by_year() if rules is None else rules
    totals = year_totals(person, years)
    return [status_of(year, *totals[year], rules.get(year)) for year in years]


def year_totals(person, years) -> dict[int, tuple[Decimal, Decimal]]:
    """{year: (public hours, professional hours)} of each of `years`, in one query."""
    return year_totals_and_versions(person, years)[0]


def year_totals_and_versions(
    person, years
) -> tuple[dict[int, tuple[Decimal, Decimal]], dict[int, int]]:
    """({year: (public hours, professional hours)}, {year: version}) of each of
    `years`, read together in one query (one row each, so the version and the totals
    are of the same write). A year without entries: zero hours, version 0.

    The version (PersonYearTotal.version) grows with every ledger write of the
    person-year; credits.hours_cache keys the cached entry list on it."""
    years = list(years)
    totals = dict.fromkeys(years, (ZERO, ZERO))
    versions = dict.fromkeys(years, 0)
    rows = PersonYearTotal.objects.filter(person=person, year__in=years).values_list(
        "year", "public_hours", "professional_hours", "version"
    )
    for year, public, professional, version in rows:
        totals[year] = (public, professional)
        versions[year] = version
    return totals, versions


def rules_and_totals(person) -> tuple[dict[int, YearRule], dict, dict[int, int]]:
    """(rules_by_year(), {year: (public hours, professional hours)}, {year: version})
    of every ruled year for `person`, in one query (the rules joined with the
    person's PersonYearTotal rows): what 我的学时 reads on every load. A ruled year
    without entries: zero hours, version 0."""
    totals_table = PersonYearTotal._meta.db_table
    rows = YearRule.objects.raw(
        f"SELECT r.*, t.public_hours, t.professional_hours, t.version"  # noqa: S608
        f" FROM {YearRule._meta.db_table} r LEFT JOIN {totals_table} t"
        " ON t.year = r.year AND t.person_id = %s",
        [person.pk],
    )
    rules, totals, versions = {}, {}, {}
    for rule in rows:
        rules[rule.year] = rule
        totals[rule.year] = (rule.public_hours or ZERO, rule.professional_hours or ZERO)
        versions[rule.year] = rule.version or 0
    return rules, totals, versions


def status_of(
    year: int, public: Decimal, professional: Decimal, rule: YearRule | None
) -> YearStatus:
    """A year's hours judged by the year's rule (None: the year has none)."""
    return YearStatus(
        year=year,
        public=public,
        professional=professional,
        public_min=rule.public_min if rule else None,
        professional_min=rule.professional_min if rule else None,
    )


def year_status(person, year: int) -> YearStatus:
    return year_statuses(person, [year])[0]


def ledger_entries(person, year: int) -> QuerySet[CreditEntry]:
    """The person's entries of `year`, newest first, each with what reverses it
    (with_reversal); the rows alone (what the lists and the record export show)."""
    return with_reversal(
        CreditEntry.objects.filter(person=person, year=year).order_by("-recorded_at", "-id")
    )


def with_reversal(entries: QuerySet[CreditEntry]) -> QuerySet[CreditEntry]:
    """Annotate each entry with `reversed_by_id` and `reversed_by_reason`: the entry
    that reverses it, if any (templates/credits/_entries.html). A join in the same
    query: an entry is reversed at most once (constraint credit_reversed_once)."""
    return entries.annotate(
        reversed_by_id=F("reversals__id"), reversed_by_reason=F("reversals__reason")
    )


def _total_of(field: str):
    return Coalesce(
        Subquery(
            PersonYearTotal.objects.filter(person=OuterRef("pk"), year=OuterRef("_year")).values(
                field
            )[:1]
        ),
        Value(ZERO),
        output_field=DecimalField(max_digits=6, decimal_places=1),
    )


class StaffStatus(models.TextChoices):
    ALL = "", gettext_lazy("all")
    MET = "met", gettext_lazy("met")
    SHORT = "short", gettext_lazy("not met")
    SHORT_PUBLIC = "short_public", gettext_lazy("public subjects short")
    SHORT_PROFESSIONAL = "short_professional", gettext_lazy("professional subjects short")


def with_year_hours(people: QuerySet, year: int) -> QuerySet:
    """Annotate people with `public_hours` and `professional_hours` of `year`."""
    return people.annotate(
        _year=Value(year),
        public_hours=_total_of("public_hours"),
        professional_hours=_total_of("professional_hours"),
    )


def staff_compliance(people: QuerySet, year: int, rule: YearRule, status: str = "") -> QuerySet:
    """People with their hours of `year`, filtered by compliance status in SQL."""
    people = with_year_hours(people, year)
    public_ok = Q(public_hours__gte=rule.public_min)
    professional_ok = Q(professional_hours__gte=rule.professional_min)
    match status:
        case StaffStatus.MET:
            people = people.filter(public_ok & professional_ok)
        case StaffStatus.SHORT:
            people = people.filter(~public_ok | ~professional_ok)
        case StaffStatus.SHORT_PUBLIC:
            people = people.filter(~public_ok)
        case StaffStatus.SHORT_PROFESSIONAL:
            people = people.filter(~professional_ok)
    return people


@dataclass(frozen=True)
class TotalDifference:
    person_id: int
    year: int
    stored_public: Decimal
    ledger_public: Decimal
    stored_professional: Decimal
    ledger_professional: Decimal


_DIFFERENCES = """
    WITH ledger AS (
        SELECT person_id, year,
               COALESCE(SUM(hours) FILTER (WHERE category = 'public'), 0) AS public_hours,
               COALESCE(SUM(hours) FILTER (WHERE category = 'professional'), 0)
                   AS professional_hours
        FROM credits_creditentry GROUP BY person_id, year
    )
    SELECT COALESCE(l.person_id, t.person_id), COALESCE(l.year, t.year),
           COALESCE(t.public_hours, 0), COALESCE(l.public_hours, 0),
           COALESCE(t.professional_hours, 0), COALESCE(l.professional_hours, 0)
    FROM ledger l
    FULL OUTER JOIN credits_personyeartotal t
        ON t.person_id = l.person_id AND t.year = l.year
    WHERE COALESCE(t.public_hours, 0) <> COALESCE(l.public_hours, 0)
       OR COALESCE(t.professional_hours, 0) <> COALESCE(l.professional_hours, 0)
    ORDER BY 1, 2
"""


def ledger_differences() -> list[TotalDifference]:
    """Person-years whose stored total disagrees with the sum of the ledger."""
    with connection.cursor() as cursor:
        cursor.execute(_DIFFERENCES)
        return [TotalDifference(*(row[:2]), *(Decimal(v) for v in row[2:])) for row in cursor]


# Scope of the ledger's own objects, built on portal.scoping (the one scoping layer).


def declarations_visible_to(actor) -> QuerySet[Declaration]:
    declarations = Declaration.objects.select_related(
        "person", "unit__city", "unit__authority", "kind"
    ).with_review_facts()
    if actor is None:
        return declarations.none()
    match actor.role:
        case Role.PROFESSIONAL:
            return declarations.filter(person_id=actor.user_id)
        case Role.DEPARTMENT_ADMIN:
            return declarations.filter(
                unit__in=scoping.units_visible_to(actor), needs_second_review=True
            )
        case Role.UNIT_HR | Role.CITY_HR | Role.PROVINCE_HR:
            return declarations.filter(unit__in=scoping.units_visible_to(actor))
    return declarations.none()


REVIEW_LEVEL_OF_ROLE = {
    Role.UNIT_HR: Review.Level.UNIT,
    Role.CITY_HR: Review.Level.HR_BUREAU,
    Role.PROVINCE_HR: Review.Level.HR_BUREAU,
    Role.DEPARTMENT_ADMIN: Review.Level.AUTHORITY,
}


def review_level(actor) -> str | None:
    """The level (Review.Level) at which the actor decides the declarations of her
    review_queue: the unit for unit HR, the HR bureau above the unit for city and
    provincial HR, the authority for its department admin; None for a role that
    reviews nothing (its queue is empty)."""
    return REVIEW_LEVEL_OF_ROLE.get(getattr(actor, "role", None))


def _gone_up_to(actor) -> QuerySet[Declaration]:
    """Declarations whose unit review came up to the actor as the HR bureau above a
    unit that cannot review them itself (Declaration.goes_to_hr_bureau)."""
    return declarations_visible_to(actor).filter(unit__in=scoping.units_overseen_by(actor))


def review_queue(actor) -> QuerySet[Declaration]:
    """Declarations waiting for the actor's decision, oldest first. The unit reviews
    its people's declarations; one no HR officer of the unit can review (all of a
    unit without HR, a sole HR officer's own) goes to the HR bureau above the unit
    instead; an authority that requires it reviews again."""
    match getattr(actor, "role", None):
        case Role.UNIT_HR:
            waiting = declarations_visible_to(actor).filter(
                status=Declaration.Status.UNIT_REVIEW, unit_can_review=True
            )
        case Role.CITY_HR | Role.PROVINCE_HR:
            waiting = _gone_up_to(actor).filter(
                status=Declaration.Status.UNIT_REVIEW, unit_can_review=False
            )
        case Role.DEPARTMENT_ADMIN:
            waiting = declarations_visible_to(actor).filter(
                status=Declaration.Status.AUTHORITY_REVIEW
            )
        case _:
            return Declaration.objects.none()
    return waiting.exclude(person_id=actor.user_id).order_by(  # nobody reviews their own
        "created_at", "id"
    )


def evidence_declarations_visible_to(actor) -> QuerySet[Declaration]:
    """Evidence is for the owner and her unit HR (the issue's rule), for the authority
    whose second review needs it, and for the HR bureau that reviews in the unit's
    place; city and provincial HR do not see it otherwise."""
    match getattr(actor, "role", None):
        case Role.PROFESSIONAL | Role.UNIT_HR | Role.DEPARTMENT_ADMIN:
            return declarations_visible_to(actor)
        case Role.CITY_HR | Role.PROVINCE_HR:
            reviewed = Review.objects.filter(
                declaration_id=OuterRef("pk"), level=Review.Level.HR_BUREAU
            )
            return _gone_up_to(actor).filter(
                Q(status=Declaration.Status.UNIT_REVIEW, unit_can_review=False) | Exists(reviewed)
            )
    return Declaration.objects.none()


def entries_visible_to(actor) -> QuerySet[CreditEntry]:
    """Entries of the people in scope, and for unit HR also those of its former
    staff for the years they worked there."""
    condition = Q(person__in=scoping.people_visible_to(actor))
    past = scoping.past_staff_condition(actor)
    return CreditEntry.objects.filter(condition if past is None else past | condition)


def past_staff_years(actor, person) -> list[dict]:
    """Per-year totals of a former staff member's entries the unit may still read."""
    return list(
        entries_visible_to(actor)
        .filter(person=person)
        .values("year")
        .annotate(
            public=Sum("hours", filter=Q(category=Category.PUBLIC), default=0),
            professional=Sum("hours", filter=Q(category=Category.PROFESSIONAL), default=0),
        )
        .order_by("-year")
    )


def reversible_entries(actor) -> QuerySet[CreditEntry]:
    """Entries the actor may correct: provincial HR any, unit HR those her unit recorded
    for its present staff (former staff are read-only)."""
    entries = CreditEntry.objects.filter(
        person__in=scoping.people_visible_to(actor), reverses__isnull=True, reversals__isnull=True
    )
    match getattr(actor, "role", None):
        case Role.PROVINCE_HR:
            return entries
        case Role.UNIT_HR:
            return entries.filter(recorded_unit__in=scoping.units_visible_to(actor))
    return entries.none()


def entries_in_year(year: int) -> int:
    """How many ledger entries `year` holds (its rule then judges real hours)."""
    return CreditEntry.objects.filter(year=year).count()


def manages_person(actor, person) -> bool:
    """Whether the actor keeps `person`'s account and details (disable, enable, make
    HR, correct a name or title: portal.account_views), so that her page offers
    those actions: unit HR for its present staff (portal.scoping.people_managed_by).
    One query at most; none for a role that manages nobody."""
    return scoping.people_managed_by(actor).filter(pk=person.pk).exists()


# -- offline uploads ----------------------------------------------------------------


def offline_uploads_visible_to(actor) -> QuerySet[OfflineUpload]:
    """The offline-hours files (previews and confirmed ones) of the actor's unit, newest
    first: unit HR only, who uploads them; nobody else."""
    if getattr(actor, "role", None) != Role.UNIT_HR:
        return OfflineUpload.objects.none()
    return OfflineUpload.objects.filter(unit_id=actor.unit_id)


def offline_jobs_visible_to(actor) -> QuerySet[OfflineParseJob]:
    """The offline-hours files of the actor's unit being (or having been) read on a
    worker: unit HR only, as offline_uploads_visible_to."""
    if getattr(actor, "role", None) != Role.UNIT_HR:
        return OfflineParseJob.objects.none()
    return OfflineParseJob.objects.filter(unit_id=actor.unit_id)


# -- compliance reports -------------------------------------------------------------


def reports_on_the_province(actor) -> bool:
    """Whether the actor may report on the whole province: provincial HR only."""
    return getattr(actor, "role", None) == Role.PROVINCE_HR


def report_scope_options(actor) -> list[tuple[str, str]]:
    """The scopes the actor may report on, as (value, label) for the request form:
    "province" (provincial HR), then "city:<pk>", "authority:<pk>" and "unit:<pk>"
    of the cities, authorities and units portal.scoping shows her. Provincial HR is
    offered no unit list (the province's units are too many for one)."""
    province = reports_on_the_province(actor)
    options = []
    if province:
        options.append((ReportJob.Scope.PROVINCE.value, str(ReportJob.Scope.PROVINCE.label)))
    options += [(f"city:{c.pk}", c.name) for c in scoping.cities_visible_to(actor)]
    options += [(f"authority:{a.pk}", a.name) for a in scoping.authorities_visible_to(actor)]
    if not province:
        options += [(f"unit:{u.pk}", u.name) for u in scoping.units_visible_to(actor)]
    return options


_REPORT_TARGETS = {
    ReportJob.Scope.CITY: scoping.cities_visible_to,
    ReportJob.Scope.AUTHORITY: scoping.authorities_visible_to,
    ReportJob.Scope.UNIT: scoping.units_visible_to,
}


def report_target(actor, value: str) -> tuple[str, object]:
    """(scope, city/authority/unit or None) for an option value of
    report_scope_options as posted ("province", "unit:12", …). Http404 for anything
    else: a scope outside the actor's, an unknown kind, an id that is not one
    (portal.http.is_pk: "²", "１", overflow)."""
    if value == ReportJob.Scope.PROVINCE and reports_on_the_province(actor):
        return ReportJob.Scope.PROVINCE, None
    kind, _colon, pk = str(value).partition(":")
    pk = pk_or_none(pk)
    if kind not in _REPORT_TARGETS or pk is None:
        raise Http404
    return kind, get_object_or_404(_REPORT_TARGETS[kind](actor), pk=pk)


def reports_visible_to(actor) -> QuerySet[ReportJob]:
    """The reports the actor may read: her own, and the scheduled ones (no requester)
    of her city (city HR) or of the whole province and every city (provincial HR)."""
    if actor is None:
        return ReportJob.objects.none()
    scheduled = Q(requested_by__isnull=True)
    match actor.role:
        case Role.PROVINCE_HR:
            visible = Q(requested_by=actor.user_id) | scheduled
        case Role.CITY_HR:
            visible = Q(requested_by=actor.user_id) | (scheduled & Q(city_id=actor.city_id))
        case _:
            visible = Q(requested_by=actor.user_id)
    return ReportJob.objects.filter(visible).select_related("unit", "authority", "city")
