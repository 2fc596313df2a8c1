from portal import scoping
from portal.models import Membership


def home_summary(actor: Membership) -> dict:
    """Sizes of what the actor's scope covers, for the home page."""
    return {
        "units": scoping.units_visible_to(actor).count(),
        "people": scoping.people_visible_to(actor).count(),
        "cities": scoping.cities_visible_to(actor).count(),
        "authorities": scoping.authorities_visible_to(actor).count(),
        "institutions": scoping.institutions_visible_to(actor).count(),
        "profile": getattr(actor.user, "profile", None),
    }
