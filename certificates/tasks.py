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


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=3, default_retry_delay=30)
def render_statement(statement_id: int) -> None:
    """Render and store an eligibility statement's PDF (queued on commit by
    statement_issue; safe to run twice)."""
    from certificates.statements import statement_render

    statement_render(statement_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, max_retries=3, default_retry_delay=30)
def render_title_document(document_id: int) -> None:
    """Render and store a title-application document's PDF (queued on commit by
    title_document_issue; safe to run twice)."""
    from certificates.title_documents import title_document_render

    title_document_render(document_id)


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
    """Load WeasyPrint and the fonts, and the signing key and pyHanko, once per worker
    process, not in the first task."""
    from django.conf import settings

    from certificates.services import PROVINCIAL_ISSUER
    from certificates.signing import sign_pdf
    from portal.pdf import render_pdf

    data = render_pdf("<p>预热</p>")
    if settings.SIGN_DOCUMENTS:
        sign_pdf(data, issuer=PROVINCIAL_ISSUER)
