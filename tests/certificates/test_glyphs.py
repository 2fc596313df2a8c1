"""Names no font can draw: a certificate either draws every character of its text
with a real glyph, or is refused and flagged for provincial HR. Checked on the PDF's
embedded fonts, not on extracted text (an empty box still extracts as the name)."""

import io
import re

import pytest
from django.urls import reverse
from fontTools.pens.boundsPen import ControlBoundsPen
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from certificates.batches import batch_create
from certificates.models import BatchFailure, Certificate, IssuanceBatch
from certificates.services import certificate_issue, certificate_render
from portal.models import AuditLog, Role, User
from portal.pdf import FONT_STACK
from tests.certificates.conftest import YEAR, make_compliant
from tests.portal.test_home import home_url

EXT_E_NAME = "林𬌗"  # U+2C317, CJK Extension E
EXT_F_NAME = "林𬺰"  # U+2CEB0, CJK Extension F: only Hanazono's HanaMinB has it
NO_FONT_NAME = "林\ue000"  # a private-use code point: no font of the stack has it


def drawn_characters(path) -> dict[str, str]:
    """Each character the PDF draws with a real glyph (not .notdef, with an outline),
    mapped to the embedded font that draws it: the ToUnicode map gives the glyph
    id of each character, the embedded font program its outline."""
    drawn = {}
    for page in PdfReader(path).pages:
        fonts = page["/Resources"]["/Font"]
        for key in fonts:
            font = fonts[key].get_object()
            to_unicode = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            pairs = [
                (int(cid, 16), bytes.fromhex(text).decode("utf-16-be"))
                for block in re.findall(r"beginbfchar(.*?)endbfchar", to_unicode, re.S)
                for cid, text in re.findall(r"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block)
            ]
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            program = descriptor.get("/FontFile2") or descriptor.get("/FontFile3")
            embedded = TTFont(io.BytesIO(program.get_object().get_data()))
            order, glyphs = embedded.getGlyphOrder(), embedded.getGlyphSet()
            for gid, text in pairs:
                if gid == 0 or gid >= len(order):
                    continue
                pen = ControlBoundsPen(glyphs)
                glyphs[order[gid]].draw(pen)
                if pen.bounds is not None:
                    drawn[text] = str(font["/BaseFont"])
    return drawn


def _named(person, name):
    User.objects.filter(pk=person.pk).update(real_name=name)
    person.refresh_from_db()
    return person


@pytest.mark.django_db
@pytest.mark.parametrize("name", [EXT_E_NAME, EXT_F_NAME])
def test_a_rare_name_character_is_drawn_with_its_glyph(alice, hr_a, name):
    make_compliant(_named(alice, name))
    certificate = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)

    certificate = certificate_render(certificate.pk)

    assert certificate.pdf_sha256 and certificate.render_blocked == ""
    drawn = drawn_characters(certificate.pdf.path)
    assert name[1] in drawn, drawn
    if name == EXT_F_NAME:
        assert "HanaMinB" in drawn[name[1]]


def test_every_pdf_template_names_the_whole_font_stack():
    from django.conf import settings

    templates = settings.BASE_DIR / "templates"
    for path in [
        templates / "certificates" / "certificate.css",
        templates / "digital_engineer" / "certificate_pdf.html",
        templates / "certificates" / "statement.css",
        templates / "certificates" / "title_document.css",
        templates / "credits" / "report_pdf.html",
        templates / "learning" / "plan_pdf.html",
    ]:
        [declaration] = re.findall(r"font-family:([^;]*);", path.read_text())
        families = [f.strip().strip('"') for f in declaration.split(",")]
        assert set(FONT_STACK) <= set(families), path


@pytest.mark.django_db
def test_a_character_no_font_draws_is_refused_and_flagged(client, alice, hr_a, province_hr):
    make_compliant(_named(alice, NO_FONT_NAME))
    certificate = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)

    certificate = certificate_render(certificate.pk)

    certificate.refresh_from_db()
    assert certificate.render_blocked == "\ue000"
    assert not certificate.pdf and certificate.pdf_sha256 == ""
    [entry] = AuditLog.objects.filter(action="certificates.certificate.render_blocked")
    assert entry.payload["code_points"] == ["U+E000"]
    certificate_render(certificate.pk)  # refused again: no second entry
    assert AuditLog.objects.filter(action="certificates.certificate.render_blocked").count() == 1

    client.force_login(alice)
    page = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert page.status_code == 409
    assert "已通知省人社厅处理" in page.content.decode()

    client.force_login(province_hr)
    listed = client.get(reverse("certificates:blocked")).content.decode()
    assert certificate.serial in listed and "缺字无法生成的证书" in listed
    home = client.get(home_url(Role.PROVINCE_HR)).content.decode()
    assert re.search(
        r'fs-3 fw-semibold">1</div>\s*<div class="small text-muted">缺字无法生成的证书', home
    )


@pytest.mark.django_db
def test_other_roles_do_not_see_the_flagged_list(client, hr_a):
    client.force_login(hr_a)
    assert client.get(reverse("certificates:blocked")).status_code in (403, 404)


@pytest.mark.django_db
def test_a_batch_counts_a_refused_certificate_as_failed_and_finishes(
    hr_a, unit_a, alice, eager_celery, django_capture_on_commit_callbacks
):
    from tests.factories import make_professional

    make_compliant(_named(alice, NO_FONT_NAME))
    make_compliant(make_professional(unit_a))

    with django_capture_on_commit_callbacks(execute=True):
        batch = batch_create(year=YEAR, requested_by=hr_a, unit=unit_a)

    batch = IssuanceBatch.objects.get(pk=batch.pk)
    assert batch.finished and (batch.done, batch.failed) == (1, 1)
    failure = BatchFailure.objects.get(batch=batch)
    assert failure.person_id == alice.pk and "U+E000" in failure.reason
    assert Certificate.objects.get(person=alice).render_blocked == "\ue000"


@pytest.mark.django_db
def test_a_training_certificate_no_font_draws_is_refused_and_listed(
    client, klass_and_trainee, province_hr
):
    from digital_engineer import services as training

    certificate = klass_and_trainee
    certificate = training.training_certificate_render(certificate.pk)

    certificate.refresh_from_db()
    assert certificate.render_blocked == "\ue000" and not certificate.pdf
    assert AuditLog.objects.filter(
        action="digital_engineer.trainingcertificate.render_blocked"
    ).exists()
    client.force_login(province_hr)
    assert certificate.serial in client.get(reverse("certificates:blocked")).content.decode()
    download = client.get(reverse("digital_engineer:certificate_pdf", args=[certificate.pk]))
    assert download.status_code == 409


@pytest.fixture
def klass_and_trainee(institution, jinan, alice):
    from digital_engineer.models import TrainingCertificate
    from digital_engineer.services import class_close
    from tests.digital_engineer.test_training_certificates import trainee_with
    from tests.factories import make_training_class

    klass = make_training_class(institution, jinan, theory_hours=80, practice_hours=48, capacity=10)
    trainee = trainee_with(klass, _named(alice, NO_FONT_NAME), 80, 48)
    class_close(training_class=klass, closed_by=None)
    return TrainingCertificate.objects.get(trainee=trainee)


@pytest.mark.django_db
def test_an_eligibility_statement_no_font_draws_is_refused(client, alice):
    from certificates.statements import statement_issue, statement_render
    from tests.credits.test_eligibility import PERIOD, credit_every_year

    credit_every_year(_named(alice, NO_FONT_NAME))
    statement = statement_issue(
        person=alice, start_year=PERIOD[0], end_year=PERIOD[1], issued_by=alice
    )

    statement = statement_render(statement.pk)

    assert statement.render_blocked == "\ue000" and not statement.pdf
    assert AuditLog.objects.filter(action="certificates.statement.render_blocked").exists()
    client.force_login(alice)
    response = client.get(reverse("certificates:statement_pdf", kwargs={"pk": statement.pk}))
    assert response.status_code == 409
    assert "证书字体无法显示的字" in response.content.decode()
