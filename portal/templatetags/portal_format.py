"""Number formats shared by every template (see portal/formats.py)."""

from django import template

from portal.formats import format_hours, format_hours_with_unit

register = template.Library()


@register.filter
def hours(value) -> str:
    """{{ course.hours|hours }} → "3.0 学时"."""
    return format_hours_with_unit(value)


@register.filter
def hours_value(value) -> str:
    """{{ status.public|hours_value }} → "12.0" (the unit written once after a pair)."""
    return format_hours(value)
