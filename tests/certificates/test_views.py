"""Certificate pages: verification for the public, downloads, unit HR, provincial HR."""

import io
import sys

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from certificates.forms import VerifyForm
from certificates.models import Certificate, IssuanceBatch
from certificates.services import (
    CertificateError,
    certificate_issue,
    certificate_render,
    certificate_revoke,
)
from portal import throttle
from portal.models import JobStatus
from tests.certificates.conftest import UNKNOWN_CODES, YEAR, make_compliant
from tests.factories import make_professional


@pytest.fixture
def certificate(alice, hr_a):
    make_compliant(alice)
    issued = certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
    return certificate_render(issued.pk)


def verify_url(certificate):
    return reverse("certificates:verify", kwargs={"code": certificate.verification_code})


@pytest.mark.django_db
class TestVerification:
    def test_valid_certificate_shows_its_facts_and_masked_id(self, client, certificate, alice):
        page = client.get(verify_url(certificate)).content.decode()
        assert "该证书有效" in page
        assert certificate.serial in page
        assert alice.real_name in page
        assert alice.masked_id_number in page
        assert alice.id_number not in page
        assert certificate.pdf_sha256 in page

    def test_revoked_certificate_says_so_with_the_date(self, client, certificate, province_hr):
        certificate_revoke(
            certificate=certificate,
            category="hours_reduced",
            reason="学时更正",
            revoked_by=province_hr,
        )
        certificate.refresh_from_db()
        page = client.get(verify_url(certificate)).content.decode()
        revoked_on = timezone.localtime(certificate.revoked_at)
        assert f"该证书已于{revoked_on:%Y-%m-%d}撤销（学时核减）" in page
        assert "学时更正" not in page  # the free-text reason stays with the issuer

    @pytest.mark.parametrize("code", [*UNKNOWN_CODES, "../../etc"])
    def test_unknown_or_malformed_code_is_a_bare_404(self, client, certificate, code):
        response = client.get(f"/verify/{code}")
        assert response.status_code == 404
        assert certificate.real_name not in response.content.decode()

    def test_serial_and_name_lead_to_the_certificate(self, client, certificate, alice):
        response = client.post(
            reverse("certificates:verify_form"),
            {"serial": certificate.serial.lower(), "name": alice.real_name},
        )
        assert response.url == verify_url(certificate)

    def test_serial_with_the_wrong_name_reveals_nothing(self, client, certificate, alice):
        response = client.post(
            reverse("certificates:verify_form"), {"serial": certificate.serial, "name": "张三"}
        )
        page = response.content.decode()
        assert "未找到与该证书编号和姓名相符的证书" in page
        assert alice.real_name not in page

    def test_the_form_is_rate_limited_per_client(self, client, certificate, alice):
        url = reverse("certificates:verify_form")
        for _ in range(10):
            client.post(url, {"serial": "SD2025999999", "name": "张三"})
        response = client.post(url, {"serial": certificate.serial, "name": alice.real_name})
        assert response.status_code == 429
        assert "查询次数过多" in response.content.decode()

    def test_successful_lookups_never_lock_an_honest_client_out(self, client, certificate, alice):
        """An HR office checking a stack of certificates from one address."""
        url = reverse("certificates:verify_form")
        for _ in range(11):
            response = client.post(url, {"serial": certificate.serial, "name": alice.real_name})
            assert response.status_code == 302
            assert response.url == verify_url(certificate)
        for _ in range(9):  # successes left the whole allowance of failures
            response = client.post(url, {"serial": certificate.serial, "name": "张三"})
            assert "未找到与该证书编号和姓名相符的证书" in response.content.decode()
        response = client.post(url, {"serial": certificate.serial, "name": alice.real_name})
        assert response.url == verify_url(certificate)
        client.post(url, {"serial": certificate.serial, "name": "张三"})  # the tenth failure
        response = client.post(url, {"serial": certificate.serial, "name": alice.real_name})
        assert response.status_code == 429
        assert "查询次数过多" in response.content.decode()

    def test_a_success_leaves_the_count_of_failures_as_it_was(self, client, certificate, alice):
        url = reverse("certificates:verify_form")
        request = RequestFactory().post(url, REMOTE_ADDR=client.defaults["REMOTE_ADDR"])
        for _ in range(3):
            client.post(url, {"serial": certificate.serial, "name": "张三"})
        assert throttle.failures("verify", request) == 3
        client.post(url, {"serial": certificate.serial, "name": alice.real_name})
        assert throttle.failures("verify", request) == 3

    def test_a_burst_of_guesses_in_flight_at_once_gets_no_more_than_ten_answers(
        self, client, certificate, monkeypatch
    ):
        """Twenty wrong guesses sent together: each is still being looked up when the
        next one arrives, so none has failed yet when the others are checked."""
        url = reverse("certificates:verify_form")
        guess = {"serial": certificate.serial, "name": "张三"}
        sent, statuses = [1], []
        clean = VerifyForm.clean

        def clean_while_the_next_guess_arrives(form):
            if sent[0] < 20:
                sent[0] += 1
                statuses.append(client.post(url, guess).status_code)
            return clean(form)

        monkeypatch.setattr(VerifyForm, "clean", clean_while_the_next_guess_arrives)
        depth = sys.getrecursionlimit()
        sys.setrecursionlimit(5000)  # twenty requests, each inside the one before
        try:
            statuses.append(client.post(url, guess).status_code)
        finally:
            sys.setrecursionlimit(depth)
        assert statuses.count(200) == 10
        assert statuses.count(429) == 10


@pytest.mark.django_db
class TestDownload:
    @pytest.mark.parametrize(
        ("member", "status"),
        [
            ("alice", 200),
            ("hr_a", 200),
            ("province_hr", 200),
            ("hr_b", 404),
            ("bob", 404),
            ("jinan_hr", 403),
            ("health_admin", 403),
        ],
    )
    def test_who_may_download(self, client, cast, certificate, member, status):
        client.force_login(cast[member])
        response = client.get(reverse("certificates:pdf", kwargs={"pk": certificate.pk}))
        assert response.status_code == status
        if status == 200:
            assert b"".join(response.streaming_content).startswith(b"%PDF")

    def test_my_certificates_lists_mine(self, client, alice, certificate):
        client.force_login(alice)
        page = client.get(reverse("certificates:mine")).content.decode()
        assert certificate.serial in page
        assert reverse("certificates:pdf", kwargs={"pk": certificate.pk}) in page


@pytest.mark.django_db
class TestUnitHr:
    def test_counts_issued_eligible_and_not_eligible(self, client, hr_a, unit_a, certificate):
        make_compliant(make_professional(unit_a))
        make_compliant(make_professional(unit_a), public=10)
        client.force_login(hr_a)
        counts = client.get(reverse("certificates:unit"), {"year": YEAR}).context["counts"]
        assert counts == {"issued": 1, "eligible": 1, "not_eligible": 1}

    def test_issue_one_then_it_renders(
        self, client, hr_a, alice, eager_celery, django_capture_on_commit_callbacks
    ):
        make_compliant(alice)
        client.force_login(hr_a)
        url = reverse("certificates:issue", kwargs={"person_pk": alice.pk})
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"year": YEAR}, follow=True)
        certificate = Certificate.objects.get(person=alice)
        assert f"已为{alice.real_name}发放证书{certificate.serial}" in response.content.decode()
        assert certificate.pdf_sha256

    def test_issuing_a_short_year_says_why(self, client, hr_a, alice):
        make_compliant(alice, professional=50)
        client.force_login(hr_a)
        url = reverse("certificates:issue", kwargs={"person_pk": alice.pk})
        response = client.post(url, {"year": YEAR}, follow=True)
        assert "专业科目还差 10.0 学时" in response.content.decode()
        assert not Certificate.objects.exists()

    def test_hr_of_another_unit_cannot_issue(self, client, hr_b, alice):
        make_compliant(alice)
        client.force_login(hr_b)
        url = reverse("certificates:issue", kwargs={"person_pk": alice.pk})
        assert client.post(url, {"year": YEAR}).status_code == 404
        assert not Certificate.objects.exists()

    def test_batch_issues_to_everybody_eligible_and_a_rerun_issues_nothing(
        self, client, hr_a, unit_a, eager_celery, django_capture_on_commit_callbacks
    ):
        people = [make_compliant(make_professional(unit_a)) for _ in range(3)]
        make_compliant(make_professional(unit_a), public=0)
        client.force_login(hr_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("certificates:batch_new"), {"year": YEAR})
        batch = IssuanceBatch.objects.get()
        assert response.url == reverse("certificates:batch", kwargs={"pk": batch.pk})
        assert (batch.status, batch.total, batch.done) == (JobStatus.DONE, 3, 3)
        assert set(Certificate.objects.values_list("person", flat=True)) == {p.pk for p in people}
        assert all(c.pdf_sha256 for c in Certificate.objects.all())

        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("certificates:batch_new"), {"year": YEAR})
        second = IssuanceBatch.objects.exclude(pk=batch.pk).get()
        assert (second.status, second.total, second.skipped) == (JobStatus.DONE, 0, 3)
        assert Certificate.objects.count() == 3

    def test_batch_page_polls_until_done(self, client, hr_a, unit_a):
        batch = IssuanceBatch.objects.create(
            year=YEAR, unit=unit_a, requested_by=hr_a, total=10, done=4
        )
        client.force_login(hr_a)
        url = reverse("certificates:batch", kwargs={"pk": batch.pk})
        page = client.get(url).content.decode()
        assert 'hx-trigger="every 2s"' in page
        assert "40%" in page
        partial = client.get(url, HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in partial and "40%" in partial

    def test_hr_of_another_unit_cannot_see_the_batch(self, client, hr_a, hr_b, unit_a):
        batch = IssuanceBatch.objects.create(year=YEAR, unit=unit_a, requested_by=hr_a)
        client.force_login(hr_b)
        assert client.get(reverse("certificates:batch", kwargs={"pk": batch.pk})).status_code == 404

    def test_revoke_and_reissue(self, client, hr_a, alice, certificate):
        client.force_login(hr_a)
        url = reverse("certificates:revoke", kwargs={"pk": certificate.pk})
        client.post(url, {"category": "corrected", "reason": "学时更正后重新发证"})
        certificate.refresh_from_db()
        assert certificate.status == Certificate.Status.REVOKED
        assert certificate.get_revocation_category_display() == "信息更正后换发"
        issue = reverse("certificates:issue", kwargs={"person_pk": alice.pk})
        client.post(issue, {"year": YEAR})
        new = Certificate.objects.get(person=alice, status=Certificate.Status.VALID)
        assert new.serial != certificate.serial

    def test_printable_bundle_has_a_page_per_certificate(
        self, client, hr_a, unit_a, alice, eager_celery, django_capture_on_commit_callbacks
    ):
        for person in (alice, make_professional(unit_a)):
            make_compliant(person)
            certificate_issue(person=person, year=YEAR, issued_by=hr_a, render=False)
        client.force_login(hr_a)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("certificates:bundle_new"), {"year": YEAR})
        page = client.get(response.url)
        assert "下载打印合集" in page.content.decode()
        bundle = page.context["bundle"]
        pdf = client.get(reverse("certificates:bundle_pdf", kwargs={"pk": bundle.pk}))
        reader = PdfReader(io.BytesIO(b"".join(pdf.streaming_content)))
        assert len(reader.pages) == 2


@pytest.mark.django_db
class TestProvincialHr:
    def test_search_by_serial_or_id_number(self, client, province_hr, certificate, alice):
        client.force_login(province_hr)
        for q in (certificate.serial, alice.id_number):
            results = client.get(reverse("certificates:search"), {"q": q}).context["results"]
            assert list(results) == [certificate]

    def test_revoke_needs_a_reason(self, client, province_hr, certificate):
        client.force_login(province_hr)
        url = reverse("certificates:revoke", kwargs={"pk": certificate.pk})
        assert client.post(url, {"category": "corrected", "reason": ""}).status_code == 200
        certificate.refresh_from_db()
        assert certificate.is_valid

    def test_revoke_needs_a_category(self, client, province_hr, certificate):
        """The category is what the public reads: HR chooses it, none is assumed."""
        client.force_login(province_hr)
        url = reverse("certificates:revoke", kwargs={"pk": certificate.pk})
        page = client.get(url).content.decode()
        assert "撤销类别" in page and "弄虚作假" in page and "学时核减" in page
        for category in ("", "revoked_by_the_issuer"):
            response = client.post(url, {"category": category, "reason": "材料不实"})
            assert response.status_code == 200
            assert "请选择撤销类别。" in response.content.decode()
        certificate.refresh_from_db()
        assert certificate.is_valid and certificate.revocation_category == ""

        with pytest.raises(CertificateError, match="请选择撤销类别"):
            certificate_revoke(
                certificate=certificate, category="", reason="材料不实", revoked_by=province_hr
            )

    def test_professionals_cannot_search(self, client, alice):
        client.force_login(alice)
        assert client.get(reverse("certificates:search")).status_code == 403


@pytest.mark.django_db
def test_unit_list_flags_a_certificate_whose_year_was_corrected(client, hr_a, certificate, alice):
    from credits.models import CreditEntry
    from credits.services import credit_reverse

    client.force_login(hr_a)
    url = reverse("certificates:unit")
    assert "学时已变更" not in client.get(url, {"year": YEAR}).content.decode()
    entry = CreditEntry.objects.filter(person=alice, year=YEAR).first()
    credit_reverse(entry=entry, reason="更正", reversed_by=hr_a)
    assert "学时已变更" in client.get(url, {"year": YEAR}).content.decode()


@pytest.mark.django_db
def test_provincial_hr_batch_for_a_city(
    client, province_hr, jinan, unit_a, unit_b, eager_celery, django_capture_on_commit_callbacks
):
    in_jinan = make_compliant(make_professional(unit_a))
    make_compliant(make_professional(unit_b))  # 青岛
    client.force_login(province_hr)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("certificates:batch_new"), {"year": YEAR, "city": jinan.pk})
    batch = IssuanceBatch.objects.get()
    assert batch.city == jinan
    assert list(Certificate.objects.values_list("person", flat=True)) == [in_jinan.pk]


@pytest.mark.django_db
def test_a_batch_finishes_when_certificates_were_issued_meanwhile(
    hr_a, unit_a, eager_celery, django_capture_on_commit_callbacks
):
    from certificates.batches import batch_create, batch_issue_chunk, batch_refresh

    people = [make_compliant(make_professional(unit_a)) for _ in range(3)]
    batch = batch_create(year=YEAR, requested_by=hr_a, unit=unit_a)  # not run yet
    certificate_issue(person=people[0], year=YEAR, issued_by=hr_a, render=False)  # by hand
    batch_issue_chunk(batch.pk, [p.pk for p in people])
    batch = batch_refresh(batch.pk)
    assert (batch.status, batch.done, batch.total) == (JobStatus.DONE, 2, 2)
    assert not batch.failures.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "prefix", ["/verify/", "/verify/statements/", "/verify/documents/", "/verify/training/"]
)
@pytest.mark.parametrize(
    "code", ["A" * 16 + "%00", "%00" * 16, "证书" * 11, "A" * 22 + "%E2%80%8B"]
)
def test_every_verification_address_answers_404_to_a_code_no_code_can_be(client, prefix, code):
    """One URL converter (portal.converters) for every code: a NUL byte or a
    non-ASCII character never reaches PostgreSQL (which refuses NUL: a 500)."""
    assert client.get(prefix + code).status_code == 404
