from functools import partial

from django.conf import settings

from portal.elder_mode import elder_mode_of
from portal.middleware import load_roles
from portal.scoping import studies


def active_role(request):
    load_roles(request)  # a page drawn without a view (a 404) still shows the menu
    return {
        "portal_name": settings.PORTAL_NAME,
        "active_membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", []),
        # Pages offer studying and one's own certificates by this, not by the role.
        "studies": studies(getattr(request, "membership", None)),
        # A callable, which templates call when they use it: partials that never ask
        # cost no lookup of the user.
        "elder_mode": partial(elder_mode_of, request),
    }
