"""Password reset with the ID-card number and the registered phone or e-mail.

A six-digit one-time code, valid ten minutes and five tries, at most
PASSWORD_RESET_CODES_PER_DAY codes per account in 24 hours (so that at most 5 × that
many of the 10^6 codes can be guessed a day). Neither step tells whether a number is
registered: a request always gets the same answer, and a wrong number fails exactly
as a wrong code does.

Nor does the time an answer takes tell: the slow work is the same on every branch.
A request draws and hashes a code and queues one delivery task whether or not the
number and contact belong to an account (for a stranger the code is thrown away and
the task has nobody to send to), so neither the hash nor the SMS gateway or mail
server, which the worker talks to, is on the request's path for some answers only.
A confirmation checks the code against a hash whether or not a code is pending.
"""

import datetime
import functools
import secrets

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.models import PasswordResetCode, User
from portal.tasks import send_reset_code

CODE_VALID_FOR = datetime.timedelta(minutes=10)
MAX_TRIES = 5
RESEND_AFTER = datetime.timedelta(minutes=1)
CODES_PER_DAY_WINDOW = datetime.timedelta(days=1)


def _new_code() -> tuple[str, str]:
    """A random six-digit code and its hash."""
    code = f"{secrets.randbelow(10**6):06d}"
    return code, make_password(code)


@functools.cache
def _stand_in_hash() -> str:
    """The hash of a code nobody knows, checked when no code is pending so that a
    failed confirmation costs one hash check on every branch (computed once a process,
    with the default hasher, as real codes are)."""
    return make_password(secrets.token_hex(16))


def _may_send(user: User) -> bool:
    """Whether `user` may get a new code now: not within a minute of the last one (so
    the form cannot flood a phone), and fewer than PASSWORD_RESET_CODES_PER_DAY in the
    last 24 hours. Call inside a transaction holding the user's row."""
    now = timezone.now()
    recent = list(
        user.reset_codes.filter(created_at__gt=now - CODES_PER_DAY_WINDOW).values_list(
            "created_at", flat=True
        )
    )
    if any(created > now - RESEND_AFTER for created in recent):
        return False
    return len(recent) < settings.PASSWORD_RESET_CODES_PER_DAY


def reset_request(*, id_number: str, contact: str) -> None:
    """Send a code when `contact` is the account's phone or e-mail and the account may
    get one now (see `_may_send`); otherwise send nothing, after the same work."""
    contact = contact.strip()
    user = (
        User.objects.filter(id_number=id_number, is_active=True)
        .filter(Q(phone=contact) | (Q(email__iexact=contact) & ~Q(email="")))
        .first()
        if contact
        else None
    )
    code, code_hash = _new_code()  # on every branch: the hash is the slow part
    recipient = None
    if user is not None:
        with transaction.atomic():
            # The row lock makes "count today's codes, then add one" atomic.
            User.objects.select_for_update().filter(pk=user.pk).first()
            if _may_send(user):
                now = timezone.now()
                PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(
                    used_at=now
                )
                PasswordResetCode.objects.create(
                    user=user, code_hash=code_hash, expires_at=now + CODE_VALID_FOR
                )
                recipient = user.email if "@" in contact else user.phone
                audit_log(actor=user, action="portal.password_reset.requested")
    text = _("Your password reset code is %(code)s, valid for 10 minutes.") % {"code": code}
    # Queued on every branch; with no recipient the task sends nothing.
    send_reset_code.delay(recipient=recipient, subject=_("Password reset"), text=text)


def reset_confirm(*, id_number: str, code: str, password: str) -> bool:
    """Set the new password if the code is right; every failure looks the same. A
    success also lifts the login lock-outs of the account (django-axes)."""
    with transaction.atomic():
        pending = (
            PasswordResetCode.objects.select_for_update()
            .filter(
                user__id_number=id_number,
                user__is_active=True,
                used_at__isnull=True,
                expires_at__gt=timezone.now(),
                tries__lt=MAX_TRIES,
            )
            .select_related("user")
            .first()
        )
        code_hash = pending.code_hash if pending is not None else _stand_in_hash()
        right = check_password(code.strip(), code_hash)  # on every branch
        if pending is None:
            return False
        if not right:
            PasswordResetCode.objects.filter(pk=pending.pk).update(tries=F("tries") + 1)
            return False
        pending.used_at = timezone.now()
        pending.save(update_fields=["used_at"])
        pending.user.set_password(password)
        pending.user.save(update_fields=["password"])
        audit_log(actor=pending.user, action="portal.password_reset.done")
    # She proved she holds the phone or mailbox: the failures that locked her out,
    # from any address, no longer count (axes counts them by her ID number).
    axes_reset(username=pending.user.id_number)
    return True
