import logging

from celery import shared_task
from django.utils import timezone

from learning.plans.services import send_reminders
from portal.jobs import daily_claim

logger = logging.getLogger(__name__)


@shared_task(name="learning.tasks.filing_reminders")
def filing_reminders() -> int:
    """The day's filing reminders (Celery beat, each morning in April): the number of
    filers reminded. Runs once a day (portal.jobs.daily_claim): a second run the same
    day (a beat restarted, a duplicate message) does nothing — on top of the
    FilingReminder row that already allows one reminder a day per filer. A run that
    fails gives its claim back, so that it can be run again the same day."""
    today = timezone.localdate()
    with daily_claim("learning.filing_reminders") as first:
        if not first:
            logger.info("filing reminders of %s ran already", today)
            return 0
        return len(send_reminders(today))
