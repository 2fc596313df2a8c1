"""Every compliant year: a professional requests the certificate of a finished year
that met its rule and has none; unit HR issues such years for the unit in one batch
over a range of years. Issued as usual, with the serial of the certificate's year."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import BatchFailure, Certificate, IssuanceBatch
from certificates.services import certificate_issue, certificate_revoke, verification_url
from credits.models import YearRule
from portal.models import JobStatus
from tests.certificates.conftest import decode_qr, make_compliant
from tests.factories import make_professional, move

THIS_YEAR = timezone.localdate().year
LAST_YEAR = THIS_YEAR - 1
PAST = 2022  # a finished year with a rule (rules are seeded for 2021–2026)


def out_of_range() -> str:
    """What a request for a year outside the finished years with a rule is told."""
    years = YearRule.objects.filter(year__lt=THIS_YEAR).values_list("year", flat=True)
    return f"只能申请已结束且有学时要求的年度（{min(years)}年至{max(years)}年）的证书。"


def request_year(client, year):
    return client.post(reverse("certificates:past_year"), {"year": year}, follow=True)


def page_text(response) -> str:
    return response.content.decode()


@pytest.mark.django_db
class TestTheList:
    def test_lists_compliant_finished_years_without_a_certificate(self, client, alice, hr_a):
        for year in (2021, 2022, 2023, THIS_YEAR):
            make_compliant(alice, year)
        make_compliant(alice, 2024, public=20)  # short
        certificate_issue(person=alice, year=2023, issued_by=hr_a, render=False)
        client.force_login(alice)

        listed = client.get(reverse("certificates:mine")).context["past_years"]

        assert [status.year for status in listed] == [2022, 2021]

    def test_the_button_leads_to_a_confirmation_that_writes_nothing(self, client, alice):
        make_compliant(alice, PAST, public=31.5)
        client.force_login(alice)

        response = client.get(reverse("certificates:past_year"), {"year": PAST})

        assert response.status_code == 200
        text = page_text(response)
        assert "公需科目31.5学时" in text and "专业科目60.0学时" in text
        assert 'method="post"' in text
        assert not Certificate.objects.exists()


@pytest.mark.django_db
class TestRequest:
    def test_a_request_issues_the_certificate_with_a_serial_of_its_year(
        self, client, alice, hr_a, eager_celery, django_capture_on_commit_callbacks
    ):
        make_compliant(alice, 2024)
        make_compliant(alice, PAST)
        certificate_issue(person=alice, year=2024, issued_by=hr_a, render=False)
        client.force_login(alice)

        with django_capture_on_commit_callbacks(execute=True):
            response = request_year(client, PAST)

        certificate = Certificate.objects.get(person=alice, year=PAST)
        assert certificate.serial == f"SD{PAST}000001"
        assert certificate.issued_by == alice
        assert certificate.pdf_sha256  # rendered like any certificate
        assert f"您的{PAST}年度证书已发放，证书编号{certificate.serial}。" in page_text(response)
        assert response.context["past_years"] == []

    def test_the_certificate_qr_opens_its_verification_page(
        self, client, alice, eager_celery, django_capture_on_commit_callbacks, tmp_path
    ):
        make_compliant(alice, PAST)
        client.force_login(alice)
        with django_capture_on_commit_callbacks(execute=True):
            request_year(client, PAST)
        certificate = Certificate.objects.get(person=alice, year=PAST)

        decoded = decode_qr(certificate.pdf.path, tmp_path)

        assert decoded == verification_url(certificate)
        client.logout()
        page = client.get(decoded.removeprefix("http://127.0.0.1:8000"))
        assert page.status_code == 200
        assert alice.masked_id_number in page_text(page)
        assert alice.id_number not in page_text(page)

    def test_a_second_request_of_the_same_year_is_refused(self, client, alice):
        make_compliant(alice, PAST)
        client.force_login(alice)
        request_year(client, PAST)

        response = request_year(client, PAST)

        assert f"已持有{PAST}年度有效证书" in page_text(response)
        assert Certificate.objects.count() == 1

    def test_a_year_that_missed_its_rule_is_refused_with_the_reason(self, client, alice):
        make_compliant(alice, PAST, professional=48)
        client.force_login(alice)

        response = request_year(client, PAST)

        assert "专业科目还差 12.0 学时" in page_text(response)
        assert not Certificate.objects.exists()

    @pytest.mark.parametrize(
        ("year", "required"),
        [
            (THIS_YEAR, False),
            (THIS_YEAR + 1, False),
            (2019, False),
            ("２０２２", False),
            ("٢٠٢٢", False),
            ("abc", False),
            ("99999999999999999999", False),
            ("", True),
        ],
        ids=[
            "this-year",
            "next-year",
            "no-rule",
            "full-width",
            "arabic-indic",
            "letters",
            "huge",
            "empty",
        ],
    )
    def test_a_year_outside_the_range_or_malformed_is_refused(self, client, alice, year, required):
        for compliant in (PAST, THIS_YEAR):
            make_compliant(alice, compliant)
        client.force_login(alice)

        response = request_year(client, year)

        assert response.redirect_chain[-1][0] == reverse("certificates:mine")
        message = "这个字段是必填项。" if required else out_of_range()
        assert message in page_text(response)
        assert not Certificate.objects.exists()

    def test_a_year_hr_revoked_is_not_offered_again_and_hr_reissues_it(self, client, alice, hr_a):
        make_compliant(alice, PAST)
        certificate = certificate_issue(person=alice, year=PAST, issued_by=hr_a, render=False)
        certificate_revoke(
            certificate=certificate,
            category="hours_reduced",
            reason="学时录入有误",
            revoked_by=hr_a,
        )
        client.force_login(alice)

        listed = client.get(reverse("certificates:mine")).context["past_years"]
        response = request_year(client, PAST)

        assert PAST not in [status.year for status in listed]
        assert f"您的{PAST}年度证书已被人事部门撤销，只能由单位人事部门重新发放。" in page_text(
            response
        )
        assert not Certificate.objects.filter(status=Certificate.Status.VALID).exists()
        client.force_login(hr_a)
        client.post(reverse("certificates:issue", args=[alice.pk]), {"year": PAST})
        assert Certificate.objects.filter(status=Certificate.Status.VALID, year=PAST).count() == 1

    def test_a_past_year_names_the_unit_she_was_in_that_year(self, client, alice, unit_a, unit_b):
        """She moved from unit A to unit B in March 2024: her certificate of 2022 is
        unit A's, of last year unit B's."""
        for year in (PAST, LAST_YEAR):
            make_compliant(alice, year)
        move(alice, unit_a, unit_b, at=timezone.make_aware(datetime.datetime(2024, 3, 1, 9)))
        client.force_login(alice)

        for year in (PAST, LAST_YEAR):
            request_year(client, year)

        by_year = {c.year: c for c in Certificate.objects.filter(person=alice)}
        assert (by_year[PAST].unit, by_year[PAST].unit_name) == (unit_a, unit_a.name)
        assert (by_year[LAST_YEAR].unit, by_year[LAST_YEAR].unit_name) == (unit_b, unit_b.name)

    def test_hr_cannot_request_as_a_professional(self, client, hr_a, alice):
        make_compliant(alice, PAST)
        client.force_login(hr_a)

        assert client.post(reverse("certificates:past_year"), {"year": PAST}).status_code == 403
        assert not Certificate.objects.exists()

    def test_a_request_never_reaches_someone_else(self, client, alice, bob):
        """The request names a year only: it is always the requester's own."""
        make_compliant(bob, PAST)
        client.force_login(alice)

        response = client.post(
            reverse("certificates:past_year"), {"year": PAST, "person": bob.pk}, follow=True
        )

        assert "公需科目还差 30.0 学时" in page_text(response)
        assert not Certificate.objects.exists()


@pytest.mark.django_db
class TestRangeBatch:
    def test_unit_hr_issues_every_compliant_year_of_a_range(
        self, client, hr_a, unit_a, alice, bob, eager_celery, django_capture_on_commit_callbacks
    ):
        carol = make_professional(unit_a, real_name="卡罗尔")
        for year in (2021, 2022, 2023):
            make_compliant(alice, year)
            make_compliant(bob, year)  # another unit: not hr_a's
        make_compliant(carol, 2022)
        make_compliant(carol, 2023, public=10)  # short in 2023
        certificate_issue(person=alice, year=2022, issued_by=hr_a, render=False)
        client.force_login(hr_a)

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("certificates:batch_new"), {"year": 2021, "end_year": 2023}, follow=True
            )

        batch = IssuanceBatch.objects.get()
        assert (batch.year, batch.end_year, batch.years_label) == (2021, 2023, "2021–2023")
        assert (batch.status, batch.total, batch.done, batch.failed) == (JobStatus.DONE, 3, 3, 0)
        assert batch.skipped == 1  # alice's 2022
        issued = set(Certificate.objects.filter(batch=batch).values_list("person", "year"))
        assert issued == {(alice.pk, 2021), (alice.pk, 2023), (carol.pk, 2022)}
        assert not Certificate.objects.filter(person=bob).exists()
        serials = Certificate.objects.filter(batch=batch).values_list("year", "serial")
        assert all(serial.startswith(f"SD{year}") for year, serial in serials)
        assert all(c.pdf_sha256 for c in Certificate.objects.filter(batch=batch))
        assert "2021–2023" in page_text(response)

    def test_a_rerun_of_the_range_issues_nothing_twice(
        self, client, hr_a, alice, eager_celery, django_capture_on_commit_callbacks
    ):
        for year in (2021, 2022):
            make_compliant(alice, year)
        client.force_login(hr_a)
        for _ in range(2):
            with django_capture_on_commit_callbacks(execute=True):
                client.post(reverse("certificates:batch_new"), {"year": 2021, "end_year": 2022})

        assert Certificate.objects.count() == 2
        second = IssuanceBatch.objects.order_by("pk").last()
        assert (second.total, second.skipped, second.status) == (0, 2, JobStatus.DONE)

    def test_a_refused_person_year_is_a_failure_of_that_year(
        self, client, hr_a, alice, eager_celery, django_capture_on_commit_callbacks
    ):
        """A person refused in one year (her name cannot be drawn) is a failure of
        each such year; the other people and years go on."""
        from tests.certificates.test_glyphs import NO_FONT_NAME, _named

        for year in (2021, 2022):
            make_compliant(_named(alice, NO_FONT_NAME), year)
        client.force_login(hr_a)

        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("certificates:batch_new"), {"year": 2021, "end_year": 2022})

        batch = IssuanceBatch.objects.get()
        assert sorted(BatchFailure.objects.values_list("year", flat=True)) == [2021, 2022]
        assert (batch.status, batch.failed, batch.total) == (JobStatus.DONE, 2, 2)

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            ({"year": 2023, "end_year": 2021}, "截止年度不能早于起始年度。"),
            ({"year": 2021, "end_year": "２０２３"}, "请选择已设定学时要求的年度"),
            ({"year": 2021, "end_year": "abc"}, "请选择已设定学时要求的年度"),
            ({"year": 2021, "end_year": "99999999999999999999"}, "请选择已设定学时要求的年度"),
            ({"year": 2019, "end_year": 2022}, "请选择已设定学时要求的年度"),
        ],
        ids=["backwards", "full-width", "letters", "huge", "no-rule"],
    )
    def test_a_bad_range_is_refused_and_nothing_written(self, client, hr_a, alice, data, message):
        make_compliant(alice, 2021)
        client.force_login(hr_a)

        response = client.post(reverse("certificates:batch_new"), data, follow=True)

        assert message in page_text(response)
        assert not IssuanceBatch.objects.exists()
        assert not Certificate.objects.exists()

    def test_the_range_form_offers_the_longest_range_a_batch_takes(self, client, hr_a):
        for year in range(2010, 2021):  # rules of earlier years, as the admin adds them
            YearRule.objects.create(year=year, public_min=30, professional_min=60)
        client.force_login(hr_a)

        html = page_text(client.get(reverse("certificates:unit"), {"year": 2025}))

        form = html[html.index('data-testid="range-batch"') :]
        assert '<option value="2016" selected>' in form[: form.index('id="range-to"')]
        assert '<option value="2025" selected>' in form[form.index('id="range-to"') :]

    def test_a_professional_cannot_start_a_batch(self, client, alice):
        client.force_login(alice)
        response = client.post(reverse("certificates:batch_new"), {"year": 2021, "end_year": 2022})
        assert response.status_code == 403
        assert not IssuanceBatch.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("held", [False, True], ids=["short-year", "already-issued"])
def test_the_confirmation_is_not_offered_for_a_year_that_cannot_be_requested(
    client, alice, hr_a, held
):
    make_compliant(alice, PAST, public=30 if held else 12)
    if held:
        certificate_issue(person=alice, year=PAST, issued_by=hr_a, render=False)
    client.force_login(alice)

    response = client.get(reverse("certificates:past_year"), {"year": PAST}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("certificates:mine")
    assert f"不能申请{PAST}年度证书" in page_text(response)
    assert Certificate.objects.count() == (1 if held else 0)
