from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Subquery, Value, When
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal import scoping
from portal.models import Membership, PastEmployment, ReviewStatus, User

PERSON_STATUSES = [
    ("pending", _("awaiting approval")),
    ("rejected", _("rejected")),
    ("active", pgettext_lazy("account status", "active")),
    ("disabled", _("disabled")),
    ("transferred_out", _("transferred out")),
]


def home_summary(actor: Membership) -> dict:
    """Sizes of what the actor's scope covers, for the home page."""
    return {
        "units": scoping.units_visible_to(actor).count(),
        "people": scoping.people_visible_to(actor).count(),
        "cities": scoping.cities_visible_to(actor).count(),
        "authorities": scoping.authorities_visible_to(actor).count(),
        "institutions": scoping.institutions_visible_to(actor).count(),
        "profile": getattr(actor.user, "profile", None),
        "pending_registrations": scoping.registrations_visible_to(actor)
        .filter(profile__status=ReviewStatus.PENDING)
        .count(),
    }


def unit_people(actor: Membership, *, status: str = "", search: str = "") -> QuerySet[User]:
    """Everyone a unit HR office keeps an account list of — its staff, its pending
    registrations and the people who transferred out — with their status."""
    unit_id = actor.unit_id
    ids = [
        Q(pk__in=scoping.people_visible_to(actor).values("pk")),
        Q(pk__in=scoping.registrations_visible_to(actor).values("pk")),
        Q(pk__in=scoping.past_staff_visible_to(actor).values("pk")),
    ]
    left = PastEmployment.objects.filter(person=OuterRef("pk"), unit_id=unit_id)
    people = (
        User.objects.filter(ids[0] | ids[1] | ids[2])
        .select_related("profile__unit")
        .annotate(
            unit_status=Case(
                When(~Q(profile__unit_id=unit_id) & Exists(left), then=Value("transferred_out")),
                When(profile__status=ReviewStatus.PENDING, then=Value("pending")),
                When(profile__status=ReviewStatus.REJECTED, then=Value("rejected")),
                When(is_active=False, then=Value("disabled")),
                default=Value("active"),
            ),
            left_at=Subquery(left.order_by("-ended_at").values("ended_at")[:1]),
        )
    )
    if status in dict(PERSON_STATUSES):
        people = people.filter(unit_status=status)
    if search:
        people = people.filter(
            Q(real_name__contains=search) | Q(id_number__startswith=search.upper())
        )
    return people.order_by("real_name", "id")
