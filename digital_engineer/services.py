"""The programme's rules: classes within approvals, trainees within capacity, the pass
rule (the class's hours attended and both parts ≥ 60, `Trainee.passed`), certificates
and ledger hours once, stating the hours attended, the 30-day filing.

Every change of state of the app goes through a function here: it runs in a
transaction, writes an audit entry (portal.audit) and refuses with ProgrammeError
(a portal.actions.Refused) and a Chinese message. What a role may see is in
digital_engineer.selectors. The worker's job (rendering a training certificate) is
defined here too, under its old task name; digital_engineer.tasks re-exports it.
"""

import datetime
import logging

from celery import shared_task
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.models import RevocationCategory
from certificates.services import document_render_store, portal_url, qr_svg
from credits.models import Category, Source
from credits.services import credit_post, waiting_for_approval
from digital_engineer.models import (
    Approval,
    CityPlan,
    ClassComment,
    Direction,
    InstitutionState,
    Level,
    RosterFiling,
    RosterReminder,
    Standard,
    Trainee,
    TrainingCertificate,
    TrainingClass,
)
from digital_engineer.selectors import (
    FilingState,
    institution_for,
    revokes_training_certificates,
    rosters_to_remind,
)
from portal.actions import Refused
from portal.audit import audit_log
from portal.formats import format_hours
from portal.identity import mask_id_number, normalize_name, validate_id_number
from portal.models import ReviewStatus, Role, User
from portal.tabular import (
    Column,
    Repeats,
    TableError,
    TableSpec,
    check_rows,
    id_number_column,
    name_column,
    read_table,
    register_template,
)
from portal.xlsx import workbook_bytes

logger = logging.getLogger(__name__)


class ProgrammeError(Refused):
    """A refusal of the programme's rules; `str(error)` is the Chinese message the
    user reads. Nothing was changed."""


def _active(institution) -> None:
    state = InstitutionState.objects.filter(institution=institution).first()
    if state is None or state.status != InstitutionState.Status.LISTED:
        raise ProgrammeError(
            _("The institution is not (or no longer) in the catalogue; it cannot do this.")
        )


@transaction.atomic
def class_open(*, institution, opened_by, **fields) -> TrainingClass:
    """Open a class of `institution` (the ClassForm's fields): the institution must
    be in the catalogue and approved for the direction and level, theory plus
    practice must reach the level's standard hours, a class other than an open one
    names its partner, and it cannot end before it starts (ProgrammeError
    otherwise). Audited as digital_engineer.class.opened by `opened_by` (a User)."""
    _active(institution)
    direction, level = fields["direction"], fields["level"]
    if not Approval.objects.filter(
        institution=institution, direction=direction, level=level
    ).exists():
        raise ProgrammeError(_("The institution is not approved for this direction and level."))
    standard = Standard.objects.filter(direction=direction, level=level).first()
    hours = fields["theory_hours"] + fields["practice_hours"]
    if standard and hours < standard.training_hours:
        raise ProgrammeError(
            _("Theory and practice together must reach %(hours)s hours for this level.")
            % {"hours": format_hours(standard.training_hours)}
        )
    if fields["kind"] != TrainingClass.Kind.OPEN and not fields.get("partner"):
        raise ProgrammeError(_("Order-based, customised and directed classes name a partner."))
    if fields["starts_on"] > fields["ends_on"]:
        raise ProgrammeError(_("The class cannot end before it starts."))
    training_class = TrainingClass.objects.create(institution=institution, **fields)
    audit_log(actor=opened_by, action="digital_engineer.class.opened", klass=training_class.pk)
    return training_class


def _open_class(training_class: TrainingClass) -> None:
    if training_class.status != TrainingClass.Status.OPEN:
        raise ProgrammeError(_("The class is closed."))
    _active(training_class.institution)


@transaction.atomic
def trainee_enrol(
    *, training_class: TrainingClass, id_number: str, real_name: str, enrolled_by=None
) -> Trainee:
    """Enrol the person with ID card number `id_number` and name `real_name`: an
    existing account when the name matches hers, else a new person record (a
    graduate without a unit). Audited as digital_engineer.trainee.enrolled by
    `enrolled_by` (a User; None for the system).

    The institution learns nothing from an ID number alone: for an existing account
    whose name differs from `real_name` the refusal is one generic message, checked
    before anything that would tell her state (pending registration, certified,
    enrolled), and no message names the person. Raises ProgrammeError.
    """
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    _open_class(training_class)
    try:
        number = validate_id_number(id_number)
    except ValidationError as error:
        raise ProgrammeError(error.messages[0]) from None
    real_name = normalize_name(real_name)
    if not real_name:
        raise ProgrammeError(_("Enter the trainee's name as on the ID card."))
    if training_class.trainees.count() >= training_class.capacity:
        raise ProgrammeError(_("The class is full."))
    person = User.objects.filter(id_number=number).select_related("profile").first()
    if person is not None and normalize_name(person.real_name) != real_name:
        raise ProgrammeError(
            _("The ID card number and the name do not go together; check both on the ID card.")
        )
    record = getattr(person, "profile", None)
    if record is not None and record.status != ReviewStatus.APPROVED:
        raise ProgrammeError(
            _("This person's registration has not been approved by her unit; enrol her after it.")
        )
    if person is None:
        person = User.objects.create_user(number, None, real_name=real_name)
    already = TrainingCertificate.objects.filter(
        trainee__person=person,
        trainee__training_class__direction=training_class.direction,
        trainee__training_class__level=training_class.level,
        revoked_at__isnull=True,
    ).exists()
    if already:
        raise ProgrammeError(_("This person is already certified at this direction and level."))
    trainee, created = Trainee.objects.get_or_create(training_class=training_class, person=person)
    if not created:
        raise ProgrammeError(_("This person is enrolled in this class already."))
    audit_log(
        actor=enrolled_by,
        action="digital_engineer.trainee.enrolled",
        klass=training_class.pk,
        trainee=trainee.pk,
    )
    return trainee


@transaction.atomic
def trainee_record(
    *,
    trainee: Trainee,
    theory_attended: int,
    practice_attended: int,
    theory_score: int | None,
    practice_score: int | None,
    recorded_by=None,
) -> Trainee:
    """Record a trainee's attended hours (whole hours, theory and practice, at most
    the class's) and exam scores (0–100, None while not taken) while her class is
    open and its institution in the catalogue; ProgrammeError otherwise. Audited as
    digital_engineer.trainee.recorded by `recorded_by` (a User; None for the
    system)."""
    _trainee_record(
        trainee,
        theory_attended=theory_attended,
        practice_attended=practice_attended,
        theory_score=theory_score,
        practice_score=practice_score,
    )
    audit_log(
        actor=recorded_by,
        action="digital_engineer.trainee.recorded",
        klass=trainee.training_class_id,
        trainee=trainee.pk,
    )
    return trainee


def _trainee_record(
    trainee: Trainee, *, theory_attended, practice_attended, theory_score, practice_score
) -> None:
    """trainee_record's checks and write, without the audit entry (a file of rows is
    audited once, records_upload)."""
    _open_class(trainee.training_class)
    for score in (theory_score, practice_score):
        if score is not None and not 0 <= score <= 100:
            raise ProgrammeError(_("Scores run from 0 to 100."))
    klass = trainee.training_class
    if not (
        0 <= theory_attended <= klass.theory_hours
        and 0 <= practice_attended <= klass.practice_hours
    ):
        raise ProgrammeError(_("Attended hours cannot exceed the class's hours."))
    trainee.theory_attended, trainee.practice_attended = theory_attended, practice_attended
    trainee.theory_score, trainee.practice_score = theory_score, practice_score
    trainee.save()


@transaction.atomic
def class_comment(*, actor, training_class: TrainingClass, text: str) -> ClassComment:
    """City HR of the class's city, or provincial HR (`actor`, a Membership), remark
    on a class in their scope (looked up by the caller): at most 500 characters, not
    blank (ProgrammeError otherwise). Audited as digital_engineer.class.commented."""
    if actor.role not in (Role.CITY_HR, Role.PROVINCE_HR):
        raise ProgrammeError(_("Only HR departments comment on classes."))
    text = text.strip()
    if not text:
        raise ProgrammeError(_("Write a comment."))
    if len(text) > 500:
        raise ProgrammeError(_("A comment has at most 500 characters."))
    comment = ClassComment.objects.create(
        training_class=training_class, author=actor.user, text=text
    )
    audit_log(
        actor=actor.user,
        action="digital_engineer.class.commented",
        klass=training_class.pk,
        comment=comment.pk,
    )
    return comment


def trainee_credit(trainee: Trainee, *, recorded_by=None) -> None:
    """Post a passing trainee's hours as professional-subject hours of the year the
    class ends: the hours she attended, theory plus practice, as her certificate
    states them (once: a repeat finds the first entry)."""
    klass = trainee.training_class
    trainee.credit, _created = credit_post(
        person=trainee.person,
        year=klass.ends_on.year,
        category=Category.PROFESSIONAL,
        hours=trainee.hours_done,
        source=Source.DIGITAL_ENGINEER,
        source_ref=f"de-trainee:{trainee.pk}",
        description=klass.name[:200],
        occurred_on=klass.ends_on,
        recorded_by=recorded_by,
    )
    trainee.save(update_fields=["credit"])


@transaction.atomic
def held_hours_post(person) -> int:
    """Post the hours of closed classes a trainee passed while her registration
    waited for approval (once each: the ledger's source reference). Returns how many
    were posted."""
    held = (
        Trainee.objects.passed()
        .filter(
            person=person,
            credit__isnull=True,
            training_class__status=TrainingClass.Status.CLOSED,
        )
        .select_related("training_class", "person")
    )
    posted = 0
    for trainee in held:
        trainee_credit(trainee)
        posted += 1
    return posted


@transaction.atomic
def class_close(*, training_class: TrainingClass, closed_by) -> TrainingClass:
    """Close the class: for each trainee who passed (`Trainee.passed`: the class's
    hours attended and both exam parts passed) a certificate, rendered on the worker
    after commit, and the hours attended in the ledger; and the roster filing due 30
    days after the end. Trainees short of the hours get neither. Closing twice does
    nothing more."""
    training_class = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
    if training_class.status == TrainingClass.Status.CLOSED:
        return training_class
    year = training_class.ends_on.year
    passed = list(training_class.trainees.passed().select_related("person", "training_class"))
    held = set(waiting_for_approval([t.person_id for t in passed]).values_list("pk", flat=True))
    for trainee in passed:
        certificate, _created = TrainingCertificate.objects.get_or_create(
            trainee=trainee, defaults={"serial": f"pending-{trainee.pk}"}
        )
        if certificate.serial.startswith("pending-"):
            certificate.serial = f"SDSZ{year}{certificate.pk:06d}"
            certificate.save(update_fields=["serial"])
        training_certificate_render_request(certificate)
        if trainee.person_id not in held:  # the others get them once approved
            trainee_credit(trainee, recorded_by=closed_by)
    RosterFiling.objects.get_or_create(
        training_class=training_class, defaults={"due_on": training_class.roster_due_on}
    )
    training_class.status, training_class.closed_at = TrainingClass.Status.CLOSED, timezone.now()
    training_class.save(update_fields=["status", "closed_at"])
    audit_log(actor=closed_by, action="digital_engineer.class.closed", klass=training_class.pk)
    return training_class


def _filing_locked(filing: RosterFiling, *allowed: str) -> RosterFiling:
    """Lock the filing's row until the end of the transaction and read it afresh into
    `filing`; return it if its status is one of `allowed`. Someone may have acted on it
    since the user's page was drawn (city HR returned or acknowledged it, a colleague
    submitted it, a second click): then ProgrammeError, saying what it is now and that
    nothing was changed."""
    RosterFiling.objects.select_for_update().filter(pk=filing.pk).values_list("pk").get()
    filing.refresh_from_db()
    if filing.status not in allowed:
        raise ProgrammeError(
            _(
                "The filing is now %(status)s: it may have been dealt with since this page "
                "was shown. Nothing was changed; please reload the page."
            )
            % {"status": filing.get_status_display()}
        )
    return filing


@transaction.atomic
def filing_submit(*, filing: RosterFiling, summary: str, submitted_by) -> RosterFiling:
    """Submit the class's roster filing (or submit a returned one again): the summary
    and the roster workbook. The first submission's time is kept for good, since it
    decides lateness (`portal.deadlines.filing_lateness`); `submitted_at` is the
    latest. Raises ProgrammeError without a summary, for a filing already submitted or
    acknowledged (also when that happened since the page was drawn), or for a
    suspended institution."""
    if not (summary or "").strip():
        raise ProgrammeError(_("The filing needs the training summary."))
    filing = _filing_locked(filing, RosterFiling.Status.OPEN, RosterFiling.Status.RETURNED)
    _active(filing.training_class.institution)
    resubmitted = filing.status == RosterFiling.Status.RETURNED
    filing.summary, filing.status = summary.strip(), RosterFiling.Status.SUBMITTED
    filing.submitted_at = timezone.now()
    if filing.first_submitted_at is None:
        filing.first_submitted_at = filing.submitted_at
    klass = filing.training_class
    filing.roster.save(
        f"rosters/{klass.ends_on.year}/class-{klass.pk}.xlsx",
        ContentFile(roster_xlsx(klass)),
        save=False,
    )
    filing.save(update_fields=["summary", "status", "submitted_at", "first_submitted_at", "roster"])
    audit_log(
        actor=submitted_by,
        action="digital_engineer.filing.submitted",
        filing=filing.pk,
        resubmitted=resubmitted,
    )
    return filing


def roster_xlsx(klass: TrainingClass) -> bytes:
    """The trainee list filed with HR: who, hours attended, scores, certificate."""
    rows = (
        [
            t.person.real_name,
            t.person.id_number,
            t.theory_attended,
            t.practice_attended,
            t.theory_score,
            t.practice_score,
            "合格" if t.passed else "不合格",
            getattr(getattr(t, "certificate", None), "serial", ""),
        ]
        for t in klass.trainees.select_related("person", "certificate").order_by("id")
    )
    headers = [
        "姓名",
        "身份证号",
        "理论学时",
        "实操学时",
        "理论成绩",
        "实操成绩",
        "考核结果",
        "证书编号",
    ]
    return workbook_bytes([(klass.name, headers, rows)])


@transaction.atomic
def certificate_revoke(*, certificate: TrainingCertificate, category: str, reason: str, revoked_by):
    """Revoke a training certificate, once: the revocation is a conditional UPDATE, so
    of two at the same moment one revokes and the other is told it was revoked
    already (ProgrammeError, as for a missing reason or category).

    `category`: a certificates.models.RevocationCategory value, what the public reads
    on the verification page and in the check of the file; `reason`: free text for
    the records (trimmed), not shown to the public. Audited with both."""
    if category not in RevocationCategory.values:
        raise ProgrammeError(_("Choose the category of the reason for revocation."))
    if not (reason or "").strip():
        raise ProgrammeError(_("A reason is required to revoke a certificate."))
    revoked = TrainingCertificate.objects.filter(pk=certificate.pk, revoked_at=None).update(
        revoked_at=timezone.now(), revoked_reason=reason.strip(), revocation_category=category
    )
    if not revoked:
        raise ProgrammeError(_("This certificate has already been revoked."))
    audit_log(
        actor=revoked_by,
        action="digital_engineer.certificate.revoked",
        certificate=certificate.pk,
        category=category,
    )
    certificate.refresh_from_db(fields=["revoked_at", "revoked_reason", "revocation_category"])
    return certificate


def holder_certificate_revoke(
    *, actor, certificate: TrainingCertificate, category: str, reason: str
) -> TrainingCertificate:
    """Revoke a certificate from the holders list as `actor` (a Membership):
    provincial HR alone (selectors.revokes_training_certificates), ProgrammeError for
    anyone else; then as certificate_revoke."""
    if not revokes_training_certificates(actor):
        raise ProgrammeError(_("Only provincial HR revokes certificates."))
    return certificate_revoke(
        certificate=certificate, category=category, reason=reason, revoked_by=actor.user
    )


@transaction.atomic
def certificate_service_toggle(*, actor, certificate: TrainingCertificate) -> TrainingCertificate:
    """Mark that the holder asked for title evaluation or recognition service, or
    clear the mark (HR on the holders list, `actor` a Membership; the certificate
    looked up in its scope). The row is locked while it flips, so a double click
    flips twice, in order. Audited as digital_engineer.certificate.service_requested
    or .service_request_cleared."""
    certificate = TrainingCertificate.objects.select_for_update().get(pk=certificate.pk)
    requested = certificate.service_requested_at is None
    certificate.service_requested_at = timezone.now() if requested else None
    certificate.save(update_fields=["service_requested_at"])
    audit_log(
        actor=actor.user,
        action=(
            "digital_engineer.certificate.service_requested"
            if requested
            else "digital_engineer.certificate.service_request_cleared"
        ),
        certificate=certificate.pk,
    )
    return certificate


def training_verification_url(certificate: TrainingCertificate) -> str:
    """What the certificate's QR code opens, on the portal's configured address."""
    return portal_url(
        reverse("digital_engineer:verify", kwargs={"code": certificate.verification_code})
    )


def training_certificate_html(certificate: TrainingCertificate) -> str:
    """The certificate's page as HTML, for the PDF renderer: the holder's masked ID
    number, the class, and the QR code of its verification URL."""
    url = training_verification_url(certificate)
    return render_to_string(
        "digital_engineer/certificate_pdf.html",
        {
            "c": certificate,
            "trainee": certificate.trainee,
            "klass": certificate.trainee.training_class,
            "masked_id": mask_id_number(certificate.trainee.person.id_number),
            "verify_url": url,
            "qr": qr_svg(url),
        },
    )


RENDER_REQUEST_INTERVAL = datetime.timedelta(minutes=5)


def training_certificate_render_request(certificate: TrainingCertificate) -> bool:
    """Queue the rendering of the certificate's PDF (after commit), at most once per
    RENDER_REQUEST_INTERVAL: a download that finds the PDF missing asks again in case
    the first task was lost, but while the worker is down every such download must not
    add a task to the queue. The claim is a conditional UPDATE, so of concurrent
    requests one queues. Returns whether this call queued it."""
    now = timezone.now()
    claimed = (
        TrainingCertificate.objects.filter(pk=certificate.pk)
        .filter(
            Q(render_requested_at__isnull=True)
            | Q(render_requested_at__lte=now - RENDER_REQUEST_INTERVAL)
        )
        .update(render_requested_at=now)
    )
    if claimed:
        render_training_certificate.delay_on_commit(certificate.pk)
    return bool(claimed)


def training_certificate_render(certificate_id: int) -> TrainingCertificate:
    """Render and store the certificate's PDF once (the worker's task); a repeat finds
    it stored and writes nothing. The same path as annual certificates
    (certificates.services.document_render_store)."""
    certificate = TrainingCertificate.objects.select_related(
        "trainee__person", "trainee__training_class__institution"
    ).get(pk=certificate_id)
    return document_render_store(
        instance=certificate,
        html=lambda: training_certificate_html(certificate),
        name=f"training-certificates/{certificate.serial}.pdf",
    )


# The job's task, defined beside its work so that queueing it needs no import of
# digital_engineer.tasks (which re-exports it); its registered name is the old one.
# Late acknowledgement: a worker lost mid-render leaves it to run again, which is
# safe (training_certificate_render writes nothing twice). It does not retry.
@shared_task(
    name="digital_engineer.tasks.render_training_certificate",
    acks_late=True,
    reject_on_worker_lost=True,
)
def render_training_certificate(certificate_id: int) -> None:
    """Render and store training certificate `certificate_id`'s PDF (queued on
    commit by training_certificate_render_request; safe to run twice)."""
    training_certificate_render(certificate_id)


@transaction.atomic
def filing_decide(*, filing: RosterFiling, acknowledge: bool, reason: str, decided_by):
    """City or provincial HR acknowledges a submitted roster filing, or returns it with
    a reason to be corrected and submitted again (its lateness stays what its first
    submission made it). Raises ProgrammeError for a return without a reason, or when
    the filing is not (or no longer: decided or changed since the page was drawn)
    submitted."""
    if not acknowledge and not reason.strip():
        raise ProgrammeError(_("Please give the reason for returning the filing."))
    filing = _filing_locked(filing, RosterFiling.Status.SUBMITTED)
    filing.status = (
        RosterFiling.Status.ACKNOWLEDGED if acknowledge else RosterFiling.Status.RETURNED
    )
    filing.reason, filing.decided_by = reason.strip(), decided_by
    filing.save(update_fields=["status", "reason", "decided_by"])
    audit_log(
        actor=decided_by,
        action=(
            "digital_engineer.filing.acknowledged"
            if acknowledge
            else "digital_engineer.filing.returned"
        ),
        filing=filing.pk,
        reason=filing.reason,
    )
    return filing


@transaction.atomic
def institution_set_status(*, actor, institution, suspend: bool) -> InstitutionState:
    """City HR for institutions of its city, provincial HR for any (404 otherwise).

    Audited as what happened: `listed` (an applicant enters the catalogue),
    `suspended`, or `reinstated` (a suspended institution returns); a request that
    changes nothing writes nothing. The state's row is locked while it is read and
    changed, so two requests at once (two HR officers, a double click) are decided
    one after the other: the second sees the first's change. Raises ProgrammeError
    when city HR tries to list an applicant."""
    institution = institution_for(actor, institution.pk)
    InstitutionState.objects.get_or_create(institution=institution)
    state = InstitutionState.objects.select_for_update().get(institution=institution)
    if (
        state.status == InstitutionState.Status.APPLIED
        and not suspend
        and actor.role != Role.PROVINCE_HR
    ):
        raise ProgrammeError(_("Only provincial HR lists an institution in the catalogue."))
    before = state.status
    state.status = InstitutionState.Status.SUSPENDED if suspend else InstitutionState.Status.LISTED
    if state.status == before:
        return state
    state.save(update_fields=["status"])
    if suspend:
        action = "digital_engineer.institution.suspended"
    elif before == InstitutionState.Status.SUSPENDED:
        action = "digital_engineer.institution.reinstated"
    else:
        action = "digital_engineer.institution.listed"
    audit_log(actor=actor.user, action=action, institution=institution.pk)
    return state


@transaction.atomic
def approval_set(*, actor, institution, direction: str, level: str, approved: bool) -> None:
    """Provincial HR grants or withdraws a direction and level; classes already opened
    keep running. ProgrammeError for anyone else, or for an unknown direction or
    level. Audited as digital_engineer.approval.granted or .withdrawn."""
    if actor.role != Role.PROVINCE_HR:
        raise ProgrammeError(_("Only provincial HR keeps the institution catalogue."))
    if direction not in Direction.values or level not in Level.values:
        raise ProgrammeError(_("Choose a direction and a level."))
    if approved:
        Approval.objects.get_or_create(institution=institution, direction=direction, level=level)
    else:
        Approval.objects.filter(institution=institution, direction=direction, level=level).delete()
    audit_log(
        actor=actor.user,
        action=(
            "digital_engineer.approval.granted"
            if approved
            else "digital_engineer.approval.withdrawn"
        ),
        institution=institution.pk,
        direction=direction,
        level=level,
    )


def catalogue_change(*, actor, institution, action: str, direction: str = "", level: str = ""):
    """One button of provincial HR's catalogue page, `action`: "list" (the applicant
    enters the catalogue, institution_set_status), "approve" or "withdraw" a
    direction and level (approval_set). ProgrammeError for any other action, and as
    those functions refuse."""
    if action == "list":
        return institution_set_status(actor=actor, institution=institution, suspend=False)
    if action in ("approve", "withdraw"):
        return approval_set(
            actor=actor,
            institution=institution,
            direction=direction,
            level=level,
            approved=action == "approve",
        )
    raise ProgrammeError(_("Unknown action."))


@transaction.atomic
def standards_save(*, actor, formset) -> None:
    """Save provincial HR's changes to the subsidy standards (a valid
    forms.standard_formset bound to the POST). Audited as
    digital_engineer.standards.changed with the standards changed."""
    changed = formset.save()
    audit_log(
        actor=actor.user,
        action="digital_engineer.standards.changed",
        standards=[standard.pk for standard in changed],
    )


@transaction.atomic
def city_plan_save(*, actor, form, targets) -> CityPlan:
    """Save a city HR bureau's yearly plan: `form` a valid forms.CityPlanForm of a
    plan of its own city (selectors.city_plan_to_edit), `targets` its valid
    forms.target_formset. One plan per city and year: ProgrammeError for a second
    one (the form says so first; this catches two saves at once). Audited as
    digital_engineer.city_plan.saved."""
    plan = form.instance
    year = form.cleaned_data["year"]
    if CityPlan.objects.filter(city_id=plan.city_id, year=year).exclude(pk=plan.pk).exists():
        raise ProgrammeError(_("Your city has a plan for this year already."))
    try:
        with transaction.atomic():
            plan = form.save()
    except IntegrityError:
        raise ProgrammeError(_("Your city has a plan for this year already.")) from None
    targets.instance = plan
    targets.save()
    audit_log(actor=actor.user, action="digital_engineer.city_plan.saved", plan=plan.pk, year=year)
    return plan


def roster_reminders(today: datetime.date | None = None) -> int:
    """E-mail each institution the rosters it has waiting on `today` (default: the
    local date) (`rosters_to_remind`) — the daily beat job
    digital_engineer.tasks.remind_roster_filings. Returns how many institutions were
    mailed.

    Once a day: before its e-mail goes, each institution's RosterReminder row of
    `today` is claimed (a unique row; the insert that loses finds it and skips), so
    a second run on the same day — the beat fired twice, a worker retried — sends
    nothing again. An e-mail that fails to go (OSError) is logged with the
    institution and the filings (and the classes not yet closed) it named; its
    claim stands, and the next day's run tries again."""
    from django.conf import settings
    from django.core.mail import send_mail

    from portal.models import Membership

    today = today or timezone.localdate()
    by_institution: dict[int, list[FilingState]] = {}
    for state in rosters_to_remind(today):
        by_institution.setdefault(state.klass.institution_id, []).append(state)
    sent = 0
    for states in by_institution.values():
        institution = states[0].klass.institution
        emails = list(
            Membership.objects.filter(institution=institution)
            .exclude(user__email="")
            .values_list("user__email", flat=True)
        )
        if not emails:
            continue
        try:
            with transaction.atomic():
                RosterReminder.objects.create(institution=institution, sent_on=today)
        except IntegrityError:
            continue  # reminded today already
        try:
            send_mail(
                _("Roster filings waiting for %(name)s") % {"name": institution.name},
                "\n".join(reminder_line(state) for state in states),
                settings.DEFAULT_FROM_EMAIL,
                emails,
            )
        except OSError:  # the claim stands: tomorrow's run tries again
            logger.exception(
                "roster reminder e-mail of %s to institution %s failed "
                "(filings %s, classes not closed %s); the next day's run tries again",
                today,
                institution.pk,
                [state.filing.pk for state in states if state.filing is not None],
                [state.klass.pk for state in states if state.filing is None],
            )
            continue
        sent += 1
    return sent


def reminder_line(state: FilingState) -> str:
    """One roster in a reminder, worded as its pages show it: returned (已退回，请修改后
    重新报送), overdue (已逾期N天, also for a class never closed), or due on a date."""
    names = {"name": state.klass.name, "date": state.lateness.due_on}
    if state.status == RosterFiling.Status.RETURNED:
        return (
            _("The roster filing of %(name)s was returned; please correct it and file it again.")
            % names
        )
    if state.lateness.overdue and state.filing is None:
        return _(
            "%(name)s has not been closed; its roster filing is %(lateness)s (due on %(date)s)."
        ) % {**names, "lateness": state.lateness.text}
    if state.lateness.overdue:
        return _("The roster filing of %(name)s is %(lateness)s (due on %(date)s).") % {
            **names,
            "lateness": state.lateness.text,
        }
    if state.filing is None:
        return _("%(name)s has not been closed; its roster filing is due on %(date)s.") % names
    return _("The roster filing of %(name)s is due on %(date)s.") % names


RECORD_ROWS_MAX = 1000
RECORD_SPEC = TableSpec(
    columns=(
        id_number_column(),
        Column(
            "theory", "理论学时", "integer", required=False, minimum=0, maximum=10000, example=64
        ),
        Column(
            "practice", "实操学时", "integer", required=False, minimum=0, maximum=10000, example=64
        ),
        Column("theory_score", "理论成绩", "score", required=False, example=85),
        Column("practice_score", "实操成绩", "score", required=False, example=90),
        name_column(required=False),
    ),
    max_rows=RECORD_ROWS_MAX,
    title=gettext_lazy("Hours and scores"),
)
RECORD_COLUMNS = RECORD_SPEC.headers
register_template(
    "hours-and-scores",
    RECORD_SPEC,
    roles=(Role.INSTITUTION_STAFF,),
    url_name="digital_engineer:records_template",
)


@transaction.atomic
def records_upload(*, training_class: TrainingClass, upload, uploaded_by=None) -> None:
    """Hours and scores of the class's trainees from an uploaded file
    (records_from_file), all or nothing: ProgrammeError with the file's fault (a
    TableError's message) or the first 20 rows' problems, and nothing written.
    Audited once, as
    digital_engineer.trainee.records_uploaded by `uploaded_by` (a User)."""
    try:
        problems = records_from_file(training_class=training_class, upload=upload)
    except TableError as error:
        raise ProgrammeError(str(error)) from None
    if problems:
        raise ProgrammeError("；".join(str(problem) for problem in problems[:20]))
    audit_log(
        actor=uploaded_by,
        action="digital_engineer.trainee.records_uploaded",
        klass=training_class.pk,
    )


def records_from_file(*, training_class: TrainingClass, upload) -> list[str]:
    """Attendance and scores of the class's trainees from a file, each row checked
    as `trainee_record` checks a single entry. Scores are whole numbers: 59.9 is
    refused, never cut to 59 (the pass mark is 60). Any bad or repeated row is listed
    back and nothing is written; TableError for a file that cannot be taken."""
    _open_class(training_class)
    _table, data = read_table(upload, RECORD_SPEC)
    trainees = {t.person.id_number: t for t in training_class.trainees.select_related("person")}
    repeats = Repeats()
    id_column = RECORD_SPEC.column("id_number")

    def check(row) -> None:
        values = row.values
        trainee = trainees.get(values["id_number"])
        other = repeats.seen(values["id_number"], row.number)
        if trainee is None:
            row.problem(
                _("%(number)s is not a trainee of this class.") % {"number": values["id_number"]},
                id_column,
            )
        elif other:
            row.problem(_("the same trainee as row %(other)s") % {"other": other}, id_column)
        elif values["name"] and values["name"] != normalize_name(trainee.person.real_name):
            row.problem(_("the name does not match the ID card number"), RECORD_SPEC.column("name"))
        else:
            try:
                _trainee_record(
                    trainee,
                    theory_attended=values["theory"] or 0,
                    practice_attended=values["practice"] or 0,
                    theory_score=values["theory_score"],
                    practice_score=values["practice_score"],
                )
            except ProgrammeError as error:
                row.problem(str(error))

    with transaction.atomic():
        problems = check_rows(data, check)
        if problems:
            transaction.set_rollback(True)
    return problems
