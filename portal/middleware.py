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
