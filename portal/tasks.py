from celery import shared_task
from django.core.cache import cache
from django.core.mail import send_mail

from portal.sms import send_sms
from portal.transfers import (
    tell_former_unit,  # noqa: F401  (defined with its service, re-exported for autodiscovery)
    transfers_complete_due,
)


@shared_task(name="portal.ping")
def ping(token: str) -> str:
    """Leave `token` in the cache: proof that a worker took a task off the broker."""
    cache.set(f"portal:ping:{token}", "pong", timeout=60)
    return "pong"


@shared_task(name="portal.tasks.complete_due_transfers")
def complete_due_transfers() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): complete the transfers whose objection period
    has ended; the number completed. No claim of the run is needed: each transfer is
    claimed under its row lock and completes once however often this runs."""
    return transfers_complete_due()


@shared_task(name="portal.tasks.send_reset_code", ignore_result=True)
def send_reset_code(*, recipient: str | None, subject: str, text: str) -> None:
    """Deliver a password-reset code: by e-mail to an address, by SMS to a phone,
    nowhere when `recipient` is None (a request for a number that has no account
    queues this too, see portal/password_reset.py)."""
    if not recipient:
        return
    if "@" in recipient:
        send_mail(subject, text, None, [recipient])
    else:
        send_sms(recipient, text)
