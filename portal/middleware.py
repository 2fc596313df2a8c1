from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.urls import Resolver404, resolve
from django.utils.cache import patch_cache_control

from portal.roles import (
    loading_memberships_with_the_user,
    memberships_of,
    pick_active_membership,
)


def _view_needs_roles(request) -> bool:
    """False for a view marked with portal.roles.roles_not_needed (the study
    heartbeat): its requests do not load the roles."""
    try:
        view = resolve(request.path_info).func
    except Resolver404:
        return True  # the 404 page still shows the user's menu
    return not getattr(view, "roles_not_needed", False)


class ActiveRoleMiddleware:
    """Set request.memberships (all roles of the user) and request.membership,
    the one the user acts in now (kept in the session, see portal.roles); left empty
    for a view that declares it needs no role (`roles_not_needed`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = []
        request.membership = None
        # An anonymous request (no user in its session) needs no resolving.
        needs_roles = AUTH_SESSION_KEY in request.session and _view_needs_roles(request)
        with loading_memberships_with_the_user(needs_roles):  # one query, not two
            authenticated = request.user.is_authenticated
        if authenticated and needs_roles:
            request.memberships = memberships_of(request.user)
            request.membership = pick_active_membership(request, request.memberships)
        return self.get_response(request)


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every response to a logged-in user: her
    pages and her files (certificates, evidence, reports: every private download
    needs a login) must stay out of shared caches and out of the browser's cache on a
    shared computer, where the back button would show them to the next user.
    Anonymous responses (the front page, verification, static files) are left to
    cache as before."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        try:
            private = request.user.is_authenticated
        except Exception:  # the session store is down: assume the worst
            private = True
        if private:
            patch_cache_control(response, private=True, no_store=True)
        return response
