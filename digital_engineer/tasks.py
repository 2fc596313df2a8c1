"""The app's Celery tasks, by their registered names (portal.settings'
CELERY_BEAT_SCHEDULE names remind_roster_filings). The certificate rendering job is
defined beside its work in digital_engineer.services, which queues it, and is
re-exported here for autodiscovery; this module imports services, never the
reverse."""

from celery import shared_task

from digital_engineer.services import (
    render_training_certificate,  # noqa: F401
    roster_reminders,
)


@shared_task(name="digital_engineer.tasks.remind_roster_filings")
def remind_roster_filings() -> int:
    """The daily beat job: e-mail each institution its waiting roster filings
    (services.roster_reminders, which claims each institution's day first, so a
    second run on the same day sends nothing). Returns how many were mailed."""
    return roster_reminders()
