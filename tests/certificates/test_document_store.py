"""One render-and-store path for every certificate PDF (annual and training): stored
once, with the SHA-256 of the file really stored, and never a moment without the
recorded file when two runs meet."""

import datetime
import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from certificates import services as certificate_services
from certificates.services import certificate_issue, certificate_render
from digital_engineer.services import (
    training_certificate_render,
)
from portal.storage import PrivateStorage
from tests.certificates.conftest import YEAR, make_compliant
from tests.factories import make_training_certificate


def annual(alice, hr_a, institution, jinan):
    make_compliant(alice)
    certificate = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
    return certificate, certificate_render


def training(alice, hr_a, institution, jinan):
    # Outside a transaction's commit, the render task it queues is not run here.
    return make_training_certificate(institution, jinan, alice), training_certificate_render


@pytest.fixture(params=[annual, training], ids=["annual", "training"])
def document(request, alice, hr_a, institution, jinan):
    """(certificate, its render function) for each kind of certificate."""
    return request.param(alice, hr_a, institution, jinan)


def stored_files(certificate) -> list[Path]:
    folder = Path(settings.PRIVATE_MEDIA_ROOT) / Path(certificate.pdf.name).parent
    return sorted(folder.iterdir())


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.django_db
def test_rendering_twice_stores_one_file_whose_sha256_is_recorded(document):
    certificate, render = document
    first = render(certificate.pk)
    again = render(certificate.pk)
    assert first.pdf.name == again.pdf.name
    [path] = stored_files(first)
    assert path.name == Path(first.pdf.name).name
    stored = type(certificate).objects.get(pk=certificate.pk)
    assert stored.pdf_sha256 == sha256_of(path)


@pytest.mark.django_db
def test_a_run_that_meets_another_never_removes_the_recorded_file(document, monkeypatch):
    """Run A renders; meanwhile run B renders, stores and records the PDF; then A
    stores its copy. Whenever A writes, the file B recorded must still be there (a
    download at that moment gets it), and afterwards one file is left, the recorded
    one, whose SHA-256 is the recorded one. Both kinds go through one renderer call
    (certificates.services)."""
    certificate, render = document
    model = type(certificate)
    real_render_pdf = certificate_services.render_pdf
    real_save = PrivateStorage.save
    started, other_run, recorded_missing = [], [], []

    def render_while_another_run_finishes(html, **kwargs):
        if not started:
            started.append(True)
            other_run.append(render(certificate.pk))
        return real_render_pdf(html, **kwargs)

    def save_seeing_what_is_recorded(storage, name, content, *args, **kwargs):
        if other_run:  # run A's write, after B recorded its file
            recorded = model.objects.get(pk=certificate.pk).pdf
            recorded_missing.append(not recorded or not storage.exists(recorded.name))
        return real_save(storage, name, content, *args, **kwargs)

    monkeypatch.setattr(certificate_services, "render_pdf", render_while_another_run_finishes)
    monkeypatch.setattr(PrivateStorage, "save", save_seeing_what_is_recorded)
    result = render(certificate.pk)

    assert other_run, "both kinds render through certificates.services"
    assert recorded_missing == [False]
    stored = model.objects.get(pk=certificate.pk)
    assert result.pdf.name == stored.pdf.name == other_run[0].pdf.name
    [path] = stored_files(stored)
    assert path.name == Path(stored.pdf.name).name
    assert stored.pdf_sha256 == sha256_of(path)


@pytest.mark.django_db
def test_downloads_while_the_worker_is_down_queue_one_rendering(
    client, alice, hr_a, institution, jinan, monkeypatch, django_capture_on_commit_callbacks
):
    """The task queued when the class closed was lost; every download of the missing
    PDF must not add another task while the worker is down."""
    certificate, _render = training(alice, hr_a, institution, jinan)
    later = timezone.now() + datetime.timedelta(minutes=10)
    monkeypatch.setattr(timezone, "now", lambda: later)
    client.force_login(alice)
    url = reverse("digital_engineer:certificate_pdf", kwargs={"pk": certificate.pk})
    with django_capture_on_commit_callbacks() as queued:
        assert client.get(url).status_code == 202
        assert client.get(url).status_code == 202
    assert len(queued) == 1
    # A few minutes later, still nothing: one more try.
    much_later = later + datetime.timedelta(minutes=10)
    monkeypatch.setattr(timezone, "now", lambda: much_later)
    with django_capture_on_commit_callbacks() as queued:
        assert "PDF正在生成" in client.get(url).content.decode()
    assert len(queued) == 1


@pytest.mark.django_db
def test_the_training_verification_page_shows_the_sha256_of_the_pdf(
    client, alice, hr_a, institution, jinan
):
    certificate, render = training(alice, hr_a, institution, jinan)
    rendered = render(certificate.pk)
    url = reverse("digital_engineer:verify", kwargs={"code": certificate.verification_code})
    page = client.get(url).content.decode()
    assert f'data-testid="sha256">{rendered.pdf_sha256}<' in page
