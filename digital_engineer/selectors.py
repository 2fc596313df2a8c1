"""What each role may see of the programme, and the read models its pages share.

The scoping layer of `digital_engineer` (issue 18): every "what may this role see"
query of the app lives here, beside portal.scoping, which it builds on. `actor` is
the active Membership (`request.membership`); None (no role) sees nothing. Single
objects are looked up with the `*_for` functions, which answer 404 both for a
missing object and for one outside the actor's scope. Views never compare roles:
what differs between roles on a page comes from a function here. Nothing in this
module writes.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from certificates.registry import (
    BlockedCertificate,
    HeldCertificate,
    SignedDocument,
    revocation_category_label,
)
from digital_engineer.models import (
    ROSTER_DAYS,
    Approval,
    CityPlan,
    Direction,
    InstitutionState,
    RosterFiling,
    Standard,
    Trainee,
    TrainingCertificate,
    TrainingClass,
    level_rank,
    passed_condition,
)
from portal import scoping
from portal.deadlines import Lateness, filing_lateness, status_label
from portal.formats import format_hours
from portal.identity import mask_id_number, normalize_name
from portal.models import Membership, Role, TrainingInstitution

# A roster is "due soon" (the institution's panel, the reminder e-mails) this many days
# before its due date.
REMINDER_DAYS = 7


# --- Classes ---------------------------------------------------------------------


def classes_visible_to(actor: Membership | None) -> QuerySet[TrainingClass]:
    """Training classes in the actor's scope: institution staff its institution's,
    city HR those held in its city, provincial HR all; nobody else any."""
    classes = TrainingClass.objects.select_related("institution", "city")
    match getattr(actor, "role", None):
        case Role.INSTITUTION_STAFF:
            return classes.filter(institution__in=scoping.institutions_visible_to(actor))
        case Role.CITY_HR:
            return classes.filter(city__in=scoping.cities_visible_to(actor))
        case Role.PROVINCE_HR:
            return classes.all()
    return classes.none()


def class_for(actor: Membership | None, pk: int) -> TrainingClass:
    """The class `pk` if it is in the actor's scope (classes_visible_to); Http404
    otherwise, as for a class that does not exist."""
    return get_object_or_404(classes_visible_to(actor), pk=pk)


def runs_classes(actor: Membership | None) -> bool:
    """Whether the actor runs the classes she sees (institution staff: opens them,
    enrols, records, closes, files the roster) rather than overseeing them (city and
    provincial HR, who comment on them)."""
    return getattr(actor, "role", None) == Role.INSTITUTION_STAFF


def trainee_for(training_class: TrainingClass, pk: int) -> Trainee:
    """Trainee `pk` of `training_class` (already looked up in scope); Http404 for
    any other id."""
    return get_object_or_404(Trainee, training_class=training_class, pk=pk)


def class_filing_for(training_class: TrainingClass) -> RosterFiling:
    """The roster filing of `training_class` (already looked up in scope); Http404
    while the class has none (it is made when the class closes)."""
    return get_object_or_404(RosterFiling, training_class=training_class)


def filing_for(actor: Membership | None, pk: int) -> RosterFiling:
    """Roster filing `pk` if its class is in the actor's scope; Http404 otherwise."""
    return get_object_or_404(
        RosterFiling.objects.filter(training_class__in=classes_visible_to(actor)), pk=pk
    )


# --- Institutions and the catalogue ----------------------------------------------


def institution_for(actor: Membership | None, pk: int):
    """Training institution `pk` if it is in the actor's scope
    (portal.scoping.institutions_visible_to); Http404 otherwise."""
    return get_object_or_404(scoping.institutions_visible_to(actor), pk=pk)


def catalogue_institutions(actor: Membership | None) -> QuerySet:
    """The institution catalogue as provincial HR keeps it: institutions in scope, by
    name, with their catalogue state and approved directions and levels (by direction,
    then level from junior to senior)."""
    return (
        scoping.institutions_visible_to(actor)
        .select_related("state", "city")
        .prefetch_related(
            Prefetch("approvals", queryset=Approval.objects.order_by("direction", level_rank()))
        )
        .order_by("name")
    )


@dataclass(frozen=True)
class PublicInstitution:
    """A listed institution as the front page shows it (附件2 of the notice)."""

    name: str
    city: str
    directions: list[str]  # the labels of its approved directions, in Direction order
    contact: str


def front_institutions() -> dict:
    """The front page's digital-technology-engineer institutions (portal.front):
    {"institutions": [PublicInstitution]} for the institutions in the catalogue
    (status listed; applied and suspended ones are left out), by name. Two queries."""
    listed = (
        TrainingInstitution.objects.filter(state__status=InstitutionState.Status.LISTED)
        .select_related("state", "city")
        .prefetch_related("approvals")
        .order_by("name")
    )
    return {
        "institutions": [
            PublicInstitution(
                name=institution.name,
                city=institution.city.name,
                directions=[
                    label
                    for value, label in Direction.choices
                    if value in {a.direction for a in institution.approvals.all()}
                ],
                contact=institution.state.contact,
            )
            for institution in listed
        ]
    }


def standards() -> QuerySet[Standard]:
    """The subsidy standards (one per direction and level), by direction, then level
    from junior to senior, as provincial HR's catalogue page lists them."""
    return Standard.objects.order_by("direction", level_rank())


# --- Certificates ----------------------------------------------------------------


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


def training_certificate_for(actor: Membership | None, pk: int) -> TrainingCertificate:
    """Training certificate `pk` if the actor may download it
    (training_certificates_visible_to); Http404 otherwise."""
    return get_object_or_404(training_certificates_visible_to(actor), pk=pk)


def verified_training_certificate(code: str) -> TrainingCertificate:
    """The training certificate whose verification code is `code` (what its QR code
    opens, for anyone who holds the code), with its holder and class; Http404 for an
    unknown code."""
    return get_object_or_404(
        TrainingCertificate.objects.select_related(
            "trainee__person", "trainee__training_class__institution"
        ),
        verification_code=code,
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


def holders_visible_to(actor: Membership | None) -> QuerySet[TrainingCertificate]:
    """Certificate holders of the classes in the actor's scope (classes_visible_to:
    city HR its city's, provincial HR all), newest first."""
    return (
        TrainingCertificate.objects.filter(trainee__training_class__in=classes_visible_to(actor))
        .select_related("trainee__person", "trainee__training_class__institution")
        .order_by("-issued_at")
    )


def holder_for(actor: Membership | None, pk: int) -> TrainingCertificate:
    """Training certificate `pk` if it is on the actor's holders list
    (holders_visible_to); Http404 otherwise."""
    return get_object_or_404(holders_visible_to(actor), pk=pk)


def revokes_training_certificates(actor: Membership | None) -> bool:
    """Whether the actor may revoke training certificates: provincial HR alone
    (city HR sees the holders of its city and marks service requests)."""
    return getattr(actor, "role", None) == Role.PROVINCE_HR


# --- City plans ------------------------------------------------------------------


def city_plans_visible_to(actor: Membership | None) -> QuerySet[CityPlan]:
    """City training plans of the cities in the actor's scope (city HR its own,
    provincial HR all), newest year first, then by city code."""
    return (
        CityPlan.objects.filter(city__in=scoping.cities_visible_to(actor))
        .select_related("city")
        .order_by("-year", "city__code")
    )


def city_plan_for(actor: Membership | None, pk: int) -> CityPlan:
    """City plan `pk` if it is in the actor's scope (city_plans_visible_to); Http404
    otherwise."""
    return get_object_or_404(city_plans_visible_to(actor), pk=pk)


def keeps_city_plans(actor: Membership | None) -> bool:
    """Whether the actor writes her city's training plans (city HR), rather than
    reading them (provincial HR)."""
    return getattr(actor, "role", None) == Role.CITY_HR


def city_plan_to_edit(actor: Membership | None, pk: int | None = None) -> CityPlan:
    """The plan a city HR bureau edits: its own city's plan `pk`, or a new (unsaved)
    plan of its city when `pk` is None. Http404 for another city's plan, and for an
    actor who keeps no city plan (keeps_city_plans)."""
    if not keeps_city_plans(actor):
        raise Http404
    if pk is None:
        return CityPlan(city=actor.city)
    return get_object_or_404(CityPlan, pk=pk, city_id=actor.city_id)


# --- Roster filings: one state, every page ---------------------------------------


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
    """Where `filing` stands on `today` (as roster_state, from the filing's side)."""
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


def plan_progress(plan) -> list[dict]:
    """Target against enrolled and certified, per direction and level, in one query."""
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
