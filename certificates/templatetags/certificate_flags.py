"""What provincial HR's home page counts of the certificates app (the home page is
the portal app's, which imports no other app)."""

from django import template

from certificates.selectors import blocked_certificates

register = template.Library()


@register.simple_tag
def blocked_certificate_count() -> int:
    """How many certificates (of every kind) no font could draw."""
    return len(blocked_certificates())
