"""The certificate PDF as a reader, a printer and a phone camera see it."""

import subprocess

import pytest
from pypdf import PdfReader

from certificates.services import certificate_issue, certificate_render, verification_url
from tests.certificates.conftest import YEAR, make_compliant


@pytest.fixture
def rendered(alice, hr_a):
    make_compliant(alice, public=31.5, professional=64)
    certificate = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
    return certificate_render(certificate.pk)


@pytest.mark.django_db
def test_pdf_text_carries_the_certificate_in_chinese(rendered, alice):
    text = subprocess.run(
        ["pdftotext", "-layout", rendered.pdf.path, "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "专业技术人员继续教育电子证书",
        f"证书编号：{rendered.serial}",
        alice.real_name,
        f"{YEAR}年度",
        "31.5",
        "64.0",
        "95.5",
        "山东省人力资源和社会保障厅",
        alice.masked_id_number,
    ):
        assert expected in text
    assert alice.id_number not in text


@pytest.mark.django_db
def test_pdf_is_one_a4_landscape_page_with_embedded_subset_fonts(rendered):
    reader = PdfReader(rendered.pdf.path)
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape
    assert round(float(box.width) / 72 * 25.4) == 297
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = [fonts[key].get_object()["/BaseFont"] for key in fonts]
    assert all("+" in name for name in names)  # subset fonts are tagged ABCDEF+Name
    assert rendered.pdf.size <= 100 * 1024


@pytest.mark.django_db
def test_qr_code_decodes_to_the_verification_url(rendered, tmp_path):
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", rendered.pdf.path, str(tmp_path / "page")], check=True
    )
    [image] = tmp_path.glob("page*.png")
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert decoded == verification_url(rendered)
    assert decoded.endswith(f"/verify/{rendered.verification_code}")


@pytest.mark.django_db
def test_the_qr_code_opens_the_address_make_run_serves(alice, hr_a, settings, tmp_path):
    from tests.portal.test_settings import make_run_base_url

    settings.PORTAL_BASE_URL = make_run_base_url("PORT=8101")  # as `make run PORT=8101`
    make_compliant(alice)
    issued = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
    certificate = certificate_render(issued.pk)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", certificate.pdf.path, str(tmp_path / "page")], check=True
    )
    [image] = tmp_path.glob("page*.png")
    decoded = subprocess.run(
        ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert decoded == f"http://127.0.0.1:8101/verify/{certificate.verification_code}"


@pytest.mark.django_db
def test_stored_sha256_is_that_of_the_file(rendered):
    import hashlib

    with open(rendered.pdf.path, "rb") as handle:
        assert hashlib.sha256(handle.read()).hexdigest() == rendered.pdf_sha256
