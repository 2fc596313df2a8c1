from celery import shared_task

from digital_engineer.services import roster_reminders


@shared_task
def remind_roster_filings() -> int:
    return roster_reminders()
