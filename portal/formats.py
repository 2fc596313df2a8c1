"""One way to write numbers the portal shows.

Hours (学时) always have one decimal and a space before the unit: "15.0 学时",
"还差 15.0 学时". Templates use the `hours` / `hours_value` filters
(portal/templatetags/portal_format.py); Python messages use `format_hours`.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _

ONE_DECIMAL = Decimal("0.1")


def format_hours(value) -> str:
    """12 → "12.0", Decimal("1.25") → "1.3"; None or a non-number → ""."""
    if value is None or value == "":
        return ""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return ""
    return f"{number.quantize(ONE_DECIMAL, rounding=ROUND_HALF_UP):f}"


def format_hours_with_unit(value) -> str:
    """12 → "12.0 学时"."""
    number = format_hours(value)
    return f"{number} {_('hours')}" if number else ""
