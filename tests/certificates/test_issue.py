import re
from decimal import Decimal

import pytest

from certificates.models import Certificate, SerialCounter
from certificates.services import (
    CertificateError,
    certificate_issue,
    certificate_render,
    certificate_revoke,
)
from tests.certificates.conftest import YEAR, make_compliant, race
from tests.factories import UnitFactory, make_professional


@pytest.mark.django_db
class TestIssue:
    def test_compliant_year_gets_a_certificate_with_a_snapshot(self, alice, hr_a):
        make_compliant(alice, public=32, professional=61)
        certificate = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
        assert re.fullmatch(rf"SD{YEAR}\d{{6}}", certificate.serial)
        assert (certificate.public_hours, certificate.professional_hours) == (32, 61)
        assert certificate.total_hours == Decimal("93.0")
        assert certificate.real_name == alice.real_name
        assert certificate.unit_name == alice.profile.unit.name
        assert certificate.issuer_name == "山东省人力资源和社会保障厅"

    def test_verification_code_is_random_and_long(self, alice, bob, hr_a):
        codes = []
        for person in (alice, bob):
            make_compliant(person)
            certificate = certificate_issue(person=person, year=YEAR, issued_by=hr_a, render=False)
            assert len(certificate.verification_code) >= 22  # 16 random bytes, base64
            assert certificate.serial not in certificate.verification_code
            codes.append(certificate.verification_code)
        assert codes[0] != codes[1]

    def test_self_evaluating_unit_issues_its_own(self, alice, hr_a, unit_a):
        unit_a.is_self_evaluating = True
        unit_a.save()
        make_compliant(alice)
        certificate = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
        assert certificate.issuer_name == unit_a.name

    @pytest.mark.parametrize(("public", "professional"), [(29, 60), (30, 59), (0, 200)])
    def test_non_compliant_year_is_refused_and_nothing_written(
        self, alice, hr_a, public, professional
    ):
        make_compliant(alice, public=public, professional=professional)
        with pytest.raises(CertificateError, match="还差"):
            certificate_issue(person=alice, year=YEAR, issued_by=hr_a)
        assert not Certificate.objects.exists()
        assert not SerialCounter.objects.filter(last__gt=0).exists()

    def test_second_issue_for_the_same_year_is_refused(self, alice, hr_a):
        make_compliant(alice)
        certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
        with pytest.raises(CertificateError, match="已持有"):
            certificate_issue(person=alice, year=YEAR, issued_by=hr_a)
        assert Certificate.objects.count() == 1

    def test_revoke_then_reissue_gives_a_new_serial(self, alice, hr_a, province_hr):
        make_compliant(alice)
        first = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
        certificate_revoke(
            certificate=first, category="corrected", reason="学时更正", revoked_by=province_hr
        )
        second = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
        first.refresh_from_db()
        assert first.status == Certificate.Status.REVOKED
        assert first.revoked_reason == "学时更正"
        assert second.serial != first.serial
        assert second.is_valid

    def test_revoking_twice_is_refused(self, alice, hr_a):
        make_compliant(alice)
        certificate = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
        certificate_revoke(
            certificate=certificate, category="corrected", reason="更正", revoked_by=hr_a
        )
        with pytest.raises(CertificateError):
            certificate_revoke(
                certificate=certificate, category="other", reason="再次", revoked_by=hr_a
            )

    def test_serials_count_up_per_year(self, alice, bob, hr_a):
        make_compliant(alice)
        make_compliant(bob)
        make_compliant(alice, year=2024)
        a = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
        b = certificate_issue(person=bob, year=YEAR, issued_by=hr_a, render=False)
        c = certificate_issue(person=alice, year=2024, issued_by=hr_a, render=False)
        assert (a.serial, b.serial, c.serial) == (
            f"SD{YEAR}000001",
            f"SD{YEAR}000002",
            "SD2024000001",
        )

    def test_rendering_twice_writes_one_file(self, alice, hr_a, settings):
        make_compliant(alice)
        certificate = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
        first = certificate_render(certificate.pk)
        second = certificate_render(certificate.pk)
        assert first.pdf.name == second.pdf.name
        assert first.pdf_sha256 == second.pdf_sha256
        folder = settings.PRIVATE_MEDIA_ROOT / "certificates" / str(YEAR)
        assert [p.name for p in folder.iterdir()] == [f"{certificate.serial}.pdf"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestConcurrency:
    def test_two_concurrent_requests_issue_one_certificate(self):
        person = make_compliant(make_professional(UnitFactory()))
        results = race(
            [lambda: certificate_issue(person=person, year=YEAR, issued_by=None, render=False)] * 2,
            expected=(CertificateError,),
        )
        assert sum(isinstance(r, Certificate) for r in results) == 1
        assert sum(isinstance(r, CertificateError) for r in results) == 1
        assert Certificate.objects.filter(person=person, year=YEAR).count() == 1

    def test_concurrent_issues_get_unique_serials_without_gaps(self):
        unit = UnitFactory()
        people = [make_compliant(make_professional(unit)) for _ in range(8)]
        results = race(
            [
                (lambda p=p: certificate_issue(person=p, year=YEAR, issued_by=None, render=False))
                for p in people
            ],
            expected=(CertificateError,),
        )
        serials = sorted(r.serial for r in results)
        assert serials == [f"SD{YEAR}{n:06d}" for n in range(1, 9)]
