from django.conf import settings


def active_role(request):
    return {
        "portal_name": settings.PORTAL_NAME,
        "active_membership": getattr(request, "membership", None),
        "memberships": getattr(request, "memberships", []),
    }
