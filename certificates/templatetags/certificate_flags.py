"""What provincial HR's home page counts of the certificates app (the home page is
the portal app's, which imports no other app)."""

from django import template

from certificates import registry
from certificates.selectors import flagged_annual_certificates

register = template.Library()


@register.simple_tag
def blocked_certificate_count() -> int:
    """How many certificates (of every kind) no font could draw, in one query."""
    return registry.blocked_count(flagged_annual_certificates())
