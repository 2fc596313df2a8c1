"""The role a user acts in now, and the guard that views declare."""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from portal.models import Membership

SESSION_KEY = "active_membership_id"


# What a membership's scope names: the header and the home pages show it.
SCOPE_RELATIONS = ("unit__city", "authority", "city", "institution", "base")
# Set by the login backend on the user it loads with her memberships
# (portal.backends), read by memberships_of.
PRELOADED = "preloaded_memberships"
_memberships_wanted = ContextVar("portal_memberships_wanted", default=False)


@contextmanager
def loading_memberships_with_the_user(wanted: bool):
    """While active (and `wanted`), the login backend loads the request's user with
    her memberships, in one query rather than two. ActiveRoleMiddleware asks for it
    for every view that needs roles, and not for a `roles_not_needed` one."""
    token = _memberships_wanted.set(wanted)
    try:
        yield
    finally:
        _memberships_wanted.reset(token)


def memberships_wanted() -> bool:
    """Whether the request being served asks the login backend to load the user with
    her memberships (inside `loading_memberships_with_the_user(True)`)."""
    return _memberships_wanted.get()


def memberships_of(user) -> list[Membership]:
    """All memberships (roles) of `user`, with what their scopes name
    (SCOPE_RELATIONS): those the login backend loaded with her, without a query,
    else read in one query. Empty for a user without any role."""
    preloaded = getattr(user, PRELOADED, None)
    if preloaded is not None:
        return preloaded
    return list(Membership.objects.filter(user=user).select_related(*SCOPE_RELATIONS))


def memberships_with_user(user_id) -> list[Membership]:
    """The user's memberships with the user herself, in one query: every page of a
    logged-in user needs both. All of them share one User instance. Empty for a user
    without any role (then the caller loads the user alone)."""
    memberships = list(
        Membership.objects.filter(user_id=user_id).select_related("user", *SCOPE_RELATIONS)
    )
    for membership in memberships[1:]:
        membership.user = memberships[0].user
    return memberships


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


def roles_not_needed(view):
    """Mark a view that checks its own right to run without roles (the study
    heartbeat: the enrolment is the right): ActiveRoleMiddleware then does not load
    the user's roles for its requests, and request.membership stays None."""
    view.roles_not_needed = True
    return view


# Every view declares who may reach it, with one of the three guards below;
# tests/portal/test_url_walk.py walks every URL and fails on a view without one.


def public(view):
    """Declare a view anyone may reach, logged in or not (login, registration,
    verification by code, the public pages). It must not show anything about a
    person beyond what its own key (a verification code) unlocks."""
    view.public = True
    return view


def signed_in(view):
    """Let a view run for any logged-in user, whatever role she acts in (her own
    account, the role switch; her registration while it has no role yet); the login
    page otherwise. What it shows is hers alone."""
    wrapped = login_required(view)
    wrapped.signed_in = True
    return wrapped


def guard_of(view) -> str | tuple | None:
    """The guard `view` declares: "public", "signed in", the tuple of roles of
    `role_required`, or None when it declares none (a fault the URL walk reports).
    A class-based view's guard is read from its class's dispatch as well."""
    for candidate in (view, getattr(getattr(view, "view_class", None), "dispatch", None)):
        if candidate is None:
            continue
        if getattr(candidate, "public", False):
            return "public"
        if getattr(candidate, "signed_in", False):
            return "signed in"
        if getattr(candidate, "required_roles", None):
            return tuple(candidate.required_roles)
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
