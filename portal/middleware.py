from django.utils.cache import patch_cache_control

from portal.roles import memberships_of, pick_active_membership


class ActiveRoleMiddleware:
    """Set request.memberships (all roles of the user) and request.membership,
    the one the user acts in now (kept in the session, see portal.roles)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.memberships = []
        request.membership = None
        if request.user.is_authenticated:
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
