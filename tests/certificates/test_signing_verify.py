"""Verification of a file on /verify/ (issue 17): anyone drops a PDF and reads one line —
有效 / 已撤销 / 文件被修改 / 非本平台签发 — or a clear word on what is wrong with the
upload. Nothing of the upload is kept."""

import io
import logging
import uuid
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pypdf import PdfReader, PdfWriter

from certificates.services import (
    STYLESHEET,
    certificate_html,
    certificate_issue,
    certificate_revoke,
)
from certificates.signing import sign_pdf
from portal.pdf import render_pdf
from tests.certificates.conftest import YEAR

pytestmark = pytest.mark.django_db

URL = reverse("certificates:verify_file")


def upload(client, data: bytes, name="certificate.pdf"):
    return client.post(URL, {"file": _file(data, name)})


def _file(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/pdf")


def verdict(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="file-verdict"')
    return html[html.index(">", start) + 1 : html.index("</div>", start)].strip()


def signed_bytes(certificate) -> bytes:
    return Path(certificate.pdf.path).read_bytes()


def test_the_verification_page_offers_to_check_a_file(client):
    html = client.get(reverse("certificates:verify_form")).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert f'action="{URL}"' in html
    assert 'type="file"' in html


def test_an_original_file_is_valid_with_its_masked_details(client, certificate, alice):
    response = upload(client, signed_bytes(certificate))
    assert response.status_code == 200
    assert verdict(response).startswith("有效")
    html = response.content.decode()
    assert certificate.serial in html
    assert alice.masked_id_number in html
    assert alice.id_number not in html
    assert certificate.pdf_sha256 in html
    assert reverse("certificates:verify", args=[certificate.verification_code]) in html


def _flip_inside_the_page_content(data: bytes) -> bytes:
    """One byte changed in the middle of the first content stream (the page's text)."""
    start = data.index(b"stream\n") + len(b"stream\n")
    end = data.index(b"endstream", start)
    position = (start + end) // 2
    return data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]


def _change_the_serial(data: bytes, serial: str) -> bytes:
    """The serial written under the signature, one digit changed (same length)."""
    other = serial[:-1] + ("1" if serial[-1] != "1" else "2")
    assert data.count(serial.encode()) >= 1
    position = data.rindex(serial.encode())
    return data[:position] + other.encode() + data[position + len(serial) :]


@pytest.mark.parametrize("change", ["content", "serial"])
def test_one_byte_changed_is_a_modified_file(client, certificate, alice, change):
    data = signed_bytes(certificate)
    if change == "content":
        changed = _flip_inside_the_page_content(data)
    else:
        changed = _change_the_serial(data, certificate.serial)
    assert len(changed) == len(data) and changed != data
    response = upload(client, changed)
    assert response.status_code == 200
    assert verdict(response).startswith("文件被修改")
    # A broken signature names nothing: a forged file learns no one's details.
    assert alice.masked_id_number not in response.content.decode()


def test_an_update_appended_after_signing_is_a_modified_file(client, certificate, alice):
    """Someone opens the original in an editor and saves an incremental update: the
    signed revision is intact, the file is not what was signed."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed_bytes(certificate)))
    info = writer.trailer["/Info"]
    info[generic.NameObject("/Title")] = generic.TextStringObject("改过的证书")
    writer.update_container(info)
    output = io.BytesIO()
    writer.write(output)
    response = upload(client, output.getvalue())
    assert verdict(response).startswith("文件被修改")
    html = response.content.decode()
    # What the portal registered under the signed revision, masked, to compare with.
    assert certificate.serial in html and alice.masked_id_number in html
    assert alice.id_number not in html


def test_a_file_signed_with_another_key_is_not_issued_by_the_portal(
    client, certificate, settings, tmp_path
):
    """A forger renders the same certificate and signs it with a key of his own,
    embedding the real serial: 非本平台签发."""
    unsigned = render_pdf(certificate_html([certificate]), stylesheets=(STYLESHEET,))
    portal_key = settings.SIGNING_PKCS12_PATH, settings.SIGNING_TEST_KEY
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_TEST_KEY = str(tmp_path / "other.p12"), True
    forged = sign_pdf(unsigned, kind="certificates.certificate", serial=certificate.serial)
    settings.SIGNING_PKCS12_PATH, settings.SIGNING_TEST_KEY = portal_key
    response = upload(client, forged)
    assert verdict(response).startswith("非本平台签发")
    assert certificate.real_name not in response.content.decode()


def test_a_revoked_certificate_verifies_as_revoked_with_date_and_category(
    client, certificate, hr_a
):
    certificate_revoke(
        certificate=certificate, category="falsified", reason="培训证明系伪造", revoked_by=hr_a
    )
    certificate.refresh_from_db()
    line = verdict(upload(client, signed_bytes(certificate)))
    assert line.startswith("已撤销")
    assert timezone.localdate(certificate.revoked_at).isoformat() in line
    assert "弄虚作假" in line  # the category HR chose
    assert "培训证明系伪造" not in line  # the free-text reason stays with the issuer


def test_a_corrected_and_reissued_certificate_says_so(client, certificate, hr_a, alice):
    old_file = signed_bytes(certificate)
    certificate_revoke(
        certificate=certificate, category="corrected", reason="单位名称录入错误", revoked_by=hr_a
    )
    certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
    line = verdict(upload(client, old_file))
    assert line.startswith("已撤销") and "信息更正后换发" in line


def test_an_unsigned_pdf_gets_a_clear_answer(client, certificate):
    unsigned = render_pdf(certificate_html([certificate]), stylesheets=(STYLESHEET,))
    response = upload(client, unsigned)
    assert response.status_code == 200
    assert "没有电子签名" in verdict(response)


def test_a_file_that_is_not_a_pdf_gets_a_clear_answer(client):
    response = upload(client, "姓名,证书编号\n".encode() * 50, name="certificate.pdf")
    assert response.status_code == 200
    assert "不是PDF" in verdict(response)


def test_a_damaged_pdf_gets_a_clear_answer(client, certificate):
    data = signed_bytes(certificate)
    response = upload(client, data[: len(data) // 3])
    assert response.status_code == 200
    assert "已损坏" in verdict(response)


def test_an_encrypted_pdf_gets_a_clear_answer(client, certificate):
    writer = PdfWriter(clone_from=PdfReader(certificate.pdf.path))
    writer.encrypt(user_password="", owner_password="secret", algorithm="AES-128")
    output = io.BytesIO()
    writer.write(output)
    response = upload(client, output.getvalue())
    assert response.status_code == 200
    assert "加密" in verdict(response)


def test_a_file_over_10_mb_is_refused_unread(client):
    data = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024)
    response = upload(client, data)
    assert response.status_code == 413
    assert "10 MB" in verdict(response) or "10MB" in verdict(response)


def test_no_file_chosen_gets_a_clear_answer(client):
    response = client.post(URL, {})
    assert response.status_code == 400
    assert "PDF" in verdict(response)


def test_nothing_of_the_upload_is_kept(client, certificate, settings, caplog):
    """Not in the media folders, and not in the log: no line names the file or
    quotes its bytes."""

    def files():
        roots = (Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT))
        return sorted(p for root in roots if root.exists() for p in root.rglob("*"))

    before = files()
    original = signed_bytes(certificate)
    marker = "uploaded-" + uuid.uuid4().hex[:8]
    uploads = (
        original,
        f"not a pdf {marker}".encode(),
        _flip_inside_the_page_content(original),
        original[: len(original) // 3] + marker.encode(),
    )
    with caplog.at_level(logging.DEBUG):
        for data in uploads:
            client.post(URL, {"file": _file(data, f"{marker}.pdf")})
    assert files() == before
    logged = "\n".join(
        f"{record.getMessage()} {record.exc_text or ''}" for record in caplog.records
    )
    assert marker not in logged
    assert certificate.serial not in logged


def test_junk_uploads_are_throttled_but_genuine_files_are_not(client, certificate):
    genuine = signed_bytes(certificate)
    for _ in range(12):
        assert upload(client, genuine).status_code == 200
    for _ in range(10):
        assert upload(client, b"junk").status_code == 200
    response = upload(client, b"junk")
    assert response.status_code == 429
    assert "请等待十分钟" in response.content.decode() or "十分钟" in response.content.decode()


def test_the_page_without_a_file_redirects_to_the_form(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("certificates:verify_form")


def test_a_training_certificate_file_is_verified_with_its_details(
    client, institution, jinan, alice
):
    from digital_engineer import services as training
    from digital_engineer.models import TrainingCertificate
    from tests.digital_engineer.test_training_certificates import PRACTICE, THEORY, trainee_with
    from tests.factories import make_training_class

    klass = make_training_class(
        institution, jinan, theory_hours=THEORY, practice_hours=PRACTICE, capacity=10
    )
    trainee_with(klass, alice, THEORY, PRACTICE)
    training.class_close(training_class=klass, closed_by=None)
    certificate = TrainingCertificate.objects.get(trainee__person=alice)
    rendered = training.training_certificate_render(certificate.pk)
    response = upload(client, Path(rendered.pdf.path).read_bytes())
    assert verdict(response).startswith("有效")
    html = response.content.decode()
    assert certificate.serial in html and institution.name in html
    assert alice.masked_id_number in html and alice.id_number not in html


def test_a_kind_that_registers_nothing_is_still_verified(client, certificate, alice, monkeypatch):
    """A new kind of document (a statement, a combined PDF) stored through the one
    render-and-store path is found by its model's serial and stored SHA-256 even
    before it registers its own details."""
    from certificates import registry

    monkeypatch.delitem(registry._signed_kinds, "certificates.certificate")
    response = upload(client, signed_bytes(certificate))
    assert verdict(response).startswith("有效")
    html = response.content.decode()
    assert certificate.serial in html and alice.masked_id_number in html
    assert alice.id_number not in html


def test_a_units_printing_bundle_is_signed_but_names_no_single_document(client, certificate, hr_a):
    from certificates.batches import bundle_create, bundle_render

    bundle = bundle_create(unit=certificate.unit, year=certificate.year, requested_by=hr_a)
    bundle = bundle_render(bundle.pk)
    response = upload(client, Path(bundle.pdf.path).read_bytes())
    assert "不是单独登记的文件" in verdict(response)
