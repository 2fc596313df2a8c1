"""Reads of bases' trainings that depend on who asks (portal.scoping.bases_visible_to,
bases_managed_by), and the public list of bases with their open trainings.

Who sees what (the notice, 五(三); RULES.md "Continuing-education bases"):
- base staff: the trainings of their own base, which they run;
- the base's managing unit (基地管理单位: a city HR bureau, an industry authority or a
  unit HR office): the trainings of the bases it manages, which it approves or
  returns;
- provincial HR: every base's trainings, read only (it keeps the registry, it does
  not approve);
- everybody, logged in or not: the active bases and their approved trainings, with
  nothing about any trainee.
"""

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from bases.models import Trainee, Training
from portal.models import Base, Membership, Role
from portal.scoping import bases_managed_by, bases_visible_to
from portal.selectors import counts

# Trainings the public sees: approved ones (open) and, for their page, closed ones.
PUBLISHED = (Training.Status.APPROVED, Training.Status.CLOSED)


def runs_trainings(actor: Membership | None) -> bool:
    """Whether the actor runs her base's trainings (base staff): she proposes, lists
    trainees, records results and closes; the others only read or decide."""
    return getattr(actor, "role", None) == Role.BASE_STAFF


def trainings_visible_to(actor: Membership | None) -> QuerySet[Training]:
    """The trainings of the bases the actor may see (portal.scoping.bases_visible_to),
    newest first, with their base."""
    return Training.objects.filter(base__in=bases_visible_to(actor)).select_related("base")


def lists_trainings(actor: Membership | None) -> bool:
    """Whether the actor has the list of trainings (bases.views.trainings): base
    staff (their base's) and provincial HR (every base's, read only)."""
    return getattr(actor, "role", None) in (Role.BASE_STAFF, Role.PROVINCE_HR)


def trainings_listed(
    actor: Membership | None,
    *,
    base: Base | None = None,
    status: str = "",
    year: int | None = None,
) -> QuerySet[Training]:
    """The trainings list: trainings_visible_to(actor), newest start first, narrowed
    to `base`, `status` (a Training.Status) and `year` (the year a training ends,
    which its hours count in) when given."""
    found = trainings_visible_to(actor).order_by("-starts_on", "-id")
    if base is not None:
        found = found.filter(base=base)
    if status:
        found = found.filter(status=status)
    if year:
        found = found.filter(ends_on__year=year)
    return found


def training_for(actor: Membership | None, pk: int) -> Training:
    """A training the actor may see; Http404 for any other (inside or outside alike)."""
    return get_object_or_404(trainings_visible_to(actor), pk=pk)


def training_to_run(actor: Membership | None, pk: int) -> Training:
    """A training of the actor's own base, which she runs (base staff); Http404 for
    any other training and for every other role."""
    if not runs_trainings(actor):
        return get_object_or_404(Training.objects.none(), pk=pk)
    return training_for(actor, pk)


def trainings_to_decide(actor: Membership | None) -> QuerySet[Training]:
    """The trainings of the bases whose managing unit the actor acts for
    (portal.scoping.bases_managed_by): those it approves or returns."""
    return Training.objects.filter(base__in=bases_managed_by(actor)).select_related("base")


def training_to_decide(actor: Membership | None, pk: int) -> Training:
    """A training the actor decides as its base's managing unit; Http404 otherwise."""
    return get_object_or_404(trainings_to_decide(actor), pk=pk)


def decides_trainings(actor: Membership | None, training: Training) -> bool:
    """Whether the actor is the managing unit of the training's base."""
    return bases_managed_by(actor).filter(pk=training.base_id).exists()


def approvable(training: Training, today: datetime.date | None = None) -> bool:
    """Whether the training may still be approved as far as its dates go: it starts
    after today (a base runs a training after its managing unit agrees, the notice
    五(三); bases.services.training_decide refuses the others, which can only be
    returned)."""
    return training.starts_on > (today or timezone.localdate())


def approval_queue(actor: Membership | None) -> dict:
    """The managing unit's queue: the trainings awaiting its decision (oldest
    proposal first), each with `approvable` (approvable()), and the 20 it decided
    last."""
    mine = trainings_to_decide(actor)
    waiting = list(mine.filter(status=Training.Status.PROPOSED).order_by("proposed_at", "id")[:200])
    today = timezone.localdate()
    for training in waiting:
        training.approvable = approvable(training, today)
    return {
        "waiting": waiting,
        "decided": list(
            mine.exclude(status=Training.Status.PROPOSED)
            .filter(decided_at__isnull=False)
            .select_related("decided_by")
            .order_by("-decided_at", "-id")[:20]
        ),
        "bases": bases_managed_by(actor).count(),
    }


def trainees_of(training: Training) -> QuerySet[Trainee]:
    """The training's trainees in the order they enrolled, with the person."""
    return training.trainees.select_related("person").order_by("enrolled_at", "id")


def trainee_counts(training: Training) -> dict[str, int]:
    """{"enrolled", "present" (attended), "passed", "pending", "to_credit"} of the training, in
    one query: `to_credit` are those closing credits (attended and passed)."""
    passed = Q(result=Trainee.Result.PASSED)
    return training.trainees.aggregate(
        enrolled=Count("pk"),
        present=Count("pk", filter=Q(attended=True)),
        passed=Count("pk", filter=passed),
        pending=Count("pk", filter=Q(result=Trainee.Result.PENDING)),
        to_credit=Count("pk", filter=passed & Q(attended=True)),
    )


def staff_figures(actor: Membership | None) -> dict[str, int]:
    """What the base staff's home page shows for her base, in one query: trainings
    awaiting approval, returned, open (approved) and closed, and people trained (the
    trainees of closed trainings who were credited)."""
    mine = Training.objects.filter(base__in=bases_visible_to(actor))
    if not runs_trainings(actor):
        mine = mine.none()
    by_status = {status: mine.filter(status=status) for status in Training.Status.values}
    return counts(
        **by_status,
        trained=Trainee.objects.filter(training__in=mine, credit__isnull=False),
    )


# -- public -------------------------------------------------------------------------------


def _public_bases() -> QuerySet[Base]:
    return Base.objects.filter(status=Base.Status.ACTIVE).select_related(
        "managing_city", "managing_authority", "managing_unit"
    )


def open_trainings(today: datetime.date | None = None) -> QuerySet[Training]:
    """Approved trainings of active bases that have not ended (the public list), by
    start date."""
    today = today or timezone.localdate()
    return (
        Training.objects.filter(
            status=Training.Status.APPROVED,
            ends_on__gte=today,
            base__status=Base.Status.ACTIVE,
        )
        .select_related("base")
        .order_by("starts_on", "id")
    )


def public_bases(today: datetime.date | None = None) -> list[Base]:
    """The active bases (level, name, managing unit, contact), national first, each
    with `open` — its open trainings (open_trainings) — in two queries."""
    return list(
        _public_bases().prefetch_related(
            Prefetch("trainings", queryset=open_trainings(today), to_attr="open")
        )
    )


def front_bases() -> dict:
    """The front page's section (portal.front): {"bases": public_bases()}. Nothing
    about any trainee is in it."""
    return {"bases": public_bases()}


def published_training(pk: int) -> Training:
    """An approved or closed training of an active base, for its public page;
    Http404 for one proposed, returned, or of a suspended or revoked base."""
    return get_object_or_404(
        Training.objects.filter(status__in=PUBLISHED, base__in=_public_bases()).select_related(
            "base__managing_city", "base__managing_authority", "base__managing_unit"
        ),
        pk=pk,
    )


def enrolment_of(person, training: Training) -> Trainee | None:
    """The person's own enrolment in the training, or None (an anonymous visitor's
    is None)."""
    if not getattr(person, "is_authenticated", False):
        return None
    return Trainee.objects.filter(training=training, person=person).first()


def open_for_enrolment(training: Training, today: datetime.date | None = None) -> bool:
    """Whether a professional may enrol herself now: approved and not ended (places
    left is `free_places`)."""
    today = today or timezone.localdate()
    return training.status == Training.Status.APPROVED and training.ends_on >= today


def free_places(training: Training) -> int:
    """How many more may enrol (capacity minus trainees), never below 0."""
    return max(training.capacity - training.trainees.count(), 0)
