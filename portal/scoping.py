"""The one scoping layer: what the role a user acts in now may see.

Every view, admin action and report asks these functions for its data instead of
filtering by role itself. `actor` is the active Membership (`request.membership`);
None (no role at all) sees nothing. Lookups of a single object go through
`get_*_for`, which answers 404 both for a missing object and for one outside the
actor's scope, so that nobody learns what exists elsewhere.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from portal.models import (
    Authority,
    Base,
    City,
    Membership,
    PastEmployment,
    ProfessionalProfile,
    ReviewStatus,
    Role,
    TrainingInstitution,
    Transfer,
    Unit,
    User,
)


def units_visible_to(actor: Membership | None) -> QuerySet[Unit]:
    """Approved units in the actor's scope (registrations are in unit_registrations_…)."""
    units = Unit.objects.filter(status=ReviewStatus.APPROVED).select_related("city", "authority")
    if actor is None:
        return units.none()
    match actor.role:
        case Role.PROVINCE_HR:
            return units.all()
        case Role.CITY_HR:
            return units.filter(city_id=actor.city_id)
        case Role.DEPARTMENT_ADMIN:
            return units.filter(authority_id=actor.authority_id)
        case Role.UNIT_HR:
            return units.filter(pk=actor.unit_id)
        case Role.PROFESSIONAL:
            return units.filter(staff__user_id=actor.user_id)
    return units.none()


def people_visible_to(actor: Membership | None) -> QuerySet[User]:
    """Approved professionals whose records the actor may see. A unit sees only its
    current staff here; its former staff are in past_staff_condition."""
    people = User.objects.professionals().select_related(
        "profile__unit__city", "profile__unit__authority"
    )
    if actor is None:
        return people.none()
    match actor.role:
        case Role.PROFESSIONAL:
            return people.filter(pk=actor.user_id)
        case Role.PROVINCE_HR:
            return people.all()
        case Role.CITY_HR | Role.DEPARTMENT_ADMIN | Role.UNIT_HR:
            return people.filter(profile__unit__in=units_visible_to(actor))
    return people.none()


def cities_visible_to(actor: Membership | None) -> QuerySet[City]:
    if actor is None:
        return City.objects.none()
    match actor.role:
        case Role.PROVINCE_HR:
            return City.objects.all()
        case Role.CITY_HR:
            return City.objects.filter(pk=actor.city_id)
    return City.objects.none()


def authorities_visible_to(actor: Membership | None) -> QuerySet[Authority]:
    if actor is None:
        return Authority.objects.none()
    match actor.role:
        case Role.PROVINCE_HR:
            return Authority.objects.all()
        case Role.DEPARTMENT_ADMIN:
            return Authority.objects.filter(pk=actor.authority_id)
    return Authority.objects.none()


def institutions_visible_to(actor: Membership | None) -> QuerySet[TrainingInstitution]:
    institutions = TrainingInstitution.objects.select_related("city")
    if actor is None:
        return institutions.none()
    match actor.role:
        case Role.PROVINCE_HR:
            return institutions.all()
        case Role.CITY_HR:
            return institutions.filter(city_id=actor.city_id)
        case Role.INSTITUTION_STAFF:
            return institutions.filter(pk=actor.institution_id)
    return institutions.none()


def bases_managed_by(actor: Membership | None) -> QuerySet[Base]:
    """The bases whose managing unit (基地管理单位) the actor acts for: a city HR
    bureau, an industry authority or a unit HR office. Only it approves or returns the
    base's trainings (the notice, 五(三): "经基地管理单位同意后"); provincial HR, which
    keeps the registry, does not."""
    bases = Base.objects.all()
    if actor is None:
        return bases.none()
    match actor.role:
        case Role.CITY_HR:
            return bases.filter(managing_city_id=actor.city_id)
        case Role.DEPARTMENT_ADMIN:
            return bases.filter(managing_authority_id=actor.authority_id)
        case Role.UNIT_HR:
            return bases.filter(managing_unit_id=actor.unit_id)
    return bases.none()


def bases_visible_to(actor: Membership | None) -> QuerySet[Base]:
    """The bases whose trainings, trainees and figures the actor may see: all of them
    for provincial HR, her own for base staff, the managed ones for a managing unit.
    (The public list of bases and open trainings is not scoped: it is public.)"""
    if actor is None:
        return Base.objects.none()
    match actor.role:
        case Role.PROVINCE_HR:
            return Base.objects.all()
        case Role.BASE_STAFF:
            return Base.objects.filter(pk=actor.base_id)
    return bases_managed_by(actor)


def registrations_visible_to(actor: Membership | None) -> QuerySet[User]:
    """Registrations to the unit of the unit HR who decides them, in any state (the
    queue filters the pending ones; a decision checks the state itself)."""
    if getattr(actor, "role", None) != Role.UNIT_HR:
        return User.objects.none()
    return User.objects.filter(profile__unit_id=actor.unit_id).select_related("profile__unit")


def registration_records_visible_to(actor: Membership | None) -> QuerySet[ProfessionalProfile]:
    """The records (profiles) of registrations_visible_to: those to the unit of the
    unit HR who decides them, in any state. A decision locks its record through this,
    so that a person who has since registered with another unit is not decided here."""
    if getattr(actor, "role", None) != Role.UNIT_HR:
        return ProfessionalProfile.objects.none()
    return ProfessionalProfile.objects.filter(unit_id=actor.unit_id)


def people_managed_by(actor: Membership | None) -> QuerySet[User]:
    """The people whose account and details the actor keeps: a unit HR office its
    unit's present staff (disable, enable, make HR, correct a name or title); nobody
    for any other role, whatever it may see."""
    if getattr(actor, "role", None) != Role.UNIT_HR:
        return User.objects.none()
    return people_visible_to(actor)


def units_overseen_by(actor: Membership | None) -> QuerySet[Unit]:
    """Units, in any registration state, whose HR bureau above them the actor is: a
    city HR bureau for its city's units, provincial HR for the province-direct ones.
    It decides what the unit cannot decide itself (its registration, declarations no
    HR officer of the unit can review)."""
    units = Unit.objects.select_related("city", "authority", "registered_by")
    match getattr(actor, "role", None):
        case Role.CITY_HR:
            return units.filter(city_id=actor.city_id, is_province_direct=False)
        case Role.PROVINCE_HR:
            return units.filter(is_province_direct=True)
    return units.none()


def unit_registrations_visible_to(actor: Membership | None) -> QuerySet[Unit]:
    """Unit registrations in any state, for the HR bureau above the unit (the queue
    filters the pending ones)."""
    return units_overseen_by(actor)


def transfers_visible_to(actor: Membership | None) -> QuerySet[Transfer]:
    transfers = Transfer.objects.select_related("person", "from_unit", "to_unit")
    match getattr(actor, "role", None):
        case Role.PROFESSIONAL:
            return transfers.filter(person_id=actor.user_id)
        case Role.UNIT_HR:
            return transfers.filter(Q(from_unit_id=actor.unit_id) | Q(to_unit_id=actor.unit_id))
        case Role.CITY_HR:
            return transfers.filter(
                Q(from_unit__city_id=actor.city_id) | Q(to_unit__city_id=actor.city_id)
            )
        case Role.PROVINCE_HR:
            return transfers.all()
    return transfers.none()


# The sides of a transfer (Transfer fields): who may act on it at each step.
TRANSFER_SIDES = ("person", "from_unit", "to_unit")


def is_transfer_side(actor: Membership | None, transfer: Transfer, side: str) -> bool:
    """Whether the actor is the `side` of `transfer` (TRANSFER_SIDES): the person
    herself, acting as a professional, or HR of the unit she leaves / joins."""
    match getattr(actor, "role", None), side:
        case Role.PROFESSIONAL, "person":
            return transfer.person_id == actor.user_id
        case Role.UNIT_HR, "from_unit":
            return transfer.from_unit_id == actor.unit_id
        case Role.UNIT_HR, "to_unit":
            return transfer.to_unit_id == actor.unit_id
    return False


def past_staff_condition(
    actor: Membership | None, *, person="person", year="year", at="recorded_at"
):
    """The condition on a person's yearly records that a unit she has left may still
    read: those of the years she worked there, recorded before she left. None for
    actors that are not unit HR."""
    if getattr(actor, "role", None) != Role.UNIT_HR:
        return None
    stints = PastEmployment.objects.filter(
        person_id=OuterRef(person),
        unit_id=actor.unit_id,
        ended_at__year__gte=OuterRef(year),
        ended_at__gte=OuterRef(at),
    ).filter(Q(started_on__isnull=True) | Q(started_on__year__lte=OuterRef(year)))
    return Exists(stints)


def past_staff_visible_to(actor: Membership | None) -> QuerySet[User]:
    if getattr(actor, "role", None) != Role.UNIT_HR:
        return User.objects.none()
    return User.objects.filter(past_employments__unit_id=actor.unit_id).distinct()


def get_unit_for(actor: Membership | None, pk) -> Unit:
    return get_object_or_404(units_visible_to(actor), pk=pk)


def get_person_for(actor: Membership | None, pk) -> User:
    return get_object_or_404(people_visible_to(actor), pk=pk)


def get_registration_for(actor: Membership | None, pk) -> User:
    return get_object_or_404(registrations_visible_to(actor), pk=pk)


def get_past_staff_for(actor: Membership | None, pk) -> User:
    return get_object_or_404(past_staff_visible_to(actor), pk=pk)


def get_managed_person_for(actor: Membership | None, pk) -> User:
    """A person of people_managed_by; 404 for anyone else (as for a missing one)."""
    return get_object_or_404(people_managed_by(actor), pk=pk)


def check_acting_as(actor: Membership | None, role: str) -> None:
    """The page of `role` (its home page) is for a user acting in that role now:
    Http404 when `role` names no role, PermissionDenied when the actor acts in
    another one or in none."""
    if role not in Role.values:
        raise Http404
    if getattr(actor, "role", None) != role:
        raise PermissionDenied


def studies(actor: Membership | None) -> bool:
    """Whether the actor studies for her own hours (a professional): she is offered
    enrolment and her own certificates; the other roles manage others'."""
    return getattr(actor, "role", None) == Role.PROFESSIONAL


FULL_ID_ROLES = (Role.PROFESSIONAL, Role.UNIT_HR, Role.CITY_HR, Role.PROVINCE_HR)


def sees_full_id_numbers(actor: Membership | None) -> bool:
    """RULES.md: ID numbers in full only to the person (her own; people_visible_to
    gives her nobody else) and to HR within scope; masked for everyone else."""
    return getattr(actor, "role", None) in FULL_ID_ROLES
