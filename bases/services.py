"""Every change to a base's trainings (the notice, 五(三): bases run trainings
"经基地管理单位同意后", after their managing unit agrees; RULES.md
"Continuing-education bases"):

propose (base staff) → approve or return with a reason (the managing unit only,
portal.scoping.bases_managed_by) → published on the public page → trainees enrol
themselves or are listed by the base from a file → attendance and result → close:
the hours go to the ledger once per trainee who attended and passed
(credits.services.credit_post_batch, source BASE_TRAINING, source_ref
"base-trainee:<trainee id>").

Every service writes inside one transaction, audits, and refuses with TrainingError
(a portal.actions.Refused, its message in Chinese) leaving everything as it was.
"""

import datetime
from dataclasses import asdict, dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bases.models import Trainee, Training
from credits.models import CreditEntry, Source
from credits.services import CreditRecord, LedgerError, clean_hours, credit_post_batch, ruled_years
from portal.actions import Refused
from portal.audit import audit_log
from portal.identity import normalize_name
from portal.models import Base, Membership, Role, User
from portal.scoping import bases_managed_by
from portal.tabular import (
    Repeats,
    TableSpec,
    check_rows,
    id_number_column,
    name_column,
    read_table,
    register_template,
)


class TrainingError(Refused):
    """A refusal the user reads, in Chinese; nothing was changed."""


class TraineeFileError(TrainingError):
    """A list of trainees with rows that cannot be taken: `problems` has one message
    a row ("第n行「列」：…"), and nobody was listed."""

    def __init__(self, problems: list[str]):
        super().__init__("；".join(problems))
        self.problems = problems


# -- proposing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """What base staff fill in to propose a training (bases.forms.TrainingForm)."""

    title: str
    category: str
    field: str
    starts_on: datetime.date
    ends_on: datetime.date
    mode: str
    hours: Decimal
    capacity: int
    fee: Decimal
    is_advanced_seminar: bool
    description: str = ""


EDITABLE = (Training.Status.PROPOSED, Training.Status.RETURNED)
MAX_CAPACITY = 100_000  # people; the column takes up to 2**31 - 1
MAX_FEE = Decimal("999999.99")  # yuan; the column's 8 digits with 2 decimals


def _check_base_active(base: Base) -> None:
    """TrainingError unless the base is active (not suspended or revoked by provincial
    HR): only an active base's trainings are approved or take trainees."""
    if base.status != Base.Status.ACTIVE:
        raise TrainingError(
            _("The base is %(status)s; it cannot run trainings.")
            % {"status": base.get_status_display()}
        )


def _check_proposal(base: Base, proposal: Proposal) -> Decimal:
    """The proposal's hours (one decimal) when the base may run it; TrainingError
    saying what is wrong otherwise. A training must start after today: the managing
    unit agrees before it begins (the notice, 五(三))."""
    if base.status != Base.Status.ACTIVE:
        raise TrainingError(
            _("The base is %(status)s; it cannot propose trainings.")
            % {"status": base.get_status_display()}
        )
    if base.valid_until < timezone.localdate():
        raise TrainingError(
            _("The base's period of validity ended on %(end)s; it cannot propose trainings.")
            % {"end": base.valid_until}
        )
    if not (proposal.title or "").strip():
        raise TrainingError(_("Enter the training's title."))
    if proposal.ends_on < proposal.starts_on:
        raise TrainingError(_("The training cannot end before it starts."))
    if proposal.starts_on < base.valid_from or proposal.ends_on > base.valid_until:
        raise TrainingError(
            _(
                "The training must take place within the base's period of validity, "
                "%(start)s to %(end)s."
            )
            % {"start": base.valid_from, "end": base.valid_until}
        )
    today = timezone.localdate()
    if proposal.starts_on <= today:
        raise TrainingError(
            _(
                "A base runs a training only after its managing unit agrees: the training "
                "must start after today (%(today)s), so that it can be approved first."
            )
            % {"today": today}
        )
    if proposal.field not in (base.fields or []):
        raise TrainingError(
            _("“%(field)s” is not one of the base's fields (%(fields)s).")
            % {"field": proposal.field, "fields": "、".join(base.fields or [])}
        )
    if proposal.capacity is None or proposal.capacity <= 0:
        raise TrainingError(_("The capacity must be at least one person."))
    if proposal.capacity > MAX_CAPACITY:
        raise TrainingError(
            _("The capacity may not exceed %(max)s people.") % {"max": MAX_CAPACITY}
        )
    if proposal.fee is not None and proposal.fee > MAX_FEE:
        raise TrainingError(_("The fee may not exceed %(max)s yuan.") % {"max": MAX_FEE})
    if proposal.fee is not None and proposal.fee < 0:
        raise TrainingError(_("The fee cannot be negative."))
    try:
        hours = clean_hours(proposal.hours)
    except LedgerError as error:
        raise TrainingError(str(error)) from None
    if proposal.ends_on.year not in ruled_years():
        raise TrainingError(
            _("There is no rule for the year %(year)s; hours cannot be recorded for it.")
            % {"year": proposal.ends_on.year}
        )
    return hours


@transaction.atomic
def training_propose(
    *, actor: Membership, proposal: Proposal, training: Training | None = None
) -> Training:
    """Propose a training of the actor's base (`actor`: a base staff membership), or
    propose `training` again after editing it (one awaiting approval or returned:
    it goes back to the managing unit, its return reason cleared).

    Refused (TrainingError, nothing written) when the base is not active or its
    period of validity has ended, the dates are reversed or outside the base's
    period of validity (valid_from–valid_until), the training starts today or
    earlier (it must be agreed before it begins), the field is not one of the base's
    `fields`, the hours are not a positive number with one decimal
    (credits.services.clean_hours), the capacity is not positive, the ending year
    has no rule, or `training` was decided meanwhile. Audited as
    bases.training.proposed. The notice, 五(三)."""
    if actor.role != Role.BASE_STAFF:
        raise TrainingError(_("Only the base's staff propose its trainings."))
    base = Base.objects.select_for_update().get(pk=actor.base_id)
    hours = _check_proposal(base, proposal)
    fields = {
        **asdict(proposal),
        "title": proposal.title.strip(),
        "hours": hours,
        "fee": proposal.fee or Decimal(0),
        "description": proposal.description.strip(),
    }
    if training is None:
        training = Training.objects.create(base=base, proposed_by=actor.user, **fields)
        again = False
    else:
        training = _locked(training)
        if training.base_id != base.pk:
            raise TrainingError(_("This training is not one of your base's."))
        if training.status not in EDITABLE:
            raise _changed(training)
        for name, value in fields.items():
            setattr(training, name, value)
        training.status = Training.Status.PROPOSED
        training.return_reason = ""
        training.proposed_by = actor.user
        training.proposed_at = timezone.now()
        training.save()
        again = True
    audit_log(
        actor=actor.user,
        action="bases.training.proposed",
        training=training.pk,
        base=base.pk,
        again=again,
    )
    return training


def _locked(training: Training) -> Training:
    """The training's row, locked until the end of the transaction, read afresh."""
    return Training.objects.select_for_update().select_related("base").get(pk=training.pk)


def _changed(training: Training) -> TrainingError:
    return TrainingError(
        _(
            "The training is now %(status)s: it may have been dealt with since this page "
            "was shown. Nothing was changed; please reload the page."
        )
        % {"status": training.get_status_display()}
    )


# -- the managing unit's decision --------------------------------------------------------


@transaction.atomic
def training_decide(
    *, actor: Membership, training: Training, approve: bool, reason: str = ""
) -> Training:
    """The base's managing unit approves a proposed training (it is published on the
    public page) or returns it to the base with `reason` (required). Only the
    managing unit decides (portal.scoping.bases_managed_by: the city HR bureau,
    authority or unit HR office the base names; provincial HR does not): anyone else
    is refused. TrainingError, nothing written, for another actor, a missing reason,
    a training no longer awaiting approval, an approval while the base is
    suspended or revoked, or an approval of a training that has started already
    (starts_on today or earlier: it was not agreed before it began) — returning it
    stays possible in both cases. Audited as bases.training.approved or
    bases.training.returned. The notice, 五(三): "经基地管理单位同意后"."""
    training = _locked(training)
    if not bases_managed_by(actor).filter(pk=training.base_id).exists():
        raise TrainingError(_("Only the base's managing unit approves its trainings."))
    if training.status != Training.Status.PROPOSED:
        raise _changed(training)
    if approve:
        _check_base_active(training.base)
        if training.starts_on <= timezone.localdate():
            raise TrainingError(
                _(
                    "The training started on %(date)s: it can no longer be approved, "
                    "only returned to the base."
                )
                % {"date": training.starts_on}
            )
    reason = (reason or "").strip()
    if not approve and not reason:
        raise TrainingError(_("Give the reason for returning the training."))
    if len(reason) > Training._meta.get_field("return_reason").max_length:
        raise TrainingError(_("The reason is too long (300 characters at most)."))
    training.status = Training.Status.APPROVED if approve else Training.Status.RETURNED
    training.return_reason = "" if approve else reason
    training.decided_by = actor.user
    training.decided_at = timezone.now()
    training.save(update_fields=["status", "return_reason", "decided_by", "decided_at"])
    audit_log(
        actor=actor.user,
        action="bases.training.approved" if approve else "bases.training.returned",
        training=training.pk,
        base=training.base_id,
        **({} if approve else {"reason": reason}),
    )
    return training


# -- trainees ---------------------------------------------------------------------------


def _open_for_trainees(training: Training, today: datetime.date | None = None) -> None:
    """Refuse (TrainingError) unless the training takes trainees: its base active
    (`training.base` as read with the locked row), approved, not closed, and — for a
    professional enrolling herself (`today` given) — not ended. The base may still
    list the people who came until it closes the training."""
    _check_base_active(training.base)
    if training.status == Training.Status.CLOSED:
        raise TrainingError(_("The training is closed; nobody can enrol any more."))
    if training.status != Training.Status.APPROVED:
        raise TrainingError(
            _("The training has not been approved by the base's managing unit yet.")
        )
    if today is not None and training.ends_on < today:
        raise TrainingError(_("The training has ended; nobody can enrol any more."))


@transaction.atomic
def training_enrol(*, person: User, training: Training) -> Trainee:
    """A professional (`person`, approved by her unit) enrols herself in an approved
    training that has not ended, while places are left. The training's row is locked
    so that concurrent enrolments never go beyond its capacity. TrainingError when it
    is not open (its base suspended or revoked included), full, or she is enrolled
    already. Audited as bases.trainee.enrolled."""
    training = _locked(training)
    _open_for_trainees(training, timezone.localdate())
    if not User.objects.professionals().filter(pk=person.pk).exists():
        raise TrainingError(_("Only professionals whose registration was approved may enrol."))
    if training.trainees.filter(person=person).exists():
        raise TrainingError(_("You are enrolled in this training already."))
    if training.trainees.count() >= training.capacity:
        raise TrainingError(_("The training is full."))
    trainee = Trainee.objects.create(training=training, person=person, via=Trainee.Via.SELF)
    audit_log(
        actor=person, action="bases.trainee.enrolled", training=training.pk, trainee=trainee.pk
    )
    return trainee


MAX_TRAINEES_FILE = 5000
TRAINEES_SPEC = TableSpec(
    columns=(id_number_column(), name_column()),
    max_rows=MAX_TRAINEES_FILE,
    title=gettext_lazy("Trainees"),
)
register_template(
    "base-trainees",
    TRAINEES_SPEC,
    roles=(Role.BASE_STAFF,),
    url_name="bases:trainees_template",
)


@dataclass(frozen=True)
class Listed:
    """What a list of trainees did: `added` people enrolled, `already` on the list."""

    added: int
    already: int


@transaction.atomic
def trainees_list(*, actor: Membership, training: Training, upload) -> Listed:
    """The base lists trainees from a file (columns 身份证号 and 姓名, read by
    portal.tabular: names as people type them, full-width digits, GBK CSV): each row
    must name a registered professional by her ID card number and her name. People
    on the list already are left as they are. All or nothing: TraineeFileError
    listing every row with a bad ID card number, a number and name that do not go
    together (one message for an unknown person and a wrong name, so that the file
    tells the base nothing about who is registered), a repeat, or a person beyond the
    training's capacity; TableError for a file that cannot be read; TrainingError for
    a base suspended or revoked, a training not approved or closed already (one
    that has ended still takes the people who came). Audited as bases.trainee.listed."""
    training = _locked(training)
    if training.base_id != actor.base_id:
        raise TrainingError(_("This training is not one of your base's."))
    _open_for_trainees(training)
    _table, rows = read_table(upload, TRAINEES_SPEC)
    numbers = {row.values["id_number"] for row in rows if row.ok}
    people = {p.id_number: p for p in User.objects.professionals().filter(id_number__in=numbers)}
    enrolled = set(training.trainees.values_list("person_id", flat=True))
    room = training.capacity - len(enrolled)
    repeats = Repeats()
    id_column, name_col = TRAINEES_SPEC.column("id_number"), TRAINEES_SPEC.column("name")
    new: list[User] = []
    already = 0

    def check(row) -> None:
        nonlocal already
        number, name = row.values["id_number"], row.values["name"]
        person = people.get(number)
        other = repeats.seen(number, row.number)
        if other:
            row.problem(_("the same person as row %(other)s") % {"other": other}, id_column)
        elif person is None or normalize_name(person.real_name) != name:
            row.problem(
                _(
                    "no registered professional has this ID card number with this name; "
                    "check both on the ID card"
                ),
                name_col,
            )
        elif person.pk in enrolled:
            already += 1
        elif len(new) >= room:
            row.problem(
                _("beyond the training's capacity of %(capacity)s")
                % {"capacity": training.capacity}
            )
        else:
            new.append(person)

    problems = check_rows(rows, check)
    if problems:
        raise TraineeFileError(problems)
    Trainee.objects.bulk_create(
        [Trainee(training=training, person=p, via=Trainee.Via.BASE) for p in new]
    )
    audit_log(
        actor=actor.user,
        action="bases.trainee.listed",
        training=training.pk,
        added=len(new),
        already=already,
    )
    return Listed(added=len(new), already=already)


@transaction.atomic
def trainees_record(
    *, actor: Membership, training: Training, records: dict[int, tuple[bool, str]]
) -> int:
    """Attendance and result of trainees of the training: `records` maps a trainee's
    id to (attended, result), result one of Trainee.Result. Ids not of this training
    are ignored. TrainingError, nothing written, once the training is closed or not
    approved, for an unknown result, or for a trainee who passed without attending.
    Returns how many rows changed. Audited as bases.trainee.recorded."""
    training = _locked(training)
    if training.base_id != actor.base_id:
        raise TrainingError(_("This training is not one of your base's."))
    if training.status == Training.Status.CLOSED:
        raise TrainingError(_("The training is closed; its results cannot change."))
    if training.status != Training.Status.APPROVED:
        raise TrainingError(
            _("The training has not been approved by the base's managing unit yet.")
        )
    trainees = training.trainees.select_related("person").filter(pk__in=list(records))
    changed = []
    for trainee in trainees:
        attended, result = records[trainee.pk]
        if result not in Trainee.Result.values:
            raise TrainingError(_("Choose a result for every trainee."))
        if result == Trainee.Result.PASSED and not attended:
            raise TrainingError(
                _("%(name)s did not attend, so she cannot pass.")
                % {"name": trainee.person.real_name}
            )
        if (trainee.attended, trainee.result) != (attended, result):
            trainee.attended, trainee.result = attended, result
            changed.append(trainee)
    Trainee.objects.bulk_update(changed, ["attended", "result"])
    if changed:
        audit_log(
            actor=actor.user,
            action="bases.trainee.recorded",
            training=training.pk,
            trainees=[t.pk for t in changed],
        )
    return len(changed)


# -- closing ----------------------------------------------------------------------------


def trainee_source_ref(trainee_id: int) -> str:
    """The ledger's source reference of a trainee's hours (one entry per trainee)."""
    return f"base-trainee:{trainee_id}"


@transaction.atomic
def training_close(*, actor: Membership, training: Training) -> int:
    """Close an approved training that has ended: post its hours (its category and
    hours, in the year it ends) to the ledger once for every trainee who attended and
    passed, through credits.services.credit_post_batch (source BASE_TRAINING,
    source_ref "base-trainee:<id>"), and set each one's `credit`. Returns how many
    entries were posted.

    The training's row is locked first, so that a double click, two tabs or two
    people closing at once credit once: the second is refused (TrainingError), and
    the ledger's (source, source_ref) would take nothing twice anyway. Refused too,
    nothing written, for a training not approved, not ended yet, or with trainees
    whose result is not recorded. Audited as bases.training.closed."""
    training = _locked(training)
    if training.base_id != actor.base_id:
        raise TrainingError(_("This training is not one of your base's."))
    if training.status == Training.Status.CLOSED:
        raise TrainingError(
            _("The training was closed already; its hours were posted once. Nothing changed.")
        )
    if training.status != Training.Status.APPROVED:
        raise TrainingError(
            _("The training has not been approved by the base's managing unit yet.")
        )
    if training.ends_on > timezone.localdate():
        raise TrainingError(
            _("The training ends on %(date)s; close it after that.") % {"date": training.ends_on}
        )
    pending = training.trainees.filter(result=Trainee.Result.PENDING).count()
    if pending:
        raise TrainingError(
            _("Record the result of every trainee first: %(count)s have none yet.")
            % {"count": pending}
        )
    passing = list(
        training.trainees.filter(attended=True, result=Trainee.Result.PASSED).values_list(
            "pk", "person_id"
        )
    )
    result = credit_post_batch(
        [
            CreditRecord(
                person_id=person_id,
                year=training.year,
                category=training.category,
                hours=training.hours,
                source=Source.BASE_TRAINING,
                source_ref=trainee_source_ref(trainee_id),
                description=training.title[:200],
                occurred_on=training.ends_on,
            )
            for trainee_id, person_id in passing
        ],
        recorded_by=actor.user,
    )
    entries = dict(
        CreditEntry.objects.filter(
            source=Source.BASE_TRAINING,
            source_ref__in=[trainee_source_ref(pk) for pk, _person in passing],
        ).values_list("source_ref", "pk")
    )
    credited = [
        Trainee(pk=pk, credit_id=entries[trainee_source_ref(pk)]) for pk, _person in passing
    ]
    Trainee.objects.bulk_update(credited, ["credit"])
    training.status = Training.Status.CLOSED
    training.closed_by = actor.user
    training.closed_at = timezone.now()
    training.save(update_fields=["status", "closed_by", "closed_at"])
    audit_log(
        actor=actor.user,
        action="bases.training.closed",
        training=training.pk,
        credited=len(passing),
        posted=result.posted,
    )
    return result.posted
