"""Eligibility statements (职称申报继续教育学时核验证明) as documents.

The statement a title application carries says whether every year of the review
period met its own year's rule (credits.eligibility). Issued here it becomes a row
with a serial (SDZM2026000001: allocate_document_serial, counted per year of issue),
a random verification code and a QR code, its years snapshotted as they were: later
entries never change it; its verification page says which years have been corrected
since. Its achievements in title evaluation (credits.achievements: a teacher's
selected quality courses as 教学成果) are snapshotted too, as they stood at issue.
The PDF is rendered on a worker and stored through the one document path
(certificates.services.document_render_store), like every certificate.
"""

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.documents import DocumentKind, lock_person, recent_twin
from certificates.models import EligibilityStatement, StatementYear
from certificates.registry import HeldCertificate
from certificates.services import (
    CertificateError,
    allocate_document_serial,
    document_render_store,
    portal_url,
    qr_svg,
)
from credits.achievements import Achievement, achievements_of
from credits.eligibility import Eligibility, changed_since, check_period, eligibility_check
from credits.selectors import YearStatus, year_statuses
from portal.audit import audit_log
from portal.identity import mask_id_number
from portal.models import ReviewStatus

STATEMENT_PREFIX = "SDZM"
STYLESHEET = settings.BASE_DIR / "templates" / "certificates" / "statement.css"

STATEMENTS = DocumentKind(
    model=EligibilityStatement,
    name=gettext_lazy("Title application eligibility statement"),
    verify_url_name="certificates:statement_verify",
    pdf_url_name="certificates:statement_pdf",
)


def statement_issue(*, person, start_year: int, end_year: int, issued_by) -> EligibilityStatement:
    """Issue a statement of `person`'s review period start_year–end_year (both
    included) as the ledger stands now, and queue its PDF (after commit).

    Every year is stored with its public and professional hours (one decimal), the
    year's minimums (none: the year had no rule) and whether it met them; the
    statement is met when every year is. The person's achievements
    (credits.achievements.achievements_of, e.g. her selected quality courses) are
    stored as they stand, whatever their year: the statement states them as at issue.
    A repeat of the same request within
    documents.REPEAT_WINDOW that would state the same (a double click) returns the
    statement already issued, and writes nothing. Raises CertificateError (in
    Chinese) for a period credits.eligibility.check_period refuses, an empty period,
    or a person who is not an approved professional; nothing is written then.
    Audited.
    """
    try:
        check_period(start_year, end_year)
    except ValidationError as error:
        raise CertificateError(error.messages[0]) from error
    if start_year > end_year:
        raise CertificateError(_("The review period has no year to check."))
    profile = getattr(person, "profile", None)
    if profile is None or profile.status != ReviewStatus.APPROVED:
        raise CertificateError(_("%(name)s is not a professional.") % {"name": person.real_name})
    with transaction.atomic():
        lock_person(person)  # a concurrent repeat waits here, then finds the twin
        result = eligibility_check(person, start_year, end_year)
        achievements = [achievement.as_json() for achievement in achievements_of(person)]
        twin = recent_twin(
            EligibilityStatement.objects.filter(
                person=person, start_year=start_year, end_year=end_year
            ).prefetch_related("years"),
            lambda statement: (
                stated_years(statement) == result.years and statement.achievements == achievements
            ),
        )
        if twin is not None:
            return twin
        statement = EligibilityStatement.objects.create(
            person=person,
            start_year=start_year,
            end_year=end_year,
            met=result.met,
            achievements=achievements,
            serial=allocate_document_serial(STATEMENT_PREFIX, timezone.localdate().year),
            real_name=person.real_name,
            id_number=person.id_number,
            unit_name=profile.unit.name,
            issuer_name=str(settings.PORTAL_NAME),
            issued_by=issued_by,
        )
        StatementYear.objects.bulk_create(
            StatementYear(
                statement=statement,
                year=status.year,
                public_hours=status.public,
                professional_hours=status.professional,
                public_min=status.public_min,
                professional_min=status.professional_min,
                met=status.met,
            )
            for status in result.years
        )
        audit_log(
            actor=issued_by,
            action="certificates.statement.issued",
            statement=statement.pk,
            serial=statement.serial,
            person=person.pk,
            period=f"{start_year}-{end_year}",
            met=statement.met,
            achievements=len(achievements),
        )
        render_statement.delay_on_commit(statement.pk)
    return statement


def stated_years(statement: EligibilityStatement) -> list[YearStatus]:
    """The statement's years as it states them (hours and rule at issue), by year;
    no query when its years were prefetched."""
    return [
        YearStatus(
            year=row.year,
            public=row.public_hours,
            professional=row.professional_hours,
            public_min=row.public_min,
            professional_min=row.professional_min,
        )
        for row in statement.years.all()
    ]


def stated_achievements(statement: EligibilityStatement) -> list[Achievement]:
    """The achievements the statement states (as they stood at issue); no query."""
    return [Achievement.from_json(data) for data in statement.achievements]


def stated_result(statement: EligibilityStatement) -> Eligibility:
    """The statement's verdict as credits.eligibility words it (missing hours per year)."""
    return Eligibility(
        statement.person, statement.start_year, statement.end_year, stated_years(statement)
    )


def statement_corrections(statement: EligibilityStatement) -> dict[int, YearStatus]:
    """The years whose hours in the ledger (or whose verdict, after a change of the
    year's rule) differ now from what the statement states, mapped to their status
    now; the statement itself stays as issued."""
    return changed_since(statement.person_id, stated_years(statement))


def statement_verification_url(statement: EligibilityStatement) -> str:
    """What the statement's QR code opens, on the portal's configured address."""
    return portal_url(STATEMENTS.verification_path(statement))


def statement_html(statement: EligibilityStatement) -> str:
    """The statement's PDF as HTML (statement_pdf.html), with its QR code."""
    url = statement_verification_url(statement)
    return render_to_string(
        "certificates/statement_pdf.html",
        {
            "statement": statement,
            "result": stated_result(statement),
            "achievements": stated_achievements(statement),
            "masked_id": mask_id_number(statement.id_number),
            "verify_url": url,
            "qr": qr_svg(url),
        },
    )


def statement_render(statement_id: int) -> EligibilityStatement:
    """Render and store the statement's PDF once (the worker's task); a repeat finds
    it stored and writes nothing. A character no font draws flags it instead
    (render_blocked), as with certificates. Stored under the local year of issue, the
    year its serial counts in."""
    statement = EligibilityStatement.objects.select_related("person").get(pk=statement_id)
    year = timezone.localdate(statement.issued_at).year
    return document_render_store(
        instance=statement,
        html=lambda: statement_html(statement),
        name=f"statements/{year}/{statement.serial}.pdf",
        stylesheets=(STYLESHEET,),
    )


# Registered under its old name (certificates.tasks re-exports it); no retries.
@shared_task(name="certificates.tasks.render_statement", acks_late=True, reject_on_worker_lost=True)
def render_statement(statement_id: int) -> None:
    """Render and store an eligibility statement's PDF (queued on commit by
    statement_issue; safe to run twice)."""
    statement_render(statement_id)


def held_statements(user) -> list[HeldCertificate]:
    """The user's statements as 我的证书 lists them, each with its state now: valid,
    or the years corrected since it was issued (registered with
    certificates.registry). Three queries, however many statements."""
    statements = list(EligibilityStatement.objects.filter(person=user).prefetch_related("years"))
    years = sorted({row.year for s in statements for row in s.years.all()})
    now = {status.year: status for status in year_statuses(user, years)}
    rows = []
    for s in statements:
        subject = _("%(start)s–%(end)s: %(verdict)s") % {
            "start": s.start_year,
            "end": s.end_year,
            "verdict": _("met") if s.met else _("not met"),
        }
        corrected = sorted(changed_since(user, stated_years(s), now))
        if corrected:
            state = {
                "valid": False,
                "status": _("corrected since issue"),
                "reason": _("years %(years)s") % {"years": "、".join(map(str, corrected))},
            }
        else:
            state = {"valid": True, "status": _("valid")}
        rows.append(STATEMENTS.held(s, subject=subject, **state))
    return rows
