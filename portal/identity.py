"""Checks of the two national identifiers the portal stores.

居民身份证号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015), as
shared/domain/RULES.md describes them. python-stdnum supplies the check-digit
arithmetic; its `validate` functions are not used as a whole because they
reject numbers the rules accept (unknown address codes, the residence permits
of Hong Kong, Macao and Taiwan residents, credit codes starting with letters).
"""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def normalize_id_number(value: str) -> str:
    """Strip spaces and upper-case the check character (x → X)."""
    return "".join(str(value).split()).upper()


def validate_id_number(value: str) -> str:
    """Return the normalised ID-card number or raise ValidationError in Chinese."""
    number = normalize_id_number(value)
    if len(number) != 18:
        raise ValidationError(
            _("The ID card number must have 18 characters; this one has %(count)d."),
            code="length",
            params={"count": len(number)},
        )
    if not re.fullmatch(r"[0-9]{17}[0-9X]", number):
        raise ValidationError(
            _("The ID card number must be 17 digits followed by a digit or X."),
            code="format",
        )
    try:
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date in the ID card number (%(date)s) is not a real date."),
            code="birth_date",
            params={"date": number[6:14]},
        ) from None
    if birth_date > timezone.localdate() or birth_date < datetime.date(1900, 1, 1):
        raise ValidationError(
            _("The birth date in the ID card number (%(date)s) is impossible."),
            code="birth_date",
            params={"date": number[6:14]},
        )
    if number[17] != ric.calc_check_digit(number):
        raise ValidationError(
            _("The check character of the ID card number is wrong; please check the number."),
            code="checksum",
        )
    return number


def mask_id_number(number: str) -> str:
    """Keep the first 6 and the last 4 characters, as the verification page shows it."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def normalize_credit_code(value: str) -> str:
    return "".join(str(value).split()).upper()


def validate_credit_code(value: str) -> str:
    """Return the normalised unified social credit code or raise ValidationError."""
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("The unified social credit code must have 18 characters; this one has %(count)d."),
            code="length",
            params={"count": len(code)},
        )
    bad = sorted({c for c in code if c not in USCC_ALPHABET})
    if bad:
        raise ValidationError(
            _("The unified social credit code contains characters it may not use: %(chars)s."),
            code="format",
            params={"chars": " ".join(bad)},
        )
    if not re.fullmatch(r"[0-9]{6}", code[2:8]):
        raise ValidationError(
            _("Characters 3 to 8 of the unified social credit code must be digits."),
            code="format",
        )
    if code[17] != uscc.calc_check_digit(code):
        raise ValidationError(
            _(
                "The check character of the unified social credit code is wrong; "
                "please check the code."
            ),
            code="checksum",
        )
    return code
