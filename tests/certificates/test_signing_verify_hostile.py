"""/verify/ against hostile files and clients (review of issue 17, items 1–2): a forged
signature that carries the portal's public certificate, edited files used to dodge
the throttle, a file declaring thousands of signature fields, and bodies that are
refused before they are read."""

import dataclasses
import io
import logging
import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

from certificates import signing
from certificates.services import (
    STYLESHEET,
    certificate_html,
)
from certificates.views import VERIFY_ATTEMPTS
from portal.pdf import render_pdf

pytestmark = pytest.mark.django_db

URL = reverse("certificates:verify_file")


def _address() -> str:
    return f"fd00::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"


def upload(client, data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        URL, {"file": SimpleUploadedFile("c.pdf", data, content_type="application/pdf")}
    )


def verdict(response) -> str:
    html = response.content.decode()
    start = html.index('data-testid="file-verdict"')
    return html[html.index(">", start) + 1 : html.index("</div>", start)].strip()


def _appended_update(data: bytes, *, title: str = "改过的证书") -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    info = writer.trailer["/Info"]
    info[generic.NameObject("/Title")] = generic.TextStringObject(title)
    writer.update_container(info)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def test_a_forgery_carrying_the_portals_certificate_is_not_issued_by_the_portal(
    client, certificate, settings, tmp_path, monkeypatch
):
    """A forger copies the portal's public certificate into a signature made with his
    own key: the signature is not the portal's, so the file is not "signed by the
    portal and changed" but 非本平台签发, and names no one."""
    portal = signing.signing_identity()
    other_key = tmp_path / "other.p12"
    other_key.write_bytes(signing.generate_test_pkcs12("x", common_name="伪造者"))
    other = signing._load_identity(str(other_key), "x", other_key.stat().st_mtime_ns)
    forger = SimpleSigner(
        signing_cert=portal.certificate,
        signing_key=other.signer.signing_key,
        cert_registry=SimpleCertificateStore(),
    )
    unsigned = render_pdf(certificate_html([certificate]), stylesheets=(STYLESHEET,))
    with monkeypatch.context() as patch:
        patch.setattr(
            signing, "signing_identity", lambda: dataclasses.replace(portal, signer=forger)
        )
        forged = signing.sign_pdf(
            unsigned, kind="certificates.certificate", serial=certificate.serial
        )
    assert signing.verify_pdf(forged).outcome == signing.Outcome.FOREIGN
    response = upload(client, forged)
    assert verdict(response).startswith("非本平台签发")
    assert certificate.real_name not in response.content.decode()


def test_edited_files_of_the_portal_use_up_the_throttle(client, certificate):
    """An edited original still names its document, but anyone can make one: each
    counts as a failed attempt, and the client is held up like one sending junk."""
    edited = _appended_update(Path(certificate.pdf.path).read_bytes())
    for _ in range(VERIFY_ATTEMPTS):
        assert verdict(upload(client, edited)).startswith("文件被修改")
    assert upload(client, edited).status_code == 429


def test_a_file_declaring_many_signature_fields_is_answered_without_them(
    client, certificate, caplog
):
    """An update appending hundreds of signature fields (each one costly to parse, and
    each a warning quoting the file in pyHanko's log): the portal's field is the only
    one read; the answer is 文件被修改 and no log line carries the file's content."""
    marker = "adbe.marker-" + uuid.uuid4().hex[:8]
    writer = IncrementalPdfFileWriter(io.BytesIO(Path(certificate.pdf.path).read_bytes()))
    form = writer.root["/AcroForm"]
    fields = form["/Fields"]
    for number in range(500):
        value = generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Sig"),
                generic.NameObject("/SubFilter"): generic.NameObject("/" + marker),
                generic.NameObject("/Contents"): generic.ByteStringObject(b"\x00" * 8),
            }
        )
        field = generic.DictionaryObject(
            {
                generic.NameObject("/FT"): generic.NameObject("/Sig"),
                generic.NameObject("/T"): generic.TextStringObject(f"f{number}"),
                generic.NameObject("/V"): writer.add_object(value),
            }
        )
        fields.insert(0, writer.add_object(field))
    writer.update_container(form)
    output = io.BytesIO()
    writer.write(output)
    with caplog.at_level(logging.DEBUG):
        response = upload(client, output.getvalue())
    assert response.status_code == 200
    # The portal's field is not among the first ones looked at: not its document.
    assert verdict(response).startswith("非本平台签发")
    assert all(marker not in record.getMessage() for record in caplog.records)
    assert all(marker not in (record.exc_text or "") for record in caplog.records)


def test_a_declared_size_over_the_limit_is_refused_before_the_body_is_read(client):
    """The request says it is 20 MB; the body is never read (what it holds would be a
    fine small upload), the answer is 413 with the limit."""
    response = client.post(
        URL,
        data=b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(20 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "10 MB" in verdict(response)


def test_a_throttled_client_is_refused_before_its_body_is_parsed(certificate):
    """Once over the limit, a client's uploads are not parsed at all: a request with
    no CSRF token gets the 429, not the 403 that reading its form would give."""
    address = _address()
    strict = Client(enforce_csrf_checks=True, REMOTE_ADDR=address)
    loose = Client(REMOTE_ADDR=address)
    for _ in range(VERIFY_ATTEMPTS):
        assert upload(loose, b"junk").status_code == 200
    response = upload(strict, Path(certificate.pdf.path).read_bytes())
    assert response.status_code == 429
