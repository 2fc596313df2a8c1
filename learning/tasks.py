from celery import shared_task

from learning.imports import import_run


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_import(job_id: int) -> None:
    import_run(job_id)


@shared_task
def filing_reminders() -> int:
    from learning.filings import send_reminders

    return len(send_reminders())


@shared_task
def flush_study_clock() -> int:
    """Write the Redis study clock's changed lessons to the database (Celery beat,
    every STUDY_FLUSH_SECONDS); the number of rows written."""
    from learning.study_clock import flush

    return flush()
