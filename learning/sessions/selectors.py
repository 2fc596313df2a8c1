"""Which offline sessions an organiser sees, and what her role decides of them."""

from django.db.models import QuerySet

from learning.sessions.models import OfflineSession
from portal import scoping
from portal.models import Role

# A unit's staff fit on a page: its HR ticks names; larger scopes upload a list.
TICK_LIST_LIMIT = 300


def sessions_visible_to(actor) -> QuerySet[OfflineSession]:
    """The sessions `actor` (a membership) organises: a unit HR her units', a
    department admin her authority's, provincial HR the province's own (neither a
    unit's nor an authority's); none for any other role."""
    sessions = OfflineSession.objects.select_related("unit", "authority", "created_by")
    match getattr(actor, "role", None):
        case Role.UNIT_HR:
            return sessions.filter(unit__in=scoping.units_visible_to(actor))
        case Role.DEPARTMENT_ADMIN:
            return sessions.filter(authority__in=scoping.authorities_visible_to(actor))
        case Role.PROVINCE_HR:
            return sessions.filter(unit__isnull=True, authority__isnull=True)
    return sessions.none()


def session_owner(actor) -> dict:
    """Whose a session `actor` registers is: {"unit": …, "authority": …} — her unit
    for a unit HR, her authority for a department admin, neither (the province's)
    for provincial HR."""
    role = getattr(actor, "role", None)
    return {
        "unit": actor.unit if role == Role.UNIT_HR else None,
        "authority": actor.authority if role == Role.DEPARTMENT_ADMIN else None,
    }


def tick_list(actor, people: QuerySet) -> QuerySet | None:
    """The names a unit HR ticks on the session page (her `people`, by name, at most
    TICK_LIST_LIMIT); None for the other organisers, who upload a list."""
    if getattr(actor, "role", None) != Role.UNIT_HR:
        return None
    return people.order_by("real_name")[:TICK_LIST_LIMIT]
