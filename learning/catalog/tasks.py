from celery import shared_task

from learning.catalog import study_clock


# Routed to the clock's own queue by this name (settings.CELERY_TASK_ROUTES).
@shared_task(name="learning.tasks.flush_study_clock")
def flush_study_clock() -> int:
    """Write the Redis study clock's changed lessons to the database (Celery beat,
    every STUDY_FLUSH_SECONDS); the number of rows written."""
    return study_clock.flush()
