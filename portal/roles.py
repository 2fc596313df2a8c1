"""The role a user acts in now, and the guard that views declare."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from portal.models import Membership

SESSION_KEY = "active_membership_id"


def memberships_of(user) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user).select_related(
            "unit__city", "authority", "city", "institution"
        )
    )


def pick_active_membership(request, memberships: list[Membership]) -> Membership | None:
    """The membership stored in the session, else the user's first one."""
    wanted = request.session.get(SESSION_KEY)
    for membership in memberships:
        if membership.pk == wanted:
            return membership
    return memberships[0] if memberships else None


def switch_role(request, membership_id) -> Membership | None:
    """Make one of the user's own memberships the active one; None if it is not hers."""
    for membership in request.memberships:
        if str(membership.pk) == str(membership_id):
            request.session[SESSION_KEY] = membership.pk
            request.membership = membership
            return membership
    return None


def role_required(*roles):
    """Let a view run only for a logged-in user acting in one of `roles`; 403 otherwise."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if request.membership is None or request.membership.role not in roles:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator
