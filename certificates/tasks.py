"""Thin tasks over the certificate services: they take IDs, are queued on commit,
acknowledge late and are safe to run twice."""

import logging

from celery import shared_task
from celery.signals import worker_process_init, worker_ready

from certificates import batches
from certificates.services import certificate_render

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=3, default_retry_delay=30)
def render_certificate(certificate_id: int) -> None:
    certificate_render(certificate_id)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_batch(batch_id: int) -> None:
    for chunk in batches.batch_start(batch_id):
        issue_chunk.delay(batch_id, chunk)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def issue_chunk(batch_id: int, person_ids: list[int]) -> None:
    batches.batch_issue_chunk(batch_id, person_ids)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def render_bundle(bundle_id: int) -> None:
    batches.bundle_render(bundle_id)


@worker_ready.connect
def resume_unfinished_batches(**kwargs) -> None:
    """A worker that starts picks up batches a killed worker left unfinished."""
    for batch in batches.unfinished_batches():
        logger.info("resuming certificate batch %s", batch.pk)
        run_batch.delay(batch.pk)


@worker_process_init.connect
def warm_up_renderer(**kwargs) -> None:
    """Load WeasyPrint and the fonts once per worker process, not in the first task."""
    from portal.pdf import render_pdf

    render_pdf("<p>预热</p>")
