"""The one scoping layer: what the role a user acts in now may see.

Every view, admin action and report asks these functions for its data instead of
filtering by role itself. `actor` is the active Membership (`request.membership`);
None (no role at all) sees nothing. Lookups of a single object go through
`get_*_for`, which answers 404 both for a missing object and for one outside the
actor's scope, so that nobody learns what exists elsewhere.
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from portal.models import Authority, City, Membership, Role, TrainingInstitution, Unit, User


def units_visible_to(actor: Membership | None) -> QuerySet[Unit]:
    units = Unit.objects.select_related("city", "authority")
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
    """Professionals (users with a profile) whose records the actor may see."""
    people = User.objects.filter(profile__isnull=False).select_related(
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


def get_unit_for(actor: Membership | None, pk) -> Unit:
    return get_object_or_404(units_visible_to(actor), pk=pk)


def get_person_for(actor: Membership | None, pk) -> User:
    return get_object_or_404(people_visible_to(actor), pk=pk)


FULL_ID_ROLES = (Role.PROFESSIONAL, Role.UNIT_HR, Role.CITY_HR, Role.PROVINCE_HR)


def sees_full_id_numbers(actor: Membership | None) -> bool:
    """RULES.md: ID numbers in full only to the person (her own; people_visible_to
    gives her nobody else) and to HR within scope; masked for everyone else."""
    return getattr(actor, "role", None) in FULL_ID_ROLES
