"""Two runs of one batch at once (a chunk delivered twice, a batch resumed by a
starting worker while another still works on it) end with the batch's counts right:
the progress page never shows more certificates issued than in the batch."""

import pytest

from certificates import batches
from certificates.models import IssuanceBatch
from certificates.services import certificate_issue, certificate_render
from portal.models import JobStatus
from tests.certificates.conftest import YEAR, make_compliant
from tests.factories import make_professional


@pytest.mark.django_db
def test_a_batch_finished_beside_a_parallel_run_counts_every_certificate(hr_a, unit_a, monkeypatch):
    first, second = (make_compliant(make_professional(unit_a)) for _ in range(2))
    batch = batches.batch_create(year=YEAR, requested_by=hr_a, unit=unit_a)  # not run yet
    batches.batch_start(batch.pk)
    # The other run has issued the second person's certificate and renders its PDF
    # just while this run, done with the first person, looks whether work is left.
    parallel = certificate_issue(
        person=second, year=YEAR, issued_by=hr_a, batch=batch, render=False
    )
    batch_work = batches.batch_work

    def the_other_run_renders_meanwhile(batch):
        if not certificate_render(parallel.pk).pdf_sha256:
            raise AssertionError("the parallel run's PDF was not stored")
        return batch_work(batch)

    monkeypatch.setattr(batches, "batch_work", the_other_run_renders_meanwhile)
    batches.batch_issue_chunk(batch.pk, [first.pk])
    monkeypatch.undo()
    batches.batch_count(batch.pk)  # what the other run does after its certificate
    batches.batch_refresh(batch.pk)

    batch = IssuanceBatch.objects.get(pk=batch.pk)
    assert batch.status == JobStatus.DONE
    assert (batch.done, batch.total) == (2, 2)  # not 2 of 1
