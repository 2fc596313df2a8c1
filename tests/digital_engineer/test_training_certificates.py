"""培训合格证书: only for the hours done, stating them, rendered on the worker with the
portal's own address in the QR code, and listed in the holder's 我的证书."""

import ast
import io
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from credits.models import CreditEntry
from credits.selectors import year_status
from digital_engineer import services
from digital_engineer.models import (
    Trainee,
    TrainingCertificate,
)
from digital_engineer.selectors import institution_overview
from digital_engineer.services import class_close, roster_xlsx, trainee_enrol, trainee_record
from portal.models import Membership
from tests.factories import make_training_class
from tests.pdfs import pdf_text

THEORY, PRACTICE = 80, 48  # unequal, so that the text shows which is which


@pytest.fixture
def klass(institution, jinan):
    return make_training_class(
        institution, jinan, theory_hours=THEORY, practice_hours=PRACTICE, capacity=10
    )


def trainee_with(klass, person, theory, practice, scores=(80, 80)) -> Trainee:
    trainee = trainee_enrol(
        training_class=klass, id_number=person.id_number, real_name=person.real_name
    )
    return trainee_record(
        trainee=trainee,
        theory_attended=theory,
        practice_attended=practice,
        theory_score=scores[0],
        practice_score=scores[1],
    )


@pytest.mark.django_db
class TestHoursDone:
    def test_a_trainee_short_of_the_theory_hours_gets_no_certificate_and_no_hours(
        self, klass, alice
    ):
        trainee = trainee_with(klass, alice, THEORY - 4, PRACTICE, scores=(90, 90))
        class_close(training_class=klass, closed_by=None)
        assert not TrainingCertificate.objects.filter(trainee=trainee).exists()
        assert not CreditEntry.objects.filter(person=alice).exists()
        assert year_status(alice, 2025).professional == 0

    def test_a_trainee_short_of_the_practice_hours_is_listed_as_failed_on_the_roster(
        self, klass, alice
    ):
        trainee_with(klass, alice, THEORY, PRACTICE - 1, scores=(90, 90))
        class_close(training_class=klass, closed_by=None)
        rows = list(load_workbook(io.BytesIO(roster_xlsx(klass))).active.values)
        assert rows[1][6] == "不合格" and rows[1][7] in ("", None)

    def test_the_certificate_and_the_ledger_state_theory_and_practice_hours_each(
        self, klass, alice, eager_celery, django_capture_on_commit_callbacks
    ):
        """What the PDF and the ledger say, each figure in its place (the class's
        hours are unequal so that the text shows which is which). A certified trainee
        attended exactly the class's hours (no more can be recorded, fewer earn no
        certificate: the tests above), so this cannot tell attended from planned
        hours; the pass rule is what keeps certificates to the hours done."""
        trainee = trainee_with(klass, alice, THEORY, PRACTICE)
        with django_capture_on_commit_callbacks(execute=True):
            class_close(training_class=klass, closed_by=None)
        certificate = TrainingCertificate.objects.get(trainee=trainee)
        assert certificate.pdf, "the worker stored the PDF after the class closed"
        text = pdf_text(certificate.pdf.path)
        assert f"理论 {THEORY}.0 学时，实操 {PRACTICE}.0 学时" in text
        assert certificate.serial in text and alice.real_name in text
        assert year_status(alice, 2025).professional == Decimal(THEORY + PRACTICE)

    @pytest.mark.parametrize(
        ("theory", "practice", "scores", "passed"),
        [
            (THEORY, PRACTICE, (60, 60), True),
            (THEORY - 4, PRACTICE, (90, 90), False),
            (THEORY, PRACTICE - 1, (90, 90), False),
            (THEORY, PRACTICE, (59, 90), False),
            (THEORY, PRACTICE, (90, None), False),
            (0, 0, (100, 100), False),
        ],
    )
    def test_every_place_that_decides_passed_agrees(
        self, klass, alice, jinan_hr, theory, practice, scores, passed
    ):
        trainee = trainee_with(klass, alice, theory, practice, scores)
        assert trainee.passed is passed
        assert Trainee.objects.passed().filter(pk=trainee.pk).exists() is passed
        [row] = institution_overview(Membership.objects.get(user=jinan_hr))
        assert row["pass_rate"] == (100.0 if passed else 0.0)
        class_close(training_class=klass, closed_by=None)
        assert TrainingCertificate.objects.filter(trainee=trainee).exists() is passed
        assert CreditEntry.objects.filter(person=alice).exists() is passed


@pytest.mark.django_db
class TestRendering:
    @pytest.fixture
    def certificate(self, klass, alice):
        trainee = trainee_with(klass, alice, THEORY, PRACTICE)
        class_close(training_class=klass, closed_by=None)  # its task is not run here
        return TrainingCertificate.objects.get(trainee=trainee)

    def test_the_qr_code_opens_the_configured_portal_address(self, certificate, settings, tmp_path):
        settings.PORTAL_BASE_URL = "https://jxjy.example.cn/"
        rendered = services.training_certificate_render(certificate.pk)
        subprocess.run(
            ["pdftoppm", "-r", "150", "-png", rendered.pdf.path, str(tmp_path / "page")],
            check=True,
        )
        [image] = tmp_path.glob("page*.png")
        decoded = subprocess.run(
            ["zbarimg", "--quiet", "--raw", str(image)], capture_output=True, text=True, check=True
        ).stdout.strip()
        assert decoded == f"https://jxjy.example.cn/verify/training/{certificate.verification_code}"
        assert decoded in pdf_text(rendered.pdf.path).replace("\n", "")

    def test_rendering_twice_keeps_one_file(self, certificate):
        first = services.training_certificate_render(certificate.pk).pdf.name
        again = services.training_certificate_render(certificate.pk).pdf.name
        assert first == again
        folder = Path(settings.PRIVATE_MEDIA_ROOT) / Path(first).parent
        assert [p.name for p in folder.iterdir()] == [Path(first).name]

    def test_the_download_says_it_is_being_prepared_and_does_not_follow_the_referer(
        self, client, certificate, alice
    ):
        client.force_login(alice)
        url = reverse("digital_engineer:certificate_pdf", kwargs={"pk": certificate.pk})
        response = client.get(url, HTTP_REFERER="https://elsewhere.example/")
        assert response.status_code == 202
        assert "PDF正在生成" in response.content.decode()

    def test_the_download_serves_the_stored_file(self, client, certificate, alice, bob):
        stored = services.training_certificate_render(certificate.pk)
        url = reverse("digital_engineer:certificate_pdf", kwargs={"pk": certificate.pk})
        client.force_login(alice)
        response = client.get(url)
        assert response["Content-Type"] == "application/pdf"
        with open(stored.pdf.path, "rb") as handle:
            assert b"".join(response.streaming_content) == handle.read()
        client.force_login(bob)
        assert client.get(url).status_code == 404


@pytest.mark.django_db
class TestMyCertificates:
    def test_a_trainee_sees_her_training_certificate_beside_the_annual_ones(
        self, client, klass, alice, bob
    ):
        trainee = trainee_with(klass, alice, THEORY, PRACTICE)
        class_close(training_class=klass, closed_by=None)
        certificate = TrainingCertificate.objects.get(trainee=trainee)
        services.training_certificate_render(certificate.pk)
        client.force_login(alice)
        page = client.get(reverse("certificates:mine")).content.decode()
        assert "数字技术工程师培训合格证书" in page
        assert certificate.serial in page
        assert f"理论 {THEORY}.0 学时 + 实操 {PRACTICE}.0 学时" in page
        assert reverse("digital_engineer:certificate_pdf", kwargs={"pk": certificate.pk}) in page

        client.force_login(bob)
        assert certificate.serial not in client.get(reverse("certificates:mine")).content.decode()

    def test_the_public_lookup_finds_a_training_certificate_by_serial_and_name(
        self, client, klass, alice
    ):
        trainee = trainee_with(klass, alice, THEORY, PRACTICE)
        class_close(training_class=klass, closed_by=None)
        certificate = TrainingCertificate.objects.get(trainee=trainee)
        lookup = reverse("certificates:verify_form")
        found = client.post(lookup, {"serial": certificate.serial, "name": alice.real_name})
        page = reverse("digital_engineer:verify", kwargs={"code": certificate.verification_code})
        assert found.status_code == 302 and found["Location"] == page
        assert "该证书有效" in client.get(page).content.decode()
        # Another name finds nothing, and says so.
        wrong = client.post(lookup, {"serial": certificate.serial, "name": "王五"})
        assert wrong.status_code == 200
        assert "未找到与该证书编号和姓名相符的证书" in wrong.content.decode()

    def test_the_certificates_app_does_not_import_the_programmes_above_it(self):
        app = Path(settings.BASE_DIR) / "certificates"
        for source in app.rglob("*.py"):
            for node in ast.walk(ast.parse(source.read_text())):
                names = []
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom):
                    names = [node.module or ""]
                for name in names:
                    assert not name.startswith(("digital_engineer", "learning")), source
