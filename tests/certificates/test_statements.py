"""Eligibility statements as documents: issued from the title-evaluation check with a
serial, a verification code and a QR code; what they state is fixed at issue, and
their public verification page says which years were corrected since."""

import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from certificates.models import EligibilityStatement, StatementYear
from certificates.statements import statement_issue, statement_verification_url
from credits.models import Category, CreditEntry, YearRule
from credits.services import credit_reverse
from portal.models import AuditLog
from tests.certificates.conftest import UNKNOWN_CODES, decode_qr
from tests.credits.test_eligibility import PERIOD, credit_every_year
from tests.factories import make_professional
from tests.pdfs import pdf_text

THIS_YEAR = timezone.localdate().year


def issue(client, person, period=PERIOD, **data):
    start, end = period
    url = reverse("certificates:statement_new", kwargs={"person_pk": person.pk})
    return client.post(url, {"start_year": start, "end_year": end, **data}, follow=True)


@pytest.fixture
def issued(client, alice, eager_celery, django_capture_on_commit_callbacks):
    """Alice's statement of 2022–2025, every year met, issued by herself and rendered."""
    credit_every_year(alice)
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = issue(client, alice)
    statement = EligibilityStatement.objects.get()
    statement.refresh_from_db()
    return response, statement


@pytest.mark.django_db
class TestIssue:
    def test_the_statement_gets_a_serial_of_this_year_and_its_years_as_they_stand(
        self, issued, alice
    ):
        response, statement = issued

        assert response.redirect_chain[-1][0] == reverse(
            "certificates:statement", kwargs={"pk": statement.pk}
        )
        assert f"已出具核验证明{statement.serial}" in response.content.decode()
        assert statement.serial == f"SDZM{THIS_YEAR}000001"
        assert (statement.start_year, statement.end_year, statement.met) == (2022, 2025, True)
        assert statement.issued_by == alice
        rows = list(statement.years.values_list("year", "public_hours", "professional_hours"))
        assert rows == [(y, Decimal("30.0"), Decimal("60.0")) for y in range(2022, 2026)]
        assert AuditLog.objects.filter(
            action="certificates.statement.issued", payload__serial=statement.serial
        ).exists()

    def test_serials_count_up_without_gaps(self, alice, hr_a):
        credit_every_year(alice)
        first = statement_issue(person=alice, start_year=2022, end_year=2025, issued_by=hr_a)
        second = statement_issue(person=alice, start_year=2023, end_year=2024, issued_by=hr_a)
        assert (first.serial, second.serial) == (
            f"SDZM{THIS_YEAR}000001",
            f"SDZM{THIS_YEAR}000002",
        )

    def test_the_pdf_carries_serial_verdict_masked_id_and_issuer(self, issued, alice):
        _response, statement = issued

        text = pdf_text(statement.pdf.path)

        assert f"证明编号：{statement.serial}" in text
        assert "专业技术人员职称申报继续教育学时核验证明" in text
        assert "艾丽丝" in text and "济南测试医院" in text
        assert alice.masked_id_number in text
        assert alice.id_number not in text
        assert "结论：达标" in text
        assert "山东省专业技术人员继续教育公共服务平台" in text
        with open(statement.pdf.path, "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == statement.pdf_sha256

    def test_a_short_period_is_stated_as_not_met_with_the_reason(
        self, client, hr_a, alice, eager_celery, django_capture_on_commit_callbacks
    ):
        credit_every_year(alice, hours={2024: (20, 60)})
        client.force_login(hr_a)
        with django_capture_on_commit_callbacks(execute=True):
            issue(client, alice)
        statement = EligibilityStatement.objects.get()

        text = pdf_text(statement.pdf.path)
        assert "结论：未达标" in text
        assert "2024年：公需科目还差 10.0 学时" in text
        assert not statement.met
        assert not statement.years.get(year=2024).met

    def test_the_qr_code_opens_the_verification_page_with_a_masked_id(
        self, issued, client, alice, tmp_path
    ):
        _response, statement = issued

        decoded = decode_qr(statement.pdf.path, tmp_path)

        assert decoded == statement_verification_url(statement)
        client.logout()
        page = client.get(decoded.removeprefix("http://127.0.0.1:8000"))
        assert page.status_code == 200
        html = page.content.decode()
        assert statement.serial in html
        assert alice.masked_id_number in html
        assert alice.id_number not in html
        assert "未发现出具后更正的年度" in html

    def test_the_download_opens_the_stored_file(self, issued, client):
        _response, statement = issued

        response = client.get(reverse("certificates:statement_pdf", kwargs={"pk": statement.pk}))

        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert "inline" in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")

    def test_a_double_click_issues_one_statement(self, client, alice):
        credit_every_year(alice)
        client.force_login(alice)

        first, second = issue(client, alice), issue(client, alice)

        statement = EligibilityStatement.objects.get()
        for response in (first, second):
            assert response.redirect_chain[-1][0] == reverse(
                "certificates:statement", kwargs={"pk": statement.pk}
            )
        assert AuditLog.objects.filter(action="certificates.statement.issued").count() == 1

    def test_the_same_period_with_other_hours_is_a_new_statement(self, client, alice, hr_a):
        credit_every_year(alice)
        client.force_login(alice)
        issue(client, alice)
        entry = CreditEntry.objects.filter(
            person=alice, year=2024, category=Category.PUBLIC
        ).first()
        credit_reverse(entry=entry, reason="重复登记", reversed_by=hr_a)

        issue(client, alice)

        assert [s.met for s in EligibilityStatement.objects.order_by("pk")] == [True, False]

    def test_the_file_is_stored_under_the_local_year_of_its_serial(self, alice, hr_a, monkeypatch):
        """00:30 on New Year's Day in Shandong is still the old year in UTC: the file
        goes under the year its serial counts in."""
        import datetime

        from certificates.statements import statement_render

        credit_every_year(alice)
        moment = timezone.make_aware(datetime.datetime(THIS_YEAR + 1, 1, 1, 0, 30))
        monkeypatch.setattr(timezone, "now", lambda: moment)

        statement = statement_issue(person=alice, start_year=2022, end_year=2025, issued_by=hr_a)
        statement = statement_render(statement.pk)

        assert statement.issued_at.astimezone(datetime.UTC).year == THIS_YEAR
        assert statement.serial == f"SDZM{THIS_YEAR + 1}000001"
        assert statement.pdf.name == f"statements/{THIS_YEAR + 1}/{statement.serial}.pdf"

    def test_until_the_worker_renders_it_the_download_says_it_is_being_prepared(
        self, client, alice
    ):
        credit_every_year(alice)
        client.force_login(alice)
        issue(client, alice)  # nothing runs the task: no worker
        statement = EligibilityStatement.objects.get()

        response = client.get(reverse("certificates:statement_pdf", kwargs={"pk": statement.pk}))

        assert response.status_code == 202
        assert statement.serial in response.content.decode()


@pytest.mark.django_db
class TestLaterEntries:
    def test_a_correction_after_issue_leaves_the_statement_and_the_page_says_so(
        self, issued, client, alice, hr_a
    ):
        _response, statement = issued
        stated_file = Path(statement.pdf.path).read_bytes()
        entry = CreditEntry.objects.filter(
            person=alice, year=2024, category=Category.PUBLIC
        ).first()

        credit_reverse(entry=entry, reason="重复登记", reversed_by=hr_a)

        statement.refresh_from_db()
        assert Path(statement.pdf.path).read_bytes() == stated_file
        assert statement.met
        assert hashlib.sha256(stated_file).hexdigest() == statement.pdf_sha256
        assert statement.years.get(year=2024).public_hours == Decimal("30.0")
        page = client.get(
            statement_verification_url(statement).removeprefix("http://127.0.0.1:8000")
        )
        html = page.content.decode()
        assert html.count('data-testid="corrected"') == 1
        assert "出具后学时已更正" in html
        assert "现为 15.0 + 60.0 学时" in html

    def test_a_rule_change_after_issue_leaves_the_statement_and_the_page_says_so(
        self, issued, client
    ):
        _response, statement = issued
        stated_file = Path(statement.pdf.path).read_bytes()
        path = statement_verification_url(statement).removeprefix("http://127.0.0.1:8000")
        before = client.get(path).content.decode()

        YearRule.objects.filter(year=2024).update(public_min=40)  # as the admin saves it

        statement.refresh_from_db()
        assert Path(statement.pdf.path).read_bytes() == stated_file
        after = client.get(path).content.decode()
        verdict = 'data-testid="statement-verdict">达标<'
        assert verdict in before and verdict in after
        assert statement.years.get(year=2024).met
        assert after.count('data-testid="corrected"') == 1
        assert "出具后该年度学时要求已调整" in after
        assert "现为 30.0 + 60.0 学时, 未达标" in after
        assert "未发现出具后更正的年度" in before and "未发现出具后更正的年度" not in after

    def test_my_certificates_shows_a_corrected_statement_as_such(self, issued, client, alice, hr_a):
        _response, statement = issued
        entry = CreditEntry.objects.filter(
            person=alice, year=2024, category=Category.PUBLIC
        ).first()
        credit_reverse(entry=entry, reason="重复登记", reversed_by=hr_a)

        page = client.get(reverse("certificates:mine")).content.decode()

        row = page[page.index(statement.serial) :]
        row = row[: row.index("</tr>")]
        assert "出具后已更正" in row and "2024年度" in row
        assert "有效" not in row

    def test_a_new_statement_states_the_corrected_hours(self, issued, alice, hr_a):
        _response, first = issued
        entry = CreditEntry.objects.filter(
            person=alice, year=2024, category=Category.PUBLIC
        ).first()
        credit_reverse(entry=entry, reason="重复登记", reversed_by=hr_a)

        second = statement_issue(person=alice, start_year=2022, end_year=2025, issued_by=hr_a)

        assert not second.met and first.met
        assert second.years.get(year=2024).public_hours == Decimal("15.0")


@pytest.mark.django_db
class TestWhoMayIssue:
    def test_hr_of_the_unit_issues_for_her_staff(self, client, hr_a, alice):
        credit_every_year(alice)
        client.force_login(hr_a)

        issue(client, alice)

        statement = EligibilityStatement.objects.get()
        assert statement.person == alice and statement.issued_by == hr_a
        detail = client.get(reverse("certificates:statement", kwargs={"pk": statement.pk}))
        assert detail.status_code == 200

    def test_a_professional_naming_someone_else_gets_404_and_nothing_is_written(
        self, client, alice, bob, unit_a
    ):
        colleague = make_professional(unit_a, real_name="陈晓明")
        client.force_login(alice)

        for person in (bob, colleague):
            assert issue(client, person).status_code == 404
        assert not EligibilityStatement.objects.exists()

    def test_hr_of_another_unit_gets_404(self, client, hr_b, alice, hr_a):
        client.force_login(hr_b)
        assert issue(client, alice).status_code == 404
        statement = statement_issue(person=alice, start_year=2022, end_year=2025, issued_by=hr_a)
        for name in ("certificates:statement", "certificates:statement_pdf"):
            assert client.get(reverse(name, kwargs={"pk": statement.pk})).status_code == 404
        assert EligibilityStatement.objects.count() == 1

    @pytest.mark.parametrize("person_pk", ["abc", "٣", "１", "-1", "99999999999999999999"])
    def test_malformed_person_ids_are_404(self, client, alice, person_pk):
        client.force_login(alice)

        response = client.post(
            f"/certificates/statements/new/{person_pk}/", {"start_year": 2022, "end_year": 2025}
        )

        assert response.status_code == 404
        assert not EligibilityStatement.objects.exists()

    def test_a_get_writes_nothing(self, client, alice):
        client.force_login(alice)
        url = reverse("certificates:statement_new", kwargs={"person_pk": alice.pk})
        assert client.get(url, {"start_year": 2022, "end_year": 2025}).status_code == 405
        assert not EligibilityStatement.objects.exists()


@pytest.mark.django_db
class TestBadPeriod:
    @pytest.mark.parametrize(
        ("period", "message"),
        [
            ((2025, 2022), "核验期须在2000年至{this_year}年之间，且起始年度不晚于截止年度。"),
            ((2010, 2025), "核验期最长10年。"),
            ((1999, 2005), "核验期须在2000年至{this_year}年之间"),
            ((2022, THIS_YEAR + 1), "核验期须在2000年至{this_year}年之间"),
            (("２０２２", 2025), "核验期须在2000年至{this_year}年之间"),
            (("٢٠٢٢", 2025), "核验期须在2000年至{this_year}年之间"),
            (("abc", 2025), "核验期须在2000年至{this_year}年之间"),
            (("99999999999999999999", 2025), "核验期须在2000年至{this_year}年之间"),
            (("", 2025), "这个字段是必填项。"),
        ],
        ids=[
            "backwards",
            "too-long",
            "too-early",
            "future",
            "full-width-digits",
            "arabic-indic-digits",
            "letters",
            "huge",
            "empty",
        ],
    )
    def test_a_bad_period_is_refused_with_a_message_and_nothing_written(
        self, client, alice, period, message
    ):
        client.force_login(alice)

        response = issue(client, alice, period)

        assert response.redirect_chain[-1][0] == reverse("credits:eligibility", args=[alice.pk])
        assert message.format(this_year=THIS_YEAR) in response.content.decode()
        assert not EligibilityStatement.objects.exists()
        assert not StatementYear.objects.exists()


@pytest.mark.django_db
class TestFound:
    def test_verify_form_finds_the_statement_by_serial_and_name(self, client, alice, hr_a):
        statement = statement_issue(person=alice, start_year=2022, end_year=2025, issued_by=hr_a)

        response = client.post(
            reverse("certificates:verify_form"),
            {"serial": statement.serial.lower(), "name": alice.real_name},
        )

        assert response.url == reverse(
            "certificates:statement_verify", kwargs={"code": statement.verification_code}
        )

    def test_the_wrong_name_finds_nothing(self, client, alice, hr_a):
        statement = statement_issue(person=alice, start_year=2022, end_year=2025, issued_by=hr_a)

        response = client.post(
            reverse("certificates:verify_form"), {"serial": statement.serial, "name": "张三"}
        )

        assert response.status_code == 200
        assert alice.real_name not in response.content.decode()

    @pytest.mark.parametrize("code", UNKNOWN_CODES)
    def test_unknown_codes_are_404(self, client, alice, hr_a, code):
        statement_issue(person=alice, start_year=2022, end_year=2025, issued_by=hr_a)
        response = client.get(f"/verify/statements/{code}")
        assert response.status_code == 404
        assert alice.real_name not in response.content.decode()

    def test_my_certificates_lists_the_statement(self, client, alice, hr_a):
        statement = statement_issue(person=alice, start_year=2022, end_year=2025, issued_by=hr_a)
        client.force_login(alice)

        page = client.get(reverse("certificates:mine")).content.decode()

        assert statement.serial in page
        assert "职称申报继续教育学时核验证明" in page


@pytest.mark.django_db
def test_the_statement_file_verifies_as_an_original_on_verify(issued, client, alice):
    """Stored through the one document path, the statement is signed like every
    certificate: its file dropped on /verify/ is found by its serial."""
    from pathlib import Path

    from django.core.files.uploadedfile import SimpleUploadedFile

    _response, statement = issued
    data = Path(statement.pdf.path).read_bytes()
    client.logout()

    response = client.post(
        reverse("certificates:verify_file"),
        {"file": SimpleUploadedFile("statement.pdf", data, content_type="application/pdf")},
    )

    html = response.content.decode()
    assert response.status_code == 200
    start = html.index('data-testid="file-verdict"')
    assert html[html.index(">", start) + 1 :].lstrip().startswith("有效")
    assert statement.serial in html
    assert alice.masked_id_number in html and alice.id_number not in html
