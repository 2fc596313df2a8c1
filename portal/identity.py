"""Checks of the two national identifiers the portal stores.

居民身份证号码 (GB 11643-1999) and 统一社会信用代码 (GB 32100-2015), as
shared/domain/RULES.md describes them. python-stdnum supplies the check-digit
arithmetic; its `validate` functions are not used as a whole because they
reject numbers the rules accept (unknown address codes, the residence permits
of Hong Kong, Macao and Taiwan residents, credit codes starting with letters).
"""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric, uscc

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


# Characters people's keyboards and copy-paste leave in a number or a name that no
# reader sees: zero-width spaces and joiners, the byte-order mark, soft hyphens, and
# the direction marks a name copied from a right-to-left (Uyghur) page carries.
INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f\u061c"
        "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    )
)
# Look-alikes of the middle dot of minority and foreign names (阿依古丽·吐尔逊):
# bullet, hyphenation point, bullet and dot operators, katakana middle dots (full and
# half width), the full-width full stop, Greek ano teleia, runic and word-separator
# dots, the Latin sinological dot, and U+00B7 itself.
MIDDLE_DOTS = "\u2022\u2027\u2219\u22c5\u30fb\uff65\uff0e\u0387\u16eb\u2e31\ua78f\u00b7"
# A run of dots (a doubled dot is a slip of the keyboard) with the spaces around it.
_DOT_RUN = re.compile(f"\\s*(?:[{MIDDLE_DOTS}]\\s*)+")
_CJK_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_CJK = re.compile(f"[{_CJK_CLASS}]")
# "." (after NFKC: also the small and one-dot-leader full stops) between two Chinese
# characters, or between a Chinese character and the middle dot a dot run became.
_ASCII_DOT_IN_NAME = re.compile(f"(?<=[{_CJK_CLASS}\u00b7])\\s*\\.[\\s.]*(?=[{_CJK_CLASS}])")
_PHONE_PUNCTUATION = dict.fromkeys(map(ord, "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212()"))
_MOBILE_WITH_COUNTRY_CODE = re.compile(r"(?:\+|00)?86(1[0-9]{10})")


def _plain(value) -> str:
    """NFKC (full-width digits and letters to ASCII) without invisible characters."""
    return unicodedata.normalize("NFKC", str(value)).translate(INVISIBLE)


def normalize_id_number(value) -> str:
    """The ID-card number as stored: NFKC (full-width digits and Ｘ), no invisible
    characters or spaces of any kind, the check character upper-cased (x → X)."""
    return "".join(_plain(value).split()).upper()


def normalize_phone(value) -> str:
    """A phone number as stored: NFKC, no invisible characters, spaces, hyphens, dashes
    or brackets, and no country code before a mobile number (+86 138… → 138…)."""
    phone = "".join(_plain(value).split()).translate(_PHONE_PUNCTUATION)
    mobile = _MOBILE_WITH_COUNTRY_CODE.fullmatch(phone)
    return mobile.group(1) if mobile else phone


def normalize_name(value) -> str:
    """A person's name as stored and compared: NFKC, no invisible characters, every
    middle-dot look-alike (and "." between Chinese characters) as one U+00B7, and no
    spaces inside a Chinese name (李　华 → 李华). Latin names keep single spaces."""
    # NFKC first would turn the full-width full stop into ".", so dots come first.
    text = _DOT_RUN.sub("\u00b7", str(value).translate(INVISIBLE))
    text = unicodedata.normalize("NFKC", text)
    text = _DOT_RUN.sub("\u00b7", _ASCII_DOT_IN_NAME.sub("\u00b7", text))
    text = " ".join(text.split())
    if _CJK.search(text):
        text = text.replace(" ", "")
    return text


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


_SCIENTIFIC = re.compile(r"[0-9](\.[0-9]+)?E\+?[0-9]+", re.IGNORECASE)
_ROUNDED_BY_EXCEL = re.compile(r"\d{15}000")


def id_number_from_cell(value) -> str:
    """The validated ID-card number of a spreadsheet cell, or ValidationError.

    Excel keeps 15 significant digits of a number: an ID column left as "General"
    turns 370112197505059013 into 3.70112197505059E+17, whose last digits are gone
    for good. Such a cell (a number, or that text in a CSV) is reported as exactly
    that, not as a number of the wrong length."""
    if isinstance(value, bool):
        value = str(value)
    lost = ValidationError(
        _(
            "Excel stored the ID card number as a number and its last digits are lost; "
            "set the column to text and type the numbers again."
        ),
        code="number_cell",
    )
    if isinstance(value, int | float) or _SCIENTIFIC.fullmatch(normalize_id_number(value)):
        raise lost
    try:
        return validate_id_number(value)
    except ValidationError:
        # 370112197505059000: what a CSV holds once Excel has rounded the number to 15
        # significant digits (and the check digit then fails), written out in full.
        if _ROUNDED_BY_EXCEL.fullmatch(normalize_id_number(value)):
            raise lost from None
        raise


def mask_id_number(number: str) -> str:
    """Keep the first 6 and the last 4 characters, as the verification page shows it."""
    if len(number) <= 10:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def normalize_credit_code(value: str) -> str:
    """A unified social credit code as stored, from what was typed: NFKC (full-width
    digits and letters), no invisible characters or spaces, upper case."""
    return "".join(_plain(value).split()).upper()


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
