"""Signed PDFs: every stored document carries the portal's electronic seal (issue 17).

What a title-review office's software sees: a PAdES signature that pyHanko's
validator accepts against the portal's (test) key, covering the whole file, with the
document's serial under it; what a reader sees: the seal printed on the page.
"""

import hashlib
import io
import multiprocessing
import subprocess
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from certificates import signing
from certificates.services import certificate_issue, certificate_render
from digital_engineer import services as training
from digital_engineer.models import TrainingCertificate
from tests.certificates.conftest import YEAR, make_compliant
from tests.factories import make_training_class
from tests.pdfs import pdf_text


def signing_certificate(settings) -> asn1_x509.Certificate:
    """The certificate of the key the tests sign with, read from its PKCS#12 file as
    any outside party holding the file would."""
    data = Path(settings.SIGNING_PKCS12_PATH).read_bytes()
    _key, certificate, _chain = pkcs12.load_key_and_certificates(
        data, settings.SIGNING_PKCS12_PASSWORD.encode()
    )
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


@pytest.fixture
def rendered(alice, hr_a):
    make_compliant(alice)
    certificate = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
    return certificate_render(certificate.pk)


def validated(path: str, settings):
    reader = PdfFileReader(io.BytesIO(Path(path).read_bytes()))
    [signature] = reader.embedded_signatures
    context = ValidationContext(trust_roots=[signing_certificate(settings)])
    return signature, validate_pdf_signature(signature, context)


@pytest.mark.django_db
def test_a_certificate_pdf_validates_with_pyhanko_against_the_test_key(rendered, settings):
    signature, status = validated(rendered.pdf.path, settings)
    assert status.bottom_line, status.pretty_print_details()
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    # PAdES baseline B-B: the ETSI sub-filter, no timestamp.
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert status.timestamp_validity is None
    assert signature.field_name == signing.SIGNATURE_FIELD


@pytest.mark.django_db
def test_the_stored_sha256_is_that_of_the_signed_file(rendered):
    data = Path(rendered.pdf.path).read_bytes()
    assert rendered.pdf_sha256 == hashlib.sha256(data).hexdigest()
    assert PdfFileReader(io.BytesIO(data)).embedded_signatures


@pytest.mark.django_db
def test_the_file_names_its_document_under_the_signature(rendered):
    info = PdfReader(rendered.pdf.path).metadata
    assert info[signing.INFO_SERIAL] == rendered.serial
    assert info[signing.INFO_KIND] == "certificates.certificate"


@pytest.mark.django_db
def test_the_signed_certificate_still_reads_and_prints_as_before(rendered, alice):
    text = pdf_text(rendered.pdf.path)
    assert rendered.serial in text and alice.real_name in text
    assert rendered.pdf.size <= 100 * 1024


@pytest.mark.django_db
def test_the_seal_is_printed_on_the_page(rendered, tmp_path):
    """The signature's appearance is the seal, in red, in its box on page one."""
    reader = PdfReader(rendered.pdf.path)
    page = reader.pages[0]
    [widget] = [a.get_object() for a in page["/Annots"] if a.get_object().get("/FT") == "/Sig"]
    x1, y1, x2, y2 = (float(v) for v in widget["/Rect"])
    assert round((x2 - x1) / signing.MM) == signing.SEAL_MM
    subprocess.run(
        ["pdftoppm", "-r", "72", "-png", rendered.pdf.path, str(tmp_path / "page")], check=True
    )
    [png] = tmp_path.glob("page*.png")
    image = Image.open(png).convert("RGB")
    height = image.height
    seal = image.crop((int(x1), int(height - y2), int(x2), int(height - y1)))
    red = sum(1 for r, g, b in seal.get_flattened_data() if r > 150 and g < 100 and b < 100)
    assert red > 0.05 * seal.width * seal.height


@pytest.mark.django_db
def test_a_training_certificate_is_signed_through_the_same_path(
    settings, institution, jinan, alice
):
    from tests.digital_engineer.test_training_certificates import PRACTICE, THEORY, trainee_with

    klass = make_training_class(
        institution, jinan, theory_hours=THEORY, practice_hours=PRACTICE, capacity=10
    )
    trainee = trainee_with(klass, alice, THEORY, PRACTICE)
    training.class_close(training_class=klass, closed_by=None)
    certificate = TrainingCertificate.objects.get(trainee=trainee)
    rendered = training.training_certificate_render(certificate.pk)
    _signature, status = validated(rendered.pdf.path, settings)
    assert status.bottom_line
    assert rendered.pdf_sha256 == hashlib.sha256(Path(rendered.pdf.path).read_bytes()).hexdigest()
    info = PdfReader(rendered.pdf.path).metadata
    assert info[signing.INFO_SERIAL] == certificate.serial
    assert info[signing.INFO_KIND] == "digital_engineer.trainingcertificate"


def _ensure_and_fingerprint(path: str) -> str:
    signing.ensure_test_key(path, "pw")
    _key, certificate, _chain = pkcs12.load_key_and_certificates(Path(path).read_bytes(), b"pw")
    return certificate.fingerprint(certificate.signature_hash_algorithm).hex()


def test_processes_starting_at_once_share_one_test_key(tmp_path):
    """Two xdist workers (or a web process and a worker) that find no key at the same
    moment end up with the same one, and no half-written file is ever read."""
    path = str(tmp_path / "signing" / "key.p12")
    with multiprocessing.get_context("fork").Pool(4) as pool:
        fingerprints = pool.map(_ensure_and_fingerprint, [path] * 8)
    assert len(set(fingerprints)) == 1
    assert [p.name for p in (tmp_path / "signing").iterdir()] == ["key.p12"]
    assert _ensure_and_fingerprint(path) == fingerprints[0]  # kept, never replaced
