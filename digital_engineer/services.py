"""The programme's rules: classes within approvals, trainees within capacity, the pass
rule (the class's hours attended and both parts ≥ 60, `Trainee.passed`), certificates
and ledger hours once, stating the hours attended, the 30-day filing."""

import datetime
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from certificates.models import RevocationCategory
from certificates.registry import HeldCertificate, SignedDocument, revocation_category_label
from certificates.services import document_render_store, portal_url, qr_svg
from credits.models import Category, Source
from credits.services import credit_post, waiting_for_approval
from digital_engineer.models import (
    ROSTER_DAYS,
    Approval,
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
    passed_condition,
)
from portal import scoping
from portal.audit import audit_log
from portal.deadlines import Lateness, filing_lateness, status_label
from portal.formats import format_hours
from portal.identity import mask_id_number, normalize_name, validate_id_number
from portal.models import ReviewStatus, Role, User
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

logger = logging.getLogger(__name__)
REMINDER_DAYS = 7


class ProgrammeError(ValueError):
    """A refusal the user reads, in Chinese."""


def classes_visible_to(actor) -> QuerySet[TrainingClass]:
    classes = TrainingClass.objects.select_related("institution", "city")
    match getattr(actor, "role", None):
        case Role.INSTITUTION_STAFF:
            return classes.filter(institution__in=scoping.institutions_visible_to(actor))
        case Role.CITY_HR:
            return classes.filter(city__in=scoping.cities_visible_to(actor))
        case Role.PROVINCE_HR:
            return classes.all()
    return classes.none()


def _active(institution) -> None:
    state = InstitutionState.objects.filter(institution=institution).first()
    if state is None or state.status != InstitutionState.Status.LISTED:
        raise ProgrammeError(
            _("The institution is not (or no longer) in the catalogue; it cannot do this.")
        )


def class_open(*, institution, opened_by, **fields) -> TrainingClass:
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
def trainee_enrol(*, training_class: TrainingClass, id_number: str, real_name: str):
    """Enrol the person with ID card number `id_number` and name `real_name`: an
    existing account when the name matches hers, else a new person record (a
    graduate without a unit).

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
    return trainee


def trainee_record(
    *, trainee: Trainee, theory_attended, practice_attended, theory_score, practice_score
) -> Trainee:
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
    return trainee


def class_comment(*, actor, training_class: TrainingClass, text: str) -> ClassComment:
    """City HR of the class's city, or provincial HR, remark on a class."""
    if actor.role not in (Role.CITY_HR, Role.PROVINCE_HR):
        raise ProgrammeError(_("Only HR departments comment on classes."))
    text = text.strip()
    if not text:
        raise ProgrammeError(_("Write a comment."))
    if len(text) > 500:
        raise ProgrammeError(_("A comment has at most 500 characters."))
    return ClassComment.objects.create(training_class=training_class, author=actor.user, text=text)


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


def held_hours_post(person) -> int:
    """Post the hours of closed classes a trainee passed while her registration
    waited for approval."""
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


def training_certificates_visible_to(actor) -> QuerySet[TrainingCertificate]:
    """Who may download a training certificate: its holder, the institution that
    trained her, provincial HR."""
    certificates = TrainingCertificate.objects.select_related(
        "trainee__person", "trainee__training_class__institution"
    )
    match getattr(actor, "role", None):
        case Role.PROFESSIONAL:
            return certificates.filter(trainee__person_id=actor.user_id)
        case Role.INSTITUTION_STAFF:
            return certificates.filter(
                trainee__training_class__institution__in=scoping.institutions_visible_to(actor)
            )
        case Role.PROVINCE_HR:
            return certificates.all()
    return certificates.none()


def training_verification_url(certificate: TrainingCertificate) -> str:
    """What the certificate's QR code opens, on the portal's configured address."""
    return portal_url(
        reverse("digital_engineer:verify", kwargs={"code": certificate.verification_code})
    )


def training_certificate_html(certificate: TrainingCertificate) -> str:
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
    from digital_engineer.tasks import render_training_certificate

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


def find_training_certificate(serial: str, name: str) -> str | None:
    """The verification path of the training certificate numbered `serial` whose
    holder's name, in normal form, is `name`; None otherwise (registered with
    certificates.registry for the lookup on /verify/)."""
    certificate = (
        TrainingCertificate.objects.filter(serial=serial).select_related("trainee__person").first()
    )
    if certificate is None or normalize_name(certificate.trainee.person.real_name) != name:
        return None
    return reverse("digital_engineer:verify", kwargs={"code": certificate.verification_code})


def find_signed_training_certificate(serial: str):
    """The training certificate numbered `serial` as the verification of its file
    shows it (registered with certificates.registry for its signed files), or None."""
    certificate = (
        TrainingCertificate.objects.filter(serial=serial)
        .select_related("trainee__person", "trainee__training_class__institution")
        .first()
    )
    if certificate is None:
        return None
    revoked = certificate.revoked_at is not None
    return SignedDocument(
        kind=_("Digital technology engineer training certificate"),
        serial=certificate.serial,
        pdf_sha256=certificate.pdf_sha256,
        revoked=revoked,
        revoked_on=timezone.localdate(certificate.revoked_at) if revoked else None,
        revoked_reason=revocation_category_label(certificate) if revoked else "",
        details_template="digital_engineer/_certificate_details.html",
        details={
            "c": certificate,
            "klass": certificate.trainee.training_class,
            "masked_id": mask_id_number(certificate.trainee.person.id_number),
        },
        verification_path=reverse(
            "digital_engineer:verify", kwargs={"code": certificate.verification_code}
        ),
    )


def flagged_training_certificates() -> QuerySet[TrainingCertificate]:
    """Valid training certificates whose PDF no font could draw."""
    return TrainingCertificate.objects.exclude(render_blocked="").filter(revoked_at=None)


def blocked_training_certificates() -> list:
    """Valid training certificates whose PDF no font could draw (registered with
    certificates.registry for provincial HR's list)."""
    from certificates.registry import BlockedCertificate

    return [
        BlockedCertificate(
            kind=_("Digital technology engineer training certificate"),
            serial=c.serial,
            name=c.trainee.person.real_name,
            characters=c.render_blocked,
            issued_on=c.issued_at.date(),
            download_url=reverse("digital_engineer:certificate_pdf", args=[c.pk]),
        )
        for c in flagged_training_certificates().select_related("trainee__person")
    ]


def held_training_certificates(user) -> list[HeldCertificate]:
    """The user's training certificates as 我的证书 lists them (registered with
    certificates.registry in this app's AppConfig.ready)."""
    rows = []
    for certificate in TrainingCertificate.objects.filter(trainee__person=user).select_related(
        "trainee__training_class__institution"
    ):
        trainee = certificate.trainee
        klass = trainee.training_class
        revoked = certificate.revoked_at is not None
        rows.append(
            HeldCertificate(
                kind=_("Digital technology engineer training certificate"),
                serial=certificate.serial,
                subject=f"{klass.get_direction_display()}（{klass.get_level_display()}）"
                f" · {klass.institution.name}",
                hours=_("theory %(theory)s + practice %(practice)s hours")
                % {
                    "theory": format_hours(trainee.theory_attended),
                    "practice": format_hours(trainee.practice_attended),
                },
                issued_on=timezone.localdate(certificate.issued_at),
                valid=not revoked,
                status=_("revoked") if revoked else _("valid"),
                reason=(
                    f"{revocation_category_label(certificate)} · {certificate.revoked_reason}"
                    if revoked
                    else ""
                ),
                download_url=reverse(
                    "digital_engineer:certificate_pdf", kwargs={"pk": certificate.pk}
                ),
                ready=bool(certificate.pdf),
            )
        )
    return rows


def holders_visible_to(actor) -> QuerySet[TrainingCertificate]:
    """Certificate holders of the classes in the actor's scope (city HR: its city)."""
    return TrainingCertificate.objects.filter(
        trainee__training_class__in=classes_visible_to(actor)
    ).select_related("trainee__person", "trainee__training_class__institution")


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


@dataclass
class FilingState:
    """A class's roster filing as every page shows it (the filer, city and provincial
    HR): one status, one label, the lateness. Build it with `roster_state` or
    `filing_state`; templates print `label` and colour by `alert`, nothing more."""

    klass: TrainingClass
    filing: RosterFiling | None  # None while the class has not been closed
    status: str  # open / submitted / acknowledged / returned / overdue
    lateness: Lateness

    @property
    def days_left(self) -> int:
        """Days until the due date; negative once it has passed."""
        return self.lateness.days_left

    @property
    def days_to_go(self) -> int | None:
        """Days left while the roster has never been submitted and is not overdue;
        None otherwise (once first submitted, its lateness is settled)."""
        waiting = self.lateness.done_on is None and not self.lateness.overdue
        return self.lateness.days_left if waiting else None

    @property
    def days_late(self) -> int:
        return self.lateness.days_late

    @property
    def late(self) -> bool:
        """First submitted after the due date (stays true once acknowledged, returned
        or submitted again)."""
        return self.lateness.late

    @property
    def alert(self) -> bool:
        """Shown red: filed late, or overdue and still not filed."""
        return self.lateness.late or self.lateness.overdue

    @property
    def label(self) -> str:
        """待报送 / 已报送 / 已确认 / 已退回, with 已逾期N天 or 逾期报送N天 beside it
        (`portal.deadlines.status_label`, as for plan and notice filings)."""
        waiting = self.filing is None or self.filing.status == RosterFiling.Status.OPEN
        return status_label(
            _("to be filed") if waiting else self.filing.get_status_display(), self.lateness
        )


def roster_state(klass: TrainingClass, today: datetime.date) -> FilingState:
    """Where the class's roster filing stands on `today`: due 30 days after the class
    ends, whether or not the class has been closed (and its filing made) yet.
    The first submission decides lateness (`portal.deadlines.filing_lateness`): one
    made after the due date stays late, counted in days past the due date on the day
    it was made; one made on time stays on time when returned and submitted again."""
    return _state(klass, getattr(klass, "filing", None), today)


def filing_state(filing: RosterFiling, today: datetime.date) -> FilingState:
    return _state(filing.training_class, filing, today)


def _state(klass: TrainingClass, filing: RosterFiling | None, today: datetime.date):
    lateness = filing_lateness(
        due_on=filing.due_on if filing else klass.roster_due_on,
        first_done_at=filing.first_submitted_at if filing else None,
        today=today,
    )
    if lateness.overdue:
        status = "overdue"
    else:
        status = filing.status if filing else RosterFiling.Status.OPEN
    return FilingState(klass, filing, status, lateness)


@dataclass(frozen=True)
class ClassState:
    """A class's status as its pages show it (the class page and the class list):
    已结束 once closed; 进行中 while it runs; 待结班 once it has ended and is not yet
    closed; and 未结班（已逾期N天） once its roster is overdue because the class was
    never closed. Build it with `class_state`."""

    klass: TrainingClass
    label: str
    alert: bool


def class_state(klass: TrainingClass, today: datetime.date) -> ClassState:
    """The shown status of `klass` on `today` (see ClassState). Reads no filing: a class
    still open has none, and its roster is due `klass.roster_due_on`."""
    if klass.status == TrainingClass.Status.CLOSED or today <= klass.ends_on:
        return ClassState(klass, str(klass.get_status_display()), False)
    lateness = filing_lateness(due_on=klass.roster_due_on, first_done_at=None, today=today)
    if lateness.overdue:
        return ClassState(klass, status_label(_("not closed"), lateness), True)
    return ClassState(klass, _("ended, to be closed"), False)


def _due_soon_q(today: datetime.date) -> Q:
    """Classes whose roster is waiting on `today`, as the due-soon panel shows them and
    the reminders mail them: a filing not yet made or returned, due within seven days
    or already past, and a class not yet closed whose roster is due by then."""
    soon = today + datetime.timedelta(days=REMINDER_DAYS)
    waiting = Q(
        filing__status__in=[RosterFiling.Status.OPEN, RosterFiling.Status.RETURNED],
        filing__due_on__lte=soon,
    )
    return waiting | _unclosed_ended_by(soon)


def rosters_to_remind(today: datetime.date) -> list[FilingState]:
    """Every institution's waiting rosters on `today` (`_due_soon_q`), by due date."""
    classes = TrainingClass.objects.filter(_due_soon_q(today)).select_related(
        "filing", "institution"
    )
    rows = [roster_state(klass, today) for klass in classes]
    return sorted(rows, key=lambda s: (s.lateness.due_on, s.klass.pk))


def _unclosed_ended_by(day: datetime.date) -> Q:
    """Classes still open whose roster is due by `day` (their filing does not exist yet)."""
    return Q(
        status=TrainingClass.Status.OPEN,
        ends_on__lte=day - datetime.timedelta(days=ROSTER_DAYS),
    )


def roster_board(actor, today: datetime.date) -> list[FilingState]:
    """The roster filings in the actor's scope, by due date: every filing made, and
    every class past its roster due date that has not even been closed."""
    classes = classes_visible_to(actor).select_related("filing")
    rows = [
        roster_state(klass, today)
        for klass in classes.filter(Q(filing__isnull=False) | _unclosed_ended_by(today))
    ]
    return sorted(rows, key=lambda s: (s.lateness.due_on, s.klass.pk))


def rosters_due_soon(actor, today: datetime.date) -> list[FilingState]:
    """The actor's rosters still to be filed that are due within seven days, or late."""
    classes = classes_visible_to(actor).select_related("filing")
    rows = [roster_state(k, today) for k in classes.filter(_due_soon_q(today))]
    return sorted(rows, key=lambda s: (s.lateness.due_on, s.klass.pk))


def _roster_counts_q(today: datetime.date) -> tuple[Q, Q]:
    """The rule of `roster_state` in SQL, over classes: (filed on time, filed late or
    overdue). Same rule as `portal.deadlines.filing_lateness`: the FIRST submission's
    local day against the due date, whatever the filing's status now (a returned
    filing first made on time is on time), and a roster never submitted counts once
    `today` is past the due date."""
    first_day = "filing__first_submitted_at__date"
    on_time = Q(**{f"{first_day}__lte": F("filing__due_on")})
    late = (
        Q(**{f"{first_day}__gt": F("filing__due_on")})
        | Q(filing__first_submitted_at__isnull=True, filing__due_on__lt=today)
        | (Q(filing__isnull=True) & _unclosed_ended_by(today - datetime.timedelta(days=1)))
    )
    return on_time, late


def institution_overview(actor, today: datetime.date | None = None) -> list[dict]:
    """Supervision: per institution in scope — classes, trainees, pass rate, rosters
    filed on time and rosters late or overdue on `today` — in a few aggregate queries."""
    from django.db.models import Count

    on_time, late = _roster_counts_q(today or timezone.localdate())
    institutions = scoping.institutions_visible_to(actor).select_related("state")
    classes = TrainingClass.objects.filter(institution__in=institutions)
    stats = {
        row["institution"]: row
        for row in classes.values("institution").annotate(
            class_count=Count("id", distinct=True),
            trainee_count=Count("trainees", distinct=True),
            passed_count=Count(
                "trainees",
                filter=passed_condition(trainee="trainees__", klass=""),
                distinct=True,
            ),
            on_time_count=Count("id", filter=on_time, distinct=True),
            late_count=Count("id", filter=late, distinct=True),
            filing_count=Count("filing", distinct=True),
        )
    }
    rows = []
    for institution in institutions:
        row = stats.get(institution.pk, {})
        trainees = row.get("trainee_count", 0)
        state = getattr(institution, "state", None)
        rows.append(
            {
                "institution": institution,
                "status": state.status if state else InstitutionState.Status.APPLIED,
                "status_label": InstitutionState.Status(
                    state.status if state else InstitutionState.Status.APPLIED
                ).label,
                "classes": row.get("class_count", 0),
                "trainees": trainees,
                "pass_rate": (
                    round(row.get("passed_count", 0) * 100 / trainees, 1) if trainees else None
                ),
                "filings": row.get("filing_count", 0),
                "filed_on_time": row.get("on_time_count", 0),
                "late": row.get("late_count", 0),
            }
        )
    return rows


@transaction.atomic
def institution_set_status(*, actor, institution, suspend: bool) -> InstitutionState:
    """City HR for institutions of its city, provincial HR for any (404 otherwise).

    Audited as what happened: `listed` (an applicant enters the catalogue),
    `suspended`, or `reinstated` (a suspended institution returns); a request that
    changes nothing writes nothing. The state's row is locked while it is read and
    changed, so two requests at once (two HR officers, a double click) are decided
    one after the other: the second sees the first's change. Raises ProgrammeError
    when city HR tries to list an applicant."""
    from django.shortcuts import get_object_or_404

    institution = get_object_or_404(scoping.institutions_visible_to(actor), pk=institution.pk)
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


def approval_set(*, actor, institution, direction: str, level: str, approved: bool) -> None:
    """Provincial HR grants or withdraws a direction and level; classes already opened
    keep running."""
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


def roster_reminders(today: datetime.date | None = None) -> int:
    """E-mail each institution the rosters it has waiting (`rosters_to_remind`), one
    e-mail a day at most per institution (a RosterReminder row, written first, guards
    a second run on the same day). Returns how many institutions were mailed."""
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
        except OSError:  # the row stands: tomorrow's run tries again
            logger.exception("roster reminder e-mail to %s failed", institution.name)
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


def plan_progress(plan) -> list[dict]:
    """Target against enrolled and certified, per direction and level, in one query."""
    from django.db.models import Count, Q

    counts = {
        (row["training_class__direction"], row["training_class__level"]): row
        for row in Trainee.objects.filter(
            training_class__city=plan.city, training_class__starts_on__year=plan.year
        )
        .values("training_class__direction", "training_class__level")
        .annotate(
            enrolled=Count("id"),
            certified=Count("certificate", filter=Q(certificate__revoked_at__isnull=True)),
        )
    }
    rows = []
    for target in plan.targets.all():
        found = counts.get((target.direction, target.level), {})
        rows.append(
            {
                "target": target,
                "enrolled": found.get("enrolled", 0),
                "certified": found.get("certified", 0),
            }
        )
    return rows


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
                trainee_record(
                    trainee=trainee,
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
