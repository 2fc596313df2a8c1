"""Where the electronic seal lands on each kind of document (issue 17).

The seal is printed over the page: wherever it lands on text, that text can no longer
be read (the digital-engineer certificate's address line was half covered). Each
kind's template reserves its place; these tests read the signed file as a reader's
software does — the signature field's rectangle, the words on the page with their
boxes (poppler's pdftotext -bbox), the page drawn without the seal (pdftoppm
-hide-annotations) — and check that nothing printed lies under the seal. The annual
certificate is stamped over its issuer and date on purpose, and over nothing else.
"""

import re
import subprocess

import pytest
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from certificates import signing
from certificates.batches import bundle_create, bundle_render
from certificates.models import Certificate
from certificates.services import certificate_issue, certificate_render
from certificates.statements import statement_issue, statement_render
from certificates.title_documents import title_document_issue, title_document_render
from credits.eligibility import MAX_PERIOD_YEARS
from credits.models import YearRule
from digital_engineer import services as training
from digital_engineer.models import TrainingCertificate
from tests.certificates.conftest import make_compliant
from tests.credits.test_eligibility import credit_every_year
from tests.factories import make_training_class

THIS_YEAR = timezone.localdate().year
LONG_YEARS = range(THIS_YEAR - MAX_PERIOD_YEARS, THIS_YEAR)  # the longest review period


def seal_of(path) -> tuple[int, tuple[float, float, float, float]]:
    """The page (0-based) and rectangle (PDF points, origin bottom left) of the
    signature field that shows the seal."""
    for index, page in enumerate(PdfReader(path).pages):
        for annotation in page.get("/Annots") or ():
            widget = annotation.get_object()
            if widget.get("/FT") == "/Sig" and widget.get("/T") == signing.SIGNATURE_FIELD:
                return index, tuple(float(v) for v in widget["/Rect"])
    raise AssertionError("no seal in the file")


def words_under_seal(path) -> list[str]:
    """The words of the seal's page whose boxes meet the seal's rectangle."""
    index, (x1, y1, x2, y2) = seal_of(path)
    page = index + 1
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', html)[1])
    top, bottom = height - y2, height - y1  # pdftotext counts from the top
    return [
        word
        for left, up, right, down, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
            html,
        )
        if float(left) < x2 and float(right) > x1 and float(up) < bottom and float(down) > top
    ]


def ink_under_seal(path, tmp_path) -> float:
    """The share of the seal's rectangle that is printed on (text, QR code, rules) on
    its page drawn without the seal: 0 for a blank place."""
    index, (x1, y1, x2, y2) = seal_of(path)
    page = index + 1
    prefix = tmp_path / "bare"
    command = ["pdftoppm", "-r", "72", "-png", "-hide-annotations", "-singlefile"]
    pages = ["-f", str(page), "-l", str(page)]
    subprocess.run([*command, *pages, str(path), str(prefix)], check=True)
    image = Image.open(f"{prefix}.png").convert("L")
    # At 72 dpi a pixel is a point; the page is drawn from the top.
    crop = image.crop((int(x1), int(image.height - y2), int(x2), int(image.height - y1)))
    pixels = list(crop.get_flattened_data())
    return sum(1 for value in pixels if value < 200) / len(pixels)


def seal_size_mm(path) -> float:
    _index, (x1, _y1, x2, _y2) = seal_of(path)
    return (x2 - x1) / signing.MM


@pytest.mark.django_db
class TestSealCoversNoText:
    def test_the_annual_certificate_is_stamped_over_its_issuer_and_date_only(self, alice, hr_a):
        make_compliant(alice, 2024)
        certificate = certificate_issue(person=alice, year=2024, issued_by=hr_a, render=False)
        path = certificate_render(certificate.pk).pdf.path

        index, (x1, y1, _x2, _y2) = seal_of(path)
        words = words_under_seal(path)

        assert index == 0 and round(seal_size_mm(path)) == signing.SEAL_MM
        # Where it has always been: 30 % across, 16 mm from the foot of the page.
        assert (round(x1 / signing.MM, 1), round(y1 / signing.MM, 1)) == (89.1, 16.0)
        assert words and all(w.startswith(("发证单位：", "发证日期：")) for w in words), words

    def test_a_bundle_carries_the_seal_where_its_first_certificate_does(self, alice, hr_a):
        make_compliant(alice, 2024)
        certificate = certificate_issue(person=alice, year=2024, issued_by=hr_a, render=False)
        single = seal_of(certificate_render(certificate.pk).pdf.path)
        bundle = bundle_create(unit=alice.profile.unit, year=2024, requested_by=hr_a)
        bundle = bundle_render(bundle.pk)

        assert seal_of(bundle.pdf.path) == single

    def test_the_training_certificate_leaves_its_address_line_readable(
        self, settings, institution, jinan, alice, tmp_path
    ):
        from tests.digital_engineer.test_training_certificates import trainee_with

        # A long address and institution name: the lines grow, not into the seal.
        settings.PORTAL_BASE_URL = "https://jxjy.hrss.shandong.gov.cn/continuing-education"
        institution.name = "山东省数字技术工程师培训与评价示范中心有限责任公司"
        institution.save()
        klass = make_training_class(
            institution, jinan, theory_hours=80, practice_hours=48, capacity=10
        )
        trainee = trainee_with(klass, alice, 80, 48)
        training.class_close(training_class=klass, closed_by=None)
        certificate = TrainingCertificate.objects.get(trainee=trainee)
        path = training.training_certificate_render(certificate.pk).pdf.path

        assert settings.PORTAL_BASE_URL in "".join(PdfReader(path).pages[0].extract_text())
        assert round(seal_size_mm(path)) == signing.SEAL_MM
        assert words_under_seal(path) == []
        assert ink_under_seal(path, tmp_path) == 0

    @pytest.mark.parametrize("years", ["short", "longest"])
    def test_the_statement_has_its_seal_above_the_issuer_however_long_it_runs(
        self, alice, hr_a, tmp_path, years
    ):
        if years == "short":
            credit_every_year(alice)
            start, end = 2022, 2025
        else:  # ten years, none met: a line of shortfalls for each under the table
            start, end = LONG_YEARS[0], LONG_YEARS[-1]
        statement = statement_issue(person=alice, start_year=start, end_year=end, issued_by=hr_a)
        path = statement_render(statement.pk).pdf.path

        index, _rect = seal_of(path)
        page = PdfReader(path).pages[index].extract_text()

        assert statement.issuer_name in page  # on the page that carries the issuer
        assert words_under_seal(path) == []
        assert ink_under_seal(path, tmp_path) == 0

    def test_the_title_document_has_its_seal_clear_of_the_longest_table(
        self, alice, hr_a, tmp_path
    ):
        for year in LONG_YEARS:
            YearRule.objects.get_or_create(
                year=year, defaults={"public_min": 30, "professional_min": 60}
            )
            make_compliant(alice, year)
            certificate_issue(person=alice, year=year, issued_by=hr_a, render=False)
        # Their own PDFs are not needed: the document draws its certificate pages.
        Certificate.objects.filter(person=alice).update(pdf_sha256="0" * 64)
        document = title_document_issue(person=alice, years=list(LONG_YEARS), issued_by=alice)
        path = title_document_render(document.pk).pdf.path

        index, _rect = seal_of(path)

        assert index == 0  # the summary page, not a certificate's
        assert len(PdfReader(path).pages) == 1 + MAX_PERIOD_YEARS
        assert words_under_seal(path) == []
        assert ink_under_seal(path, tmp_path) == 0


def test_a_page_that_marks_no_place_gets_the_default_one():
    """A document whose template reserves no place still gets its seal, on page one
    (the renderer's warm-up signs such a page)."""
    from io import BytesIO

    from portal.pdf import render_pdf

    signed = signing.sign_pdf(render_pdf("<p>没有印章位置</p>"), issuer="测试")
    reader = PdfReader(BytesIO(signed))
    [widget] = [a.get_object() for a in reader.pages[0]["/Annots"]]
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert [round(float(v), 2) for v in widget["/Rect"]] == [
        round(v, 2) for v in signing.default_seal_box(width, height)
    ]
