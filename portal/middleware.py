from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.utils.cache import patch_cache_control

from portal.roles import (
    loading_memberships_with_the_user,
    memberships_of,
    pick_active_membership,
)

_ROLES_PENDING = "_roles_pending"


def load_roles(request, *, wanted: bool = True) -> None:
    """Set request.memberships and request.membership for a request whose session
    names a user, once (later calls do nothing): loading the user with her
    memberships in one query when `wanted`, the user alone otherwise (the
    memberships stay empty). ActiveRoleMiddleware calls it before the view; the
    template context (portal.context_processors) for a page drawn without a view (a
    URL that resolves to none, a CSRF failure), so that it still shows her menu."""
    if not getattr(request, _ROLES_PENDING, False):
        return
    setattr(request, _ROLES_PENDING, False)
    with loading_memberships_with_the_user(wanted):  # one query, not two
        authenticated = request.user.is_authenticated
    if authenticated and wanted:
        request.memberships = memberships_of(request.user)
        request.membership = pick_active_membership(request, request.memberships)


class ActiveRoleMiddleware:
    """Set request.memberships (all roles of the user) and request.membership,
    the one the user acts in now (kept in the session, see portal.roles); left empty
    for a view that declares it needs no role (`roles_not_needed`: the study
    heartbeat). Done in process_view, which is handed the view Django resolved, so
    the URL is resolved once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = []
        request.membership = None
        # An anonymous request (no user in its session) loads nothing.
        setattr(request, _ROLES_PENDING, AUTH_SESSION_KEY in request.session)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        load_roles(request, wanted=not getattr(view_func, "roles_not_needed", False))


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
