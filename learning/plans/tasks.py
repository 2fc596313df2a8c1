import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from learning.plans.services import send_reminders
from portal.keyspace import namespace

logger = logging.getLogger(__name__)
# A day's run is claimed for longer than the day, so a late duplicate finds the claim.
CLAIM_SECONDS = 2 * 24 * 60 * 60


def reminders_claim_key(day) -> str:
    """The cache key that claims `day`'s filing reminders (one run a day)."""
    return f"filing-reminders:{namespace()}:{day.isoformat()}"


@shared_task(name="learning.tasks.filing_reminders")
def filing_reminders() -> int:
    """The day's filing reminders (Celery beat, each morning in April): the number of
    filers reminded. Runs once a day: a second run the same day (a beat restarted, a
    duplicate message) finds the day claimed and does nothing — on top of the
    FilingReminder row that already allows one reminder a day per filer. A run that
    fails gives its claim back, so that it can be run again the same day."""
    today = timezone.localdate()
    key = reminders_claim_key(today)
    if not cache.add(key, 1, CLAIM_SECONDS):
        logger.info("filing reminders of %s ran already", today)
        return 0
    try:
        return len(send_reminders(today))
    except BaseException:
        cache.delete(key)
        raise
