"""A professional requests the certificate of a past compliant year in 我的证书, then
makes one PDF of her certificates for a title application and downloads it."""

import io

import pytest
from pypdf import PdfReader

from certificates.models import Certificate, TitleDocument
from certificates.services import certificate_issue
from tests.certificates.conftest import make_compliant
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

# live_server needs committed data; serialized_rollback restores the data
# migrations' rows (cities, year rules, the conversion table) after each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_past_year_on_request_then_one_pdf_of_two_years(
    browser, live_server, alice, hr_a, eager_celery
):
    make_compliant(alice, 2022)  # compliant, no certificate yet
    make_compliant(alice, 2023)
    certificate_issue(person=alice, year=2023, issued_by=hr_a)

    def steps(page):
        log_in(page, live_server.url, alice.phone, PASSWORD)
        page.get_by_role("link", name="我的证书").first.click()
        page.wait_for_load_state()
        offered = page.get_by_test_id("past-years").inner_text()
        page.get_by_test_id("past-years").get_by_role("button", name="申请证书").click()
        page.wait_for_load_state()
        confirmation = page.get_by_test_id("past-year-confirm").inner_text()
        page.get_by_role("button", name="确认发放证书").click()
        page.wait_for_load_state()
        issued_message = page.locator(".alert").first.inner_text()
        still_offered = page.get_by_test_id("past-years").count()

        page.get_by_role("link", name="职称申报证书合订本（一个PDF）").click()
        page.wait_for_load_state()
        page.get_by_label("2022年度", exact=False).check()
        page.get_by_label("2023年度", exact=False).check()
        page.get_by_role("button", name="生成合订本（PDF）").click()
        page.wait_for_load_state()
        row = page.get_by_test_id("title-documents").locator("tbody tr").first
        href = row.get_by_role("link", name="下载PDF").get_attribute("href")
        response = page.request.get(live_server.url + href)
        pdf = (response.status, response.headers["content-type"], response.body())
        return offered, confirmation, issued_message, still_offered, row.inner_text(), pdf

    offered, confirmation, issued_message, still_offered, row, pdf = browser.run(steps)

    assert "2022" in offered and "2023" not in offered
    assert "公需科目30.0学时" in confirmation
    certificate = Certificate.objects.get(person=alice, year=2022)
    assert certificate.serial.startswith("SD2022")
    assert certificate.serial in issued_message
    assert still_offered == 0
    document = TitleDocument.objects.get()
    assert document.serial in row and "2022、2023" in row
    status, content_type, body = pdf
    assert status == 200 and content_type == "application/pdf"
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 3
    summary = reader.pages[0].extract_text()
    assert document.serial in summary and certificate.serial in summary
