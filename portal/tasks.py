from celery import shared_task
from django.core.cache import cache

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
