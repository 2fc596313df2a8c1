from celery import shared_task


@shared_task(name="portal.ping")
def ping() -> str:
    """A no-op a worker answers; used to check that a worker is alive."""
    return "pong"
