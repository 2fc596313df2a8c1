"""Registration checks (职业资格登记/注册学时核查; the notice, section 一).

Where continuing education is a condition for registering a professional
qualification, the industry authority checks it. Its department admin uploads a list
of applicants (身份证号, 姓名, 年度) and gets back, per person and year, whether the
year's hours met that year's rule (credits: public and professional subjects each at
least the year's minimum, RULES.md "Hours") — for anyone in the province, wherever
she works, and nothing else about her: no hours, no unit, no phone.

The list (REGISTRATION_CHECK_SPEC, read by portal.tabular):
- 身份证号: checked as every upload checks it (length, birth date, check character);
- 姓名: compared with the account's name, both in normal form
  (portal.identity.normalize_name). A number whose account bears another name is
  "not found": the answer never tells that the number exists;
- 年度: one year (2024, 2024年) or a range, both ends included (2022-2024,
  2022—2024, 2022~2024, 2022至2024, 2022年-2024年): a period as credits.eligibility.
  check_period bounds every review period (EARLIEST_YEAR to this year, at most
  MAX_PERIOD_YEARS years). One column, rather than 起始年度/截止年度,
  because most registration rules name "the last n years" and an applicant's line
  stays one cell a person.
A list with any row that cannot be read (a bad ID number, an empty name, a year that
is not one, the same person and year twice) is refused whole, every such row named
("第n行…"), and nothing is written.

A check is a RegistrationCheck row (serial SDZC<year><6 digits>: allocate_document_
serial, counted per year of the check), one RegistrationCheckRow per person and year,
an audit line, and a PDF rendered on a worker, signed and stored through the one
document path (certificates.services.document_render_store), with a QR code that opens
its public verification page. The xlsx is written on request from the rows.
"""

import re
from dataclasses import dataclass

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates import registry
from certificates.models import RegistrationCheck, RegistrationCheckRow
from certificates.selectors import registration_check_authority
from certificates.services import (
    allocate_document_serial,
    document_render_store,
    portal_url,
    qr_svg,
)
from credits.eligibility import check_period, period_range_message
from credits.selectors import StaffStatus, rules_by_year, staff_compliance
from portal.actions import Refused
from portal.audit import audit_log
from portal.identity import mask_id_number, normalize_name
from portal.models import Role, User
from portal.pdf import missing_glyphs
from portal.tabular import (
    Column,
    Repeats,
    TableSpec,
    check_rows,
    id_number_column,
    name_column,
    read_table,
    register_template,
)
from portal.xlsx import workbook_bytes

CHECK_PREFIX = "SDZC"
MAX_PEOPLE = 1000  # rows of a list (people); each may name up to MAX_PERIOD_YEARS years
STYLESHEET = settings.BASE_DIR / "templates" / "certificates" / "registration_check.css"

YEARS_COLUMN = Column(
    "years",
    "年度",
    "text",
    aliases=("核查年度", "年份", "年度区间", "核查年度区间"),
    max_length=30,
    example="2022-2024",
)
REGISTRATION_CHECK_SPEC = TableSpec(
    columns=(id_number_column(), name_column(), YEARS_COLUMN),
    max_rows=MAX_PEOPLE,
    title=gettext_lazy("Registration check list"),
)
register_template(
    "registration-check-list",
    REGISTRATION_CHECK_SPEC,
    roles=(Role.DEPARTMENT_ADMIN,),
    url_name="certificates:registration_check_template",
)

# A year, and a range of two (after NFKC: full-width digits, "－" and "～" are ASCII).
_YEAR = r"(\d{4})\s*(?:年度|年)?"
_SINGLE = re.compile(_YEAR)
_RANGE = re.compile(_YEAR + r"\s*(?:[-~\u2010-\u2015\u2212\u301c]+|至|到)\s*" + _YEAR)


class RegistrationCheckError(Refused):
    """A check refused as a whole; the message is for the user, in Chinese."""


class RegistrationListError(RegistrationCheckError):
    """A list with rows that cannot be checked: `problems` names each ("第n行…");
    nothing was written."""

    def __init__(self, problems: list[str]):
        super().__init__(
            _(
                "The list was refused: %(count)s problem(s) in its rows. Nothing was "
                "checked; correct the rows below and upload it again."
            )
            % {"count": len(problems)}
        )
        self.problems = problems


def kind_required_message() -> str:
    """What a check without a registration kind is told (the form and the service)."""
    return _(
        "Enter the registration kind (for example 执业药师注册): every check is logged "
        "with what it was for, and none is run without it."
    )


def years_of(text: str) -> range:
    """The years a 年度 cell names: one year ("2024", "2024年") or a range with both
    ends ("2022-2024", "2022—2024", "2022至2024") that is a period
    credits.eligibility.check_period accepts (between EARLIEST_YEAR and this year, at
    most MAX_PERIOD_YEARS years) and not empty. ValueError with the message (Chinese)
    otherwise."""
    text = text.strip()
    if match := _RANGE.fullmatch(text):
        first, last = int(match.group(1)), int(match.group(2))
    elif match := _SINGLE.fullmatch(text):
        first = last = int(match.group(1))
    else:
        raise ValueError(
            _("“%(found)s” is not a year; write one year (2024) or a range (2022-2024)")
            % {"found": text}
        )
    if first > last:  # check_period lets the empty period (start = end + 1) pass
        raise ValueError(period_range_message())
    try:
        check_period(first, last)
    except ValidationError as error:
        raise ValueError(error.messages[0]) from None
    return range(first, last + 1)


@dataclass(frozen=True)
class _Line:
    line: int
    id_number: str
    real_name: str
    years: range


def _read_list(upload) -> list[_Line]:
    """The list's rows, each with its years; RegistrationListError naming every row
    that cannot be checked, TableError for a file that cannot be read as a list."""
    _table, data = read_table(upload, REGISTRATION_CHECK_SPEC)
    repeats = Repeats()
    lines: list[_Line] = []

    def check(row) -> None:
        try:
            years = years_of(row.values["years"])
        except ValueError as error:
            row.problem(str(error), YEARS_COLUMN)
            return
        number = row.values["id_number"]
        for year in years:
            if other := repeats.seen((number, year), row.number):
                row.problem(
                    _("the same person and year %(year)s as row %(other)s")
                    % {"year": year, "other": other}
                )
                return
        lines.append(_Line(row.number, number, row.values["name"], years))

    problems = check_rows(data, check)
    if problems:
        raise RegistrationListError(problems)
    return lines


def _verdicts(lines: list[_Line]) -> dict[tuple[int, int], tuple[bool, bool]]:
    """{(line, year): (found, met)}. Found: an account with the row's ID number and,
    in normal form, its name. Met: the year's totals against the year's rule, asked
    of credits' compliance selector (staff_compliance, in SQL: one query a year); a
    year without a rule is never met. One query for the people, one per year."""
    accounts = {
        number: (pk, normalize_name(name))
        for pk, number, name in User.objects.filter(
            id_number__in={line.id_number for line in lines}
        ).values_list("pk", "id_number", "real_name")
    }
    person = {}
    for line in lines:
        pk, name = accounts.get(line.id_number, (None, None))
        person[line.line] = pk if name == line.real_name else None
    rules = rules_by_year()
    asked: dict[int, set[int]] = {}
    for line in lines:
        if person[line.line] is not None:
            for year in line.years:
                asked.setdefault(year, set()).add(person[line.line])
    met: dict[int, set[int]] = {}
    for year, people in asked.items():
        rule = rules.get(year)
        met[year] = (
            set(
                staff_compliance(
                    User.objects.filter(pk__in=people), year, rule, StaffStatus.MET
                ).values_list("pk", flat=True)
            )
            if rule is not None
            else set()
        )
    return {
        (line.line, year): (
            person[line.line] is not None,
            person[line.line] in met.get(year, ()),
        )
        for line in lines
        for year in line.years
    }


def registration_check_run(*, actor, upload, kind: str, purpose: str = "") -> RegistrationCheck:
    """Check the hours of the people of `upload` (REGISTRATION_CHECK_SPEC) for the
    authority `actor` (a department admin's Membership) administers, for registration
    kind `kind` (required) and an optional `purpose`.

    Returns the check, its rows written (one per person and year: found, met) and its
    PDF queued after commit. Raises RegistrationCheckError (Chinese) without a kind, for
    a kind or purpose longer than its field, or for an actor who administers no
    authority, RegistrationListError naming every
    row that cannot be checked, TableError for a file that cannot be read; nothing is
    written then. Audited as certificates.registration_check.run with the kind and
    the counts, never the people.
    """
    kind, purpose = " ".join(kind.split()), " ".join((purpose or "").split())
    if not kind:
        raise RegistrationCheckError(kind_required_message())
    for field, value in (("kind", kind), ("purpose", purpose)):
        limit = RegistrationCheck._meta.get_field(field).max_length
        if len(value) > limit:
            raise RegistrationCheckError(
                _("“%(field)s” may have at most %(max)s characters.")
                % {"field": RegistrationCheck._meta.get_field(field).verbose_name, "max": limit}
            )
    authority = registration_check_authority(actor)
    if authority is None:
        raise RegistrationCheckError(_("Only an industry authority runs registration checks."))
    lines = _read_list(upload)
    verdicts = _verdicts(lines)
    with transaction.atomic():
        check = RegistrationCheck.objects.create(
            authority=authority,
            kind=kind,
            purpose=purpose,
            requested_by=actor.user,
            serial=allocate_document_serial(CHECK_PREFIX, timezone.localdate().year),
        )
        RegistrationCheckRow.objects.bulk_create(
            RegistrationCheckRow(
                check_run=check,
                line=line.line,
                id_number=line.id_number,
                real_name=line.real_name,
                year=year,
                found=verdicts[line.line, year][0],
                met=verdicts[line.line, year][1],
            )
            for line in lines
            for year in line.years
        )
        audit_log(
            actor=actor.user,
            action="certificates.registration_check.run",
            check=check.pk,
            serial=check.serial,
            authority=authority.pk,
            kind=kind,
            purpose=purpose,
            count=len(lines),
            years=len(verdicts),
            met=sum(met for _found, met in verdicts.values()),
            not_found=sum(not found for found, _met in verdicts.values()),
        )
        render_registration_check.delay_on_commit(check.pk)
    return check


# -- what a check states ----------------------------------------------------------------


def verdict_label(row: RegistrationCheckRow) -> str:
    """达标 / 未达标 / 未找到 (not found: not compliant)."""
    if not row.found:
        return _("not found")
    return _("met") if row.met else _("not met")


def check_summary(check: RegistrationCheck) -> dict:
    """{"people", "years", "met", "not_met", "not_found"}: people are the list's rows,
    years its person-years. One query."""
    figures = check.rows.aggregate(
        people=Count("line", distinct=True),
        years=Count("id"),
        met=Count("id", filter=Q(met=True)),
        not_found=Count("id", filter=Q(found=False)),
    )
    figures["not_met"] = figures["years"] - figures["met"] - figures["not_found"]
    return figures


def shown_id(row: RegistrationCheckRow, full: bool) -> str:
    """The row's ID number in full for a reader who sees full numbers
    (portal.scoping.sees_full_id_numbers), else masked."""
    return row.id_number if full else mask_id_number(row.id_number)


def registration_check_workbook(check: RegistrationCheck, *, full_ids: bool) -> bytes:
    """The check as an .xlsx: its rows (行号, 姓名, 身份证号 — in full only for
    `full_ids`, portal.scoping.sees_full_id_numbers —, 年度, 是否找到, 是否达标) and
    a sheet of what the check was (number, authority, kind, purpose, date, who asked,
    the verification address). No hours, no unit."""
    rows = [
        [
            row.line,
            row.real_name,
            shown_id(row, full_ids),
            row.year,
            _("found") if row.found else _("not found"),
            _("met") if row.met else _("not met"),
        ]
        for row in check.rows.all()
    ]
    headers = [
        _("Row"),
        _("Name"),
        _("ID card number"),
        _("Year"),
        _("Found in the province"),
        _("Met the rule"),
    ]
    about = [
        [_("Check number"), check.serial],
        [_("Industry authority"), check.authority.name],
        [_("Registration kind"), check.kind],
        [_("Purpose"), check.purpose],
        [_("Checked at"), timezone.localtime(check.created_at).strftime("%Y-%m-%d %H:%M")],
        [_("Requested by"), check.requested_by.real_name],
        [_("Verification page"), registration_check_verification_url(check)],
        [_("Note"), str(verdict_note())],
    ]
    return workbook_bytes(
        [
            (_("Registration check"), headers, rows),
            (_("About the check"), [_("Item"), _("Value")], about),
        ],
        text_columns={1, 2},
    )


def verdict_note() -> str:
    """What 达标 and 未找到 mean, for the page, the xlsx and the PDF (Chinese)."""
    return _(
        "Met: the year's public-subject and professional-subject hours each reached "
        "that year's minimum. Not found: no account in the province has this ID card "
        "number with this name; not compliant. The check states nothing else about the "
        "people listed."
    )


# -- the PDF ----------------------------------------------------------------------------


def registration_check_verification_url(check: RegistrationCheck) -> str:
    """What the PDF's QR code opens, on the portal's configured address."""
    return portal_url(
        reverse("certificates:registration_check_verify", kwargs={"code": check.verification_code})
    )


def drawable(text: str) -> str:
    """`text` with every character no PDF font draws as "＊" (a name typed with a
    character no font has must not keep the whole check from its PDF; the page and
    the xlsx keep it as typed)."""
    for character in missing_glyphs(text):
        text = text.replace(character, "＊")
    return text


def registration_check_html(check: RegistrationCheck) -> str:
    """The check's PDF as HTML (registration_check_pdf.html), with its QR code."""
    url = registration_check_verification_url(check)
    rows = [
        {
            "line": row.line,
            "name": drawable(row.real_name),
            "masked_id": mask_id_number(row.id_number),
            "year": row.year,
            "found": row.found,
            "met": row.met,
        }
        for row in check.rows.all()
    ]
    return render_to_string(
        "certificates/registration_check_pdf.html",
        {
            "check": check,
            "authority": drawable(check.authority.name),
            "kind": drawable(check.kind),
            "purpose": drawable(check.purpose),
            "rows": rows,
            "summary": check_summary(check),
            "issuer": settings.PORTAL_NAME,
            "verify_url": url,
            "qr": qr_svg(url),
        },
    )


def registration_check_render(check_id: int) -> RegistrationCheck:
    """Render, sign and store the check's PDF once (the worker's task); a repeat finds
    it stored and writes nothing. Stored under the local year of the check, the year
    its serial counts in."""
    check = RegistrationCheck.objects.select_related("authority").get(pk=check_id)
    year = timezone.localdate(check.created_at).year
    return document_render_store(
        instance=check,
        html=lambda: registration_check_html(check),
        name=f"registration_checks/{year}/{check.serial}.pdf",
        stylesheets=(STYLESHEET,),
    )


# Re-exported by certificates.tasks (autodiscovery); no retries.
@shared_task(
    name="certificates.tasks.render_registration_check", acks_late=True, reject_on_worker_lost=True
)
def render_registration_check(check_id: int) -> None:
    """Render and store a registration check's PDF (queued on commit by
    registration_check_run; safe to run twice)."""
    registration_check_render(check_id)


# -- verification of the signed file ------------------------------------------------------


def find_signed_check(serial: str) -> registry.SignedDocument | None:
    """The check numbered `serial` as /verify/'s check of a file shows it: what its
    public verification page shows in brief (no names, no ID numbers)."""
    check = RegistrationCheck.objects.filter(serial=serial).select_related("authority").first()
    if check is None:
        return None
    return registry.signed_document_of(
        check,
        kind=str(RegistrationCheck._meta.verbose_name),
        details_template="certificates/registration_check_details.html",
        details={"check": check, "summary": check_summary(check)},
        verification_path=reverse(
            "certificates:registration_check_verify", kwargs={"code": check.verification_code}
        ),
    )


def register() -> None:
    """Register the checks' signed PDFs with certificates.registry (AppConfig.ready)."""
    registry.register_signed_kind(RegistrationCheck._meta.label_lower, find_signed_check)
