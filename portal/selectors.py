import datetime

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal import scoping
from portal.identity import normalize_id_number, normalize_name
from portal.models import (
    Membership,
    PastEmployment,
    ProfessionalProfile,
    ReviewStatus,
    Role,
    Transfer,
    Unit,
    User,
)

PERSON_STATUSES = [
    (ReviewStatus.PENDING.value, ReviewStatus.PENDING.label),
    (ReviewStatus.REJECTED.value, ReviewStatus.REJECTED.label),
    ("active", pgettext_lazy("account status", "active")),
    ("disabled", _("disabled")),
    ("transferred_out", _("transferred out")),
]


# The figures each role's home page shows (templates/portal/home_<role>.html);
# `managed_bases` decides whether it shows the panels of a base's managing unit.
HOME_FIGURES = {
    Role.UNIT_HR: ("people", "pending_registrations", "open_transfers", "managed_bases"),
    Role.DEPARTMENT_ADMIN: ("units", "people", "managed_bases"),
    Role.CITY_HR: ("units", "people", "institutions", "managed_bases"),
    Role.PROVINCE_HR: ("cities", "authorities", "units", "people"),
}


def home_summary(actor: Membership) -> dict:
    """What the actor's home page shows: the sizes of what her scope covers (only
    the figures her role's page shows, counted in one query) and, for a
    professional, her profile with its unit and city."""
    scope = {
        "units": scoping.units_visible_to(actor),
        "people": scoping.people_visible_to(actor),
        "cities": scoping.cities_visible_to(actor),
        "authorities": scoping.authorities_visible_to(actor),
        "institutions": scoping.institutions_visible_to(actor),
        "pending_registrations": pending_registrations(actor),
        "open_transfers": open_transfers(actor),
        "managed_bases": scoping.bases_managed_by(actor),
    }
    summary = counts(**{name: scope[name] for name in HOME_FIGURES.get(actor.role, ())})
    summary["profile"] = (
        ProfessionalProfile.objects.select_related("unit__city")
        .filter(user_id=actor.user_id)
        .first()
        if actor.role == Role.PROFESSIONAL
        else None
    )
    return summary


def counts(**querysets: QuerySet) -> dict[str, int]:
    """{name: number of rows of the queryset}, all counted in one query: each count
    is a scalar subquery of one SELECT. An empty queryset (`.none()`) counts 0
    without asking the database."""
    found, columns, params = {}, [], []
    for name, queryset in querysets.items():
        try:
            sql, sql_params = queryset.order_by().values("pk").query.sql_with_params()
        except EmptyResultSet:
            found[name] = 0
            continue
        # The ORM's own SQL, its values still in `sql_params`.
        columns.append((name, f"(SELECT COUNT(*) FROM ({sql}) AS counted)"))  # noqa: S608
        params.extend(sql_params)
    if columns:
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(column for _name, column in columns), params)
            row = cursor.fetchone()
        found.update(zip((name for name, _column in columns), row, strict=True))
    return found


def subquery_count(queryset: QuerySet, expression=None, *, distinct: bool = False):
    """The number of rows of `queryset` — or of distinct values of `expression` — as
    a scalar subquery for an annotation (`queryset` may refer to the outer query with
    OuterRef): SELECT COUNT(…) without GROUP BY; 0 when there are none."""
    extra = {"template": "%(function)s(DISTINCT %(expressions)s)"} if distinct else {}
    counted = queryset.order_by().annotate(
        _n=Func(expression or F("pk"), function="COUNT", output_field=IntegerField(), **extra)
    )
    return Coalesce(Subquery(counted.values("_n"), output_field=IntegerField()), Value(0))


def open_transfers(actor: Membership) -> QuerySet[Transfer]:
    """Transfers in the actor's scope still under way: waiting for the new unit, or
    accepted and in their objection period until the beat task completes them. The
    home tile counts exactly these and the accounts page lists every one of them."""
    return scoping.transfers_visible_to(actor).filter(status__in=Transfer.OPEN)


def pending_registrations(actor: Membership) -> QuerySet[User]:
    """Registrations to the unit HR's unit waiting for her decision (none for any
    other role)."""
    return scoping.registrations_visible_to(actor).filter(profile__status=ReviewStatus.PENDING)


def unit_transfers(actor: Membership) -> dict[str, QuerySet[Transfer]]:
    """The open transfers of a unit HR's unit, by side: "incoming" (people asking to
    join it) and "outgoing" (its people leaving): together every one the home tile
    counts (open_transfers). Both empty for a role without a unit."""
    transfers = open_transfers(actor)
    return {
        "incoming": transfers.filter(to_unit_id=actor.unit_id),
        "outgoing": transfers.filter(from_unit_id=actor.unit_id),
    }


def year_bounds(year: int) -> tuple[datetime.date, datetime.datetime]:
    """The first day of the next year, as a date and as a local moment."""
    next_year = datetime.date(year + 1, 1, 1)
    return next_year, timezone.make_aware(datetime.datetime(year + 1, 1, 1))


def staff_of_unit_in_year(unit_id: int, year: int) -> QuerySet[User]:
    """The people a unit reports for `year`: each person-year belongs to the unit she
    was in at the end of that year (the current one for the present year). The
    compliance report's SQL (credits.reports._PEOPLE) encodes the same rule."""
    next_year, next_year_at = year_bounds(year)
    current = Q(profile__unit_id=unit_id) & (
        Q(profile__unit_since__isnull=True) | Q(profile__unit_since__lt=next_year)
    )
    stint = PastEmployment.objects.filter(
        person=OuterRef("pk"), unit_id=unit_id, ended_at__gte=next_year_at
    ).filter(Q(started_on__isnull=True) | Q(started_on__lt=next_year))
    return User.objects.professionals().filter(current | Exists(stint))


def unit_in_year(person: User, year: int) -> Unit:
    """The unit `person` belonged to at the end of `year`, by the rule of
    staff_of_unit_in_year: her present unit if she joined it before the year ended
    (or its start is unknown), else the unit she left after the year ended. A year
    before any unit history is known (she registered later) falls back to her
    present unit, the only one on record. One query at most, besides her profile."""
    profile = person.profile
    next_year, next_year_at = year_bounds(year)
    if profile.unit_since is None or profile.unit_since < next_year:
        return profile.unit
    stint = (
        PastEmployment.objects.filter(person=person, ended_at__gte=next_year_at)
        .filter(Q(started_on__isnull=True) | Q(started_on__lt=next_year))
        .select_related("unit")
        .order_by("ended_at")
        .first()
    )
    return stint.unit if stint else profile.unit


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
        people = people.filter(name_or_id_number_q(search))
    return people.order_by("real_name", "id")


def active_unit_hr(unit_id: int) -> QuerySet[User]:
    """The active accounts that are HR administrators of the unit `unit_id` (who is
    told of a transfer out, who must remain when one of them leaves)."""
    return User.objects.filter(
        memberships__role=Role.UNIT_HR, memberships__unit_id=unit_id, is_active=True
    )


def holds_roles_elsewhere(*, person: User, unit_id: int) -> bool:
    """Whether the account is more than the unit's to keep: a role outside that unit
    (city HR, another unit's HR, an institution …) or access to the admin site."""
    if person.is_staff or person.is_superuser:
        return True
    here = Q(role=Role.PROFESSIONAL) | Q(role=Role.UNIT_HR, unit_id=unit_id)
    return person.memberships.exclude(here).exists()


def name_or_id_number_q(search: str, prefix: str = "") -> Q:
    """People whose stored name contains the search, or whose ID-card number starts
    with it, the search normalised as the stored values are (李　华 finds 李华, a
    full-width number finds the number). `prefix` reaches the person through a
    relation ("person__")."""
    q = Q()
    name, number = normalize_name(search), normalize_id_number(search)
    if name:
        q |= Q(**{f"{prefix}real_name__contains": name})
    if number:
        q |= Q(**{f"{prefix}id_number__startswith": number})
    return q
