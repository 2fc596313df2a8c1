from celery import shared_task

from digital_engineer.services import roster_reminders, training_certificate_render


@shared_task
def remind_roster_filings() -> int:
    return roster_reminders()


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=3, default_retry_delay=30)
def render_training_certificate(certificate_id: int) -> None:
    """Render and store a training certificate's PDF (queued on commit by class_close;
    safe to run twice)."""
    training_certificate_render(certificate_id)
