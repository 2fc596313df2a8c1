"""The certificate jobs Celery runs, for autodiscovery, and the worker's signals.

Each task is defined beside the work it does (the job protocol, ARCHITECTURE.md), so
that no service imports this module while this module imports the services; each
keeps the name it was always registered under ("certificates.tasks.<function>"),
which queued messages carry. They take ids, are queued on commit, acknowledge late
and are safe to run twice; none retries.
"""

import logging

from celery.signals import worker_process_init, worker_ready

from certificates import batches
from certificates.batches import issue_chunk, render_bundle, run_batch  # noqa: F401
from certificates.registration_checks import render_registration_check  # noqa: F401
from certificates.services import render_certificate  # noqa: F401
from certificates.statements import render_statement  # noqa: F401
from certificates.title_documents import render_title_document  # noqa: F401

logger = logging.getLogger(__name__)


@worker_ready.connect
def resume_unfinished_batches(**kwargs) -> None:
    """A worker that starts picks up batches a killed worker left unfinished (a
    resume: batches.batch_start claims a running batch too)."""
    for batch in batches.unfinished_batches():
        logger.info("resuming certificate batch %s", batch.pk)
        run_batch.delay(batch.pk, resume=True)


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
