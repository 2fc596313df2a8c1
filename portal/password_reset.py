"""Password reset with the ID-card number and the registered phone or e-mail.

A six-digit one-time code, valid ten minutes and five tries. Neither step tells whether
a number is registered: a request always gets the same answer, and a wrong number fails
exactly as a wrong code does.
"""

import datetime
import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import audit_log
from portal.models import PasswordResetCode, User
from portal.sms import send_sms

CODE_VALID_FOR = datetime.timedelta(minutes=10)
MAX_TRIES = 5
RESEND_AFTER = datetime.timedelta(minutes=1)


def reset_request(*, id_number: str, contact: str) -> None:
    """Send a code when `contact` is the account's phone or e-mail; otherwise nothing."""
    contact = contact.strip()
    user = (
        User.objects.filter(id_number=id_number, is_active=True)
        .filter(Q(phone=contact) | (Q(email__iexact=contact) & ~Q(email="")))
        .first()
    )
    if user is None or not contact:
        return
    if user.reset_codes.filter(created_at__gt=timezone.now() - RESEND_AFTER).exists():
        return  # at most one message a minute, so the form cannot flood a phone
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        PasswordResetCode.objects.filter(user=user, used_at__isnull=True).update(
            used_at=timezone.now()
        )
        PasswordResetCode.objects.create(
            user=user,
            code_hash=make_password(code),
            expires_at=timezone.now() + CODE_VALID_FOR,
        )
    text = _("Your password reset code is %(code)s, valid for 10 minutes.") % {"code": code}
    if "@" in contact:
        send_mail(_("Password reset"), text, None, [user.email])
    else:
        send_sms(user.phone, text)
    audit_log(actor=user, action="portal.password_reset.requested")


def reset_confirm(*, id_number: str, code: str, password: str) -> bool:
    """Set the new password if the code is right; every failure looks the same."""
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
        if pending is None:
            return False
        if not check_password(code.strip(), pending.code_hash):
            PasswordResetCode.objects.filter(pk=pending.pk).update(tries=F("tries") + 1)
            return False
        pending.used_at = timezone.now()
        pending.save(update_fields=["used_at"])
        pending.user.set_password(password)
        pending.user.save(update_fields=["password"])
    audit_log(actor=pending.user, action="portal.password_reset.done")
    return True
