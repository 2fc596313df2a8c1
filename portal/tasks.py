from celery import shared_task
from django.core.cache import cache
from django.core.mail import send_mail

from portal.sms import send_sms
from portal.transfers import former_unit_notify, transfers_complete_due


@shared_task(name="portal.ping")
def ping(token: str) -> str:
    """Leave `token` in the cache: proof that a worker took a task off the broker."""
    cache.set(f"portal:ping:{token}", "pong", timeout=60)
    return "pong"


@shared_task(name="portal.tasks.complete_due_transfers")
def complete_due_transfers() -> int:
    return transfers_complete_due()


@shared_task(name="portal.tasks.tell_former_unit")
def tell_former_unit(transfer_id: int) -> None:
    former_unit_notify(transfer_id)


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
