"""Why a certificate was revoked, as the public reads it: the category the revoking HR
chose (信息更正后换发 / 学时核减 / 弄虚作假 / 其他), on the verification page and in
the check of the file; and the revocations made before there were categories, given
the one the verification derived for them until then."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certificates.models import Certificate, RevocationCategory
from certificates.services import certificate_issue, certificate_revoke
from digital_engineer import services as training
from digital_engineer.models import TrainingCertificate
from tests.certificates.conftest import YEAR, make_compliant
from tests.factories import make_professional, make_training_certificate

certificates_backfill = importlib.import_module(
    "certificates.migrations.0005_revocation_category_backfilled"
)
training_backfill = importlib.import_module(
    "digital_engineer.migrations.0012_training_certificate_revocation_category_backfilled"
)

pytestmark = pytest.mark.django_db


def file_verdict(client, path) -> str:
    """The one line /verify/ answers for the file at `path`."""
    upload = SimpleUploadedFile("c.pdf", Path(path).read_bytes(), content_type="application/pdf")
    html = client.post(reverse("certificates:verify_file"), {"file": upload}).content.decode()
    start = html.index('data-testid="file-verdict"')
    return html[html.index(">", start) + 1 : html.index("</div>", start)].strip()


def test_the_four_categories_read_in_chinese():
    assert [str(label) for label in RevocationCategory.labels] == [
        "信息更正后换发",
        "学时核减",
        "弄虚作假",
        "其他",
    ]


def test_a_revoked_training_certificate_file_shows_its_category(
    client, institution, jinan, alice, province_hr
):
    certificate = make_training_certificate(institution, jinan, alice)
    rendered = training.training_certificate_render(certificate.pk)
    training.certificate_revoke(
        certificate=rendered, category="hours_reduced", reason="实操学时多报", revoked_by=None
    )
    rendered.refresh_from_db()

    line = file_verdict(client, rendered.pdf.path)

    revoked_on = timezone.localdate(rendered.revoked_at).isoformat()
    assert line.startswith(f"已撤销（{revoked_on}，学时核减）")
    assert "实操学时多报" not in line


def test_a_training_certificate_is_not_revoked_without_a_category(institution, jinan, alice):
    certificate = make_training_certificate(institution, jinan, alice)
    with pytest.raises(training.ProgrammeError, match="请选择撤销类别"):
        training.certificate_revoke(
            certificate=certificate, category="revoked", reason="x", revoked_by=None
        )
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


class TestBackfill:
    def revoke_before_categories(self, certificate, revoked_by):
        """Revoked as the portal did before categories: the row has none."""
        revoke = (
            training.certificate_revoke
            if isinstance(certificate, TrainingCertificate)
            else certificate_revoke
        )
        revoke(certificate=certificate, category="other", reason="旧的撤销", revoked_by=revoked_by)
        type(certificate).objects.filter(pk=certificate.pk).update(revocation_category="")

    def test_revoked_certificates_get_the_category_the_verification_derived(
        self, alice, unit_a, hr_a
    ):
        bob = make_professional(unit_a)
        for person in (alice, bob):
            make_compliant(person)
        reissued = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
        self.revoke_before_categories(reissued, hr_a)
        new = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
        not_reissued = certificate_issue(person=bob, year=YEAR, issued_by=hr_a, render=False)
        self.revoke_before_categories(not_reissued, hr_a)
        make_compliant(alice, YEAR - 1)
        chosen = certificate_issue(person=alice, year=YEAR - 1, issued_by=hr_a, render=False)
        certificate_revoke(certificate=chosen, category="falsified", reason="x", revoked_by=hr_a)

        certificates_backfill.forwards(apps, None)

        categories = dict(Certificate.objects.values_list("pk", "revocation_category"))
        assert categories == {
            reissued.pk: "corrected",  # a valid certificate of the year was issued after it
            not_reissued.pk: "other",  # revoked by the issuer, nothing issued since
            chosen.pk: "falsified",  # a category chosen already is kept
            new.pk: "",  # valid: none
        }

    def test_revoked_training_certificates_get_other(self, institution, jinan, alice, bob):
        revoked = make_training_certificate(institution, jinan, alice)
        self.revoke_before_categories(revoked, None)
        valid = make_training_certificate(institution, jinan, bob, name="另一个班")

        training_backfill.forwards(apps, None)

        categories = dict(TrainingCertificate.objects.values_list("pk", "revocation_category"))
        assert categories == {revoked.pk: "other", valid.pk: ""}
