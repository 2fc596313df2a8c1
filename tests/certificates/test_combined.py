"""One document for a title application: the professional picks years of her valid
certificates and gets one PDF, a summary page then one certificate page per year,
with a serial, QR code and verification page of its own."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from certificates.models import Certificate, TitleDocument
from certificates.services import (
    CertificateError,
    certificate_issue,
    certificate_render,
    certificate_revoke,
    verification_url,
)
from certificates.title_documents import (
    title_document_issue,
    title_document_render,
    title_document_verification_url,
)
from portal.models import AuditLog
from tests.certificates.conftest import UNKNOWN_CODES, decode_qr, make_compliant

THIS_YEAR = timezone.localdate().year
YEARS = (2022, 2023, 2024)


@pytest.fixture
def certificates(alice, hr_a):
    """Alice's certificates of 2022–2024 (31.5 public hours in 2023), rendered."""
    issued = {}
    for year in YEARS:
        make_compliant(alice, year, public=31.5 if year == 2023 else 30)
        certificate = certificate_issue(person=alice, year=year, issued_by=hr_a, render=False)
        issued[year] = certificate_render(certificate.pk)
    return issued


def make(client, years):
    return client.post(reverse("certificates:title_documents"), {"years": years}, follow=True)


def page_texts(path) -> list[str]:
    return [page.extract_text() for page in PdfReader(path).pages]


def verify_path(document) -> str:
    return title_document_verification_url(document).removeprefix("http://127.0.0.1:8000")


def file_verdict(client, document) -> str:
    """The one line /verify/ answers for the document's file."""
    data = Path(document.pdf.path).read_bytes()
    response = client.post(
        reverse("certificates:verify_file"),
        {"file": SimpleUploadedFile("document.pdf", data, content_type="application/pdf")},
    )
    html = response.content.decode()
    start = html.index('data-testid="file-verdict"')
    return html[html.index(">", start) + 1 : html.index("</div>", start)].strip()


@pytest.fixture
def document(client, alice, certificates, eager_celery, django_capture_on_commit_callbacks):
    """Alice's document of 2022 and 2024, made on the page and rendered."""
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        make(client, [2024, 2022])
    made = TitleDocument.objects.get()
    made.refresh_from_db()
    return made


@pytest.mark.django_db
class TestTheDocument:
    def test_it_holds_the_chosen_certificates_under_a_serial_of_its_own(
        self, document, alice, certificates
    ):
        assert document.serial == f"SDHD{THIS_YEAR}000001"
        assert document.person == alice
        held = list(document.certificates.order_by("year"))
        assert held == [certificates[2022], certificates[2024]]

    def test_a_summary_page_then_one_page_per_year(self, document, alice, certificates):
        reader = PdfReader(document.pdf.path)
        assert len(reader.pages) == 3
        summary, first, second = page_texts(document.pdf.path)

        assert f"文件编号：{document.serial}" in summary
        assert "专业技术人员继续教育证书汇总（职称申报用）" in summary
        for year in (2022, 2024):
            assert certificates[year].serial in summary
        assert certificates[2023].serial not in summary
        assert alice.masked_id_number in summary
        assert f"证书编号：{certificates[2022].serial}" in first
        assert f"证书编号：{certificates[2024].serial}" in second
        for text in (summary, first, second):
            assert alice.id_number not in text
        for page in reader.pages:  # A4 landscape, as the certificates
            assert float(page.mediabox.width) > float(page.mediabox.height)

    def test_the_summary_states_hours_per_subject(self, client, alice, certificates, hr_a):
        document = title_document_issue(person=alice, years=[2023, 2024], issued_by=alice)

        document = title_document_render(document.pk)

        lines = page_texts(document.pdf.path)[0].splitlines()
        rows = {
            line.split()[0]: line.split()[1:5] for line in lines if line[:4] in ("2023", "2024")
        }
        assert rows == {
            "2023": [certificates[2023].serial, "31.5", "60.0", "91.5"],
            "2024": [certificates[2024].serial, "30.0", "60.0", "90.0"],
        }

    def test_each_qr_code_opens_a_verification_page_that_answers_and_masks(
        self, document, client, alice, certificates, tmp_path
    ):
        client.logout()
        expected = {
            1: title_document_verification_url(document),
            2: verification_url(certificates[2022]),
            3: verification_url(certificates[2024]),
        }
        for page, url in expected.items():
            decoded = decode_qr(document.pdf.path, tmp_path, page)
            assert decoded == url
            response = client.get(decoded.removeprefix("http://127.0.0.1:8000"))
            assert response.status_code == 200
            html = response.content.decode()
            assert alice.masked_id_number in html
            assert alice.id_number not in html

    def test_the_verification_page_lists_the_certificates_and_a_later_revocation(
        self, document, client, certificates, province_hr
    ):
        html = client.get(verify_path(document)).content.decode()
        assert certificates[2022].serial in html and certificates[2024].serial in html
        assert 'data-testid="revoked"' not in html
        assert "alert-success" in html and f"文件{document.serial}由本平台出具。" in html

        certificate_revoke(
            certificate=certificates[2022],
            category="hours_reduced",
            reason="学时更正",
            revoked_by=province_hr,
        )

        html = client.get(verify_path(document)).content.decode()
        assert html.count('data-testid="revoked"') == 1
        revoked_on = timezone.localdate(Certificate.objects.get(year=2022).revoked_at)
        assert "alert-success" not in html
        assert (
            f"文件{document.serial}由本平台出具，但已撤销（{revoked_on:%Y-%m-%d}，"
            f"所含证书{certificates[2022].serial}：学时核减），该文件已失效。"
        ) in html

    def test_a_revoked_certificate_revokes_the_file_and_the_listing(
        self, document, client, alice, certificates, hr_a
    ):
        client.logout()
        assert file_verdict(client, document).startswith("有效")

        certificate_revoke(
            certificate=certificates[2024], category="corrected", reason="学时更正", revoked_by=hr_a
        )
        certificate_issue(person=alice, year=2024, issued_by=hr_a, render=False)

        revoked_on = timezone.localdate(
            Certificate.objects.get(serial=certificates[2024].serial).revoked_at
        )
        assert file_verdict(client, document) == (
            f"已撤销（{revoked_on.isoformat()}，所含证书{certificates[2024].serial}："
            "信息更正后换发）：该文件已失效。"
        )
        client.force_login(alice)
        page = client.get(reverse("certificates:mine")).content.decode()
        row = page[page.index(document.serial) :]
        row = row[: row.index("</tr>")]
        assert "已撤销" in row and certificates[2024].serial in row

    def test_the_download_and_the_list(self, document, client):
        response = client.get(
            reverse("certificates:title_document_pdf", kwargs={"pk": document.pk})
        )
        assert response.status_code == 200
        assert b"".join(response.streaming_content).startswith(b"%PDF")
        page = client.get(reverse("certificates:title_documents")).content.decode()
        assert document.serial in page
        assert document.serial in client.get(reverse("certificates:mine")).content.decode()

    def test_the_list_reads_the_same_queries_for_one_document_or_three(
        self, document, client, alice
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        def queries() -> int:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(reverse("certificates:title_documents")).status_code == 200
            return len(captured)

        one = queries()
        title_document_issue(person=alice, years=[2023], issued_by=alice)
        title_document_issue(person=alice, years=[2022, 2023], issued_by=alice)

        assert queries() == one

    def test_verify_form_finds_it_by_serial_and_name(self, document, client, alice):
        client.logout()
        response = client.post(
            reverse("certificates:verify_form"),
            {"serial": document.serial, "name": alice.real_name},
        )
        assert response.url == reverse(
            "certificates:title_document_verify", kwargs={"code": document.verification_code}
        )


@pytest.mark.django_db
class TestBadChoices:
    @pytest.mark.parametrize(
        ("years", "message"),
        [
            ([], "请至少选择一个年度。"),
            ([2021], "只能选择您持有有效证书的年度。"),
            ([THIS_YEAR + 1], "只能选择您持有有效证书的年度。"),
            (["２０２２"], "只能选择您持有有效证书的年度。"),
            (["٢٠٢٢"], "只能选择您持有有效证书的年度。"),
            (["abc"], "只能选择您持有有效证书的年度。"),
            (["99999999999999999999"], "只能选择您持有有效证书的年度。"),
            ([2022, "abc"], "只能选择您持有有效证书的年度。"),
        ],
        ids=[
            "none",
            "no-certificate",
            "future",
            "full-width",
            "arabic-indic",
            "letters",
            "huge",
            "one-bad-of-two",
        ],
    )
    def test_refused_with_a_message_and_nothing_written(
        self, client, alice, certificates, years, message
    ):
        make_compliant(alice, 2021)  # compliant, but no certificate
        client.force_login(alice)

        response = make(client, years)

        assert message in response.content.decode()
        assert not TitleDocument.objects.exists()

    def test_a_year_whose_certificate_was_revoked_is_refused(
        self, client, alice, certificates, province_hr
    ):
        certificate_revoke(
            certificate=certificates[2023],
            category="corrected",
            reason="学时更正",
            revoked_by=province_hr,
        )
        client.force_login(alice)

        response = make(client, [2023])

        assert "只能选择您持有有效证书的年度。" in response.content.decode()
        assert not TitleDocument.objects.exists()

    def test_the_service_names_the_years_without_a_certificate(self, alice, certificates):
        from certificates.services import CertificateError

        with pytest.raises(CertificateError, match="2020、2021年度没有有效证书，请先申请。"):
            title_document_issue(person=alice, years=[2020, 2021, 2022], issued_by=alice)
        assert not TitleDocument.objects.exists()

    def test_someone_elses_certificates_cannot_be_chosen(self, client, alice, bob, hr_b):
        make_compliant(bob, 2022)
        certificate_issue(person=bob, year=2022, issued_by=hr_b, render=False)
        client.force_login(alice)

        response = make(client, [2022])

        assert "只能选择您持有有效证书的年度。" in response.content.decode()
        assert not TitleDocument.objects.exists()

    def test_another_professionals_document_is_404(self, client, alice, bob, certificates):
        document = title_document_issue(person=alice, years=[2022], issued_by=alice)
        client.force_login(bob)

        url = reverse("certificates:title_document_pdf", kwargs={"pk": document.pk})
        assert client.get(url).status_code == 404

    def test_unit_hr_cannot_download_a_document(self, client, alice, hr_a, certificates):
        document = title_document_issue(person=alice, years=[2022], issued_by=alice)
        client.force_login(hr_a)

        url = reverse("certificates:title_document_pdf", kwargs={"pk": document.pk})
        assert client.get(url).status_code == 403

    def test_a_certificate_whose_pdf_is_not_rendered_yet_cannot_be_chosen(
        self, client, alice, hr_a, certificates
    ):
        make_compliant(alice, 2021)
        certificate_issue(person=alice, year=2021, issued_by=hr_a, render=False)  # no worker
        client.force_login(alice)

        page = client.get(reverse("certificates:title_documents"))
        assert [year for year, _label in page.context["form"].fields["years"].choices] == [
            2022,
            2023,
            2024,
        ]
        assert "只能选择您持有有效证书的年度。" in make(client, [2021]).content.decode()
        with pytest.raises(CertificateError, match="2021年度证书正在生成，请稍后再试。"):
            title_document_issue(person=alice, years=[2021, 2022], issued_by=alice)
        assert not TitleDocument.objects.exists()

    @pytest.mark.parametrize("who", ["hr_a", "province_hr"])
    def test_hr_does_not_make_them(self, client, cast, who):
        client.force_login(cast[who])
        assert (
            client.post(reverse("certificates:title_documents"), {"years": [2022]}).status_code
            == 403
        )

    @pytest.mark.parametrize("code", UNKNOWN_CODES)
    def test_unknown_codes_are_404(self, client, code):
        assert client.get(f"/verify/documents/{code}").status_code == 404

    def test_a_double_click_makes_one_document(self, client, alice, certificates):
        client.force_login(alice)

        make(client, [2022, 2024])
        make(client, [2024, 2022])

        document = TitleDocument.objects.get()
        assert sorted(document.certificates.values_list("year", flat=True)) == [2022, 2024]
        assert AuditLog.objects.filter(action="certificates.title_document.issued").count() == 1
        make(client, [2022])  # other years: a document of its own
        assert TitleDocument.objects.count() == 2

    def test_a_document_is_not_ready_until_the_worker_renders_it(self, client, alice, certificates):
        client.force_login(alice)
        make(client, [2022])  # no worker runs
        document = TitleDocument.objects.get()

        response = client.get(
            reverse("certificates:title_document_pdf", kwargs={"pk": document.pk})
        )

        assert response.status_code == 202
        assert Certificate.objects.filter(person=alice).count() == 3


@pytest.mark.django_db
def test_provincial_hr_opens_a_document_no_font_draws_from_its_list(
    client, alice, certificates, province_hr
):
    """Her name was corrected to one no font draws after her certificates were
    printed: the document is flagged, and provincial HR's link to it opens the page
    that says why, not a 403."""
    from tests.certificates.test_glyphs import NO_FONT_NAME, _named

    document = title_document_issue(
        person=_named(alice, NO_FONT_NAME), years=[2022], issued_by=alice
    )
    document = title_document_render(document.pk)
    assert document.render_blocked
    client.force_login(province_hr)

    listing = client.get(reverse("certificates:blocked"))
    [row] = [r for r in listing.context["rows"] if r.serial == document.serial]
    response = client.get(row.download_url)

    assert response.status_code == 409
    assert document.serial in response.content.decode()


@pytest.mark.django_db
def test_the_document_file_verifies_as_an_original_on_verify(document, client, alice):
    """Signed as one document: its file dropped on /verify/ is found by its serial."""
    data = Path(document.pdf.path).read_bytes()
    client.logout()

    response = client.post(
        reverse("certificates:verify_file"),
        {"file": SimpleUploadedFile("document.pdf", data, content_type="application/pdf")},
    )

    html = response.content.decode()
    assert response.status_code == 200
    start = html.index('data-testid="file-verdict"')
    assert html[html.index(">", start) + 1 :].lstrip().startswith("有效")
    assert document.serial in html
    assert alice.id_number not in html
