"""Registration checks (职业资格登记/注册学时核查; the notice, section 一): an industry
authority uploads its applicants (身份证号, 姓名, 年度) and gets back, per person and
year, met or not — for anyone in the province, and nothing else about them."""

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from certificates.models import RegistrationCheck, RegistrationCheckRow
from certificates.registration_checks import (
    RegistrationCheckError,
    registration_check_run,
    registration_check_verification_url,
    years_of,
)
from credits.models import Category, Source
from credits.services import credit_post
from portal.models import AuditLog, Membership, Role
from tests.factories import UserFactory, id_number_for, make_member, xlsx_upload
from tests.pdfs import pdf_text

pytestmark = pytest.mark.django_db

THIS_YEAR = timezone.localdate().year
HEADER = ["身份证号", "姓名", "年度"]
NEW = reverse("certificates:registration_check_new")
LIST = reverse("certificates:registration_checks")


def hours(person, year, public, professional):
    for category, amount in ((Category.PUBLIC, public), (Category.PROFESSIONAL, professional)):
        credit_post(
            person=person,
            year=year,
            category=category,
            hours=Decimal(amount),
            source=Source.COURSE,
            source_ref=f"regcheck-{person.pk}-{year}-{category}",
        )


def run(client, rows, *, kind="执业药师注册", purpose="2026年第二批注册申请"):
    data = {"kind": kind, "purpose": purpose, "file": xlsx_upload(HEADER, rows)}
    return client.post(NEW, data, follow=True)


def verdicts(check) -> dict:
    return {
        (row.real_name, row.year): (row.found, row.met)
        for row in RegistrationCheckRow.objects.filter(check_run=check)
    }


@pytest.fixture
def hours_of_alice_and_bob(alice, bob):
    """alice (济南, health): 2024 met, 2025 public short; bob (青岛, education): both
    years met."""
    hours(alice, 2024, 30, 60)
    hours(alice, 2025, 20, 60)
    hours(bob, 2024, 32, 61.5)
    hours(bob, 2025, 30, 60)


@pytest.fixture
def checked(
    client, health_admin, alice, bob, hours_of_alice_and_bob, django_capture_on_commit_callbacks
):
    """health_admin's check of alice and bob, 2024–2025; what it queued on commit (its
    PDF) in `check.queued`, not run."""
    client.force_login(health_admin)
    with django_capture_on_commit_callbacks() as queued:
        response = run(
            client,
            [[alice.id_number, "艾　丽丝", "2024-2025"], [bob.id_number, "鲍勃", "2024至2025"]],
        )
    check = RegistrationCheck.objects.get()
    check.queued = queued
    return response, check


@pytest.fixture
def rendered(checked, eager_celery):
    """The check of `checked` with its PDF rendered, signed and stored: what it queued,
    run as a worker runs it."""
    response, check = checked
    assert len(check.queued) == 1
    check.queued[0]()
    check.refresh_from_db()
    return response, check


class TestTheAnswer:
    def test_met_or_not_per_year_for_people_of_any_unit_and_city(self, checked, alice, bob):
        response, check = checked

        assert response.redirect_chain[-1][0] == reverse(
            "certificates:registration_check", kwargs={"pk": check.pk}
        )
        assert verdicts(check) == {
            ("艾丽丝", 2024): (True, True),
            ("艾丽丝", 2025): (True, False),  # public subjects short: 20 of 30
            ("鲍勃", 2024): (True, True),  # another city, another authority's unit
            ("鲍勃", 2025): (True, True),
        }
        html = response.content.decode()
        assert f"已完成核查{check.serial}" in html
        table = html.split('data-testid="registration-check-rows"')[1].split("</table>")[0]
        assert table.count("未达标") == 1 and table.count(">达标<") == 3
        assert check.serial == f"SDZC{THIS_YEAR}000001"
        # Until the worker has rendered it, the PDF is being prepared.
        assert 'data-testid="registration-check-pending"' in html
        pdf = reverse("certificates:registration_check_pdf", kwargs={"pk": check.pk})
        assert response.client.get(pdf).status_code == 202
        assert (check.kind, check.purpose) == ("执业药师注册", "2026年第二批注册申请")

    def test_a_wrong_name_or_an_unknown_number_is_not_found_and_not_met(
        self, client, health_admin, alice, hours_of_alice_and_bob
    ):
        client.force_login(health_admin)
        nobody = id_number_for(99001)

        response = run(client, [[alice.id_number, "艾丽", "2024"], [nobody, "张三", "2024"]])

        check = RegistrationCheck.objects.get()
        assert verdicts(check) == {("艾丽", 2024): (False, False), ("张三", 2024): (False, False)}
        table = response.content.decode().split('data-testid="registration-check-rows"')[1]
        table = table.split("</table>")[0]
        assert table.count("未找到") == 2 and "达标" not in table

    def test_every_check_is_logged_with_who_asked_and_why(self, checked, health_admin):
        _response, check = checked

        entry = AuditLog.objects.get(action="certificates.registration_check.run")
        assert entry.actor == health_admin
        assert entry.payload["kind"] == "执业药师注册"
        assert entry.payload["purpose"] == "2026年第二批注册申请"
        assert (entry.payload["count"], entry.payload["years"]) == (2, 4)
        assert entry.payload["serial"] == check.serial
        assert entry.action_label == "进行职业资格注册学时核查"


class TestRefusals:
    @pytest.mark.parametrize("kind", ["", "   "])
    def test_no_kind_no_check(self, client, health_admin, alice, kind):
        client.force_login(health_admin)

        response = run(client, [[alice.id_number, "艾丽丝", "2024"]], kind=kind)

        assert response.status_code == 200
        assert "请填写注册类别" in response.content.decode()
        assert RegistrationCheck.objects.count() == 0
        assert not AuditLog.objects.filter(action="certificates.registration_check.run").exists()
        # The service refuses it too, whoever calls it.
        membership = Membership.objects.get(user=health_admin)
        with pytest.raises(RegistrationCheckError, match="请填写注册类别"):
            registration_check_run(
                actor=membership,
                upload=xlsx_upload(HEADER, [[alice.id_number, "艾丽丝", "2024"]]),
                kind=kind,
            )
        assert RegistrationCheck.objects.count() == 0

    def test_a_list_with_bad_rows_is_refused_whole(self, client, health_admin, alice, bob):
        client.force_login(health_admin)
        # Not "0": a number ending in 000 reads as one Excel cut short, another message.
        bad_checksum = alice.id_number[:17] + ("1" if alice.id_number[17] != "1" else "2")

        response = run(
            client,
            [
                [alice.id_number, "艾丽丝", "2024"],  # good: refused with the rest
                [bad_checksum, "某人", "2024"],
                [bob.id_number, "", "2024"],
                [id_number_for(99002), "张三", "二〇二四"],
                [id_number_for(99003), "李四", str(THIS_YEAR + 1)],
                [alice.id_number, "艾丽丝", "2023-2024"],
            ],
        )

        html = response.content.decode()
        errors = html[html.index('data-testid="row-errors"') :]
        assert "第3行「身份证号」" in errors and "校验位" in errors
        assert "第4行「姓名」" in errors
        assert "第5行「年度」" in errors and "不是年度" in errors
        assert "第6行「年度」" in errors
        assert "第7行" in errors and "与第2行为同一人的2024年度" in errors
        assert "第2行" not in errors.replace("与第2行", "")
        assert RegistrationCheck.objects.count() == 0
        assert RegistrationCheckRow.objects.count() == 0

    @pytest.mark.parametrize(
        ("text", "years"),
        [
            ("2024", [2024]),
            ("2024年", [2024]),
            ("2022-2024", [2022, 2023, 2024]),
            ("2022—2024", [2022, 2023, 2024]),
            ("2022 至 2024", [2022, 2023, 2024]),
            ("2022年-2024年", [2022, 2023, 2024]),
            ("2023~2024", [2023, 2024]),
        ],
    )
    def test_the_years_as_people_write_them(self, text, years):
        assert list(years_of(text)) == years

    @pytest.mark.parametrize(
        "text", ["2024-2022", "2024-2023", "1999", "2010-2024", "24", "2024,2025"]
    )
    def test_years_that_are_not_a_forward_range_of_past_years(self, text):
        with pytest.raises(ValueError):
            years_of(text)


class TestOutputs:
    def test_the_pdf_states_verdicts_only(self, rendered, client, alice, bob):
        _response, check = rendered

        text = pdf_text(check.pdf.path)

        assert f"核查编号：{check.serial}" in text
        assert "山东省卫生健康委员会" in text and "执业药师注册" in text
        assert alice.masked_id_number in text and bob.masked_id_number in text
        assert alice.id_number not in text and bob.id_number not in text
        assert re.findall(r"\d{4} (未达标|达标|未找到)\n", text) == [
            "达标",
            "未达标",
            "达标",
            "达标",
        ]
        assert registration_check_verification_url(check) in text.replace("\n", "")
        # No hours figures (30.0, 61.5 …), no unit, no city (the address aside).
        assert not re.search(r"\d+\.\d", text.split("验证网址")[0])
        for secret in ("济南测试医院", "青岛测试学校", "济南市", "青岛市", "61.5", "20.0"):
            assert secret not in text
        assert check.pdf_sha256
        download = client.get(
            reverse("certificates:registration_check_pdf", kwargs={"pk": check.pk})
        )
        assert download.status_code == 200
        assert download["Content-Type"] == "application/pdf"

    def test_the_xlsx_states_verdicts_only(self, checked, client, alice, province_hr):
        _response, check = checked
        url = reverse("certificates:registration_check_xlsx", kwargs={"pk": check.pk})

        def cells(response) -> list:
            workbook = load_workbook(io.BytesIO(response.content))
            return [list(row) for sheet in workbook for row in sheet.iter_rows(values_only=True)]

        rows = cells(client.get(url))
        assert rows[0] == ["行号", "姓名", "身份证号", "年度", "是否找到", "是否达标"]
        assert [2, "艾丽丝", alice.masked_id_number, 2025, "已找到", "未达标"] in rows
        values = [value for row in rows for value in row]
        assert not any(isinstance(v, float | Decimal) for v in values)
        assert not any(isinstance(v, str) and re.fullmatch(r"\d+\.\d", v) for v in values)
        for secret in ("济南测试医院", "青岛测试学校", alice.id_number):
            assert secret not in values
        # Provincial HR sees ID numbers in full.
        client.force_login(province_hr)
        assert alice.id_number in [v for row in cells(client.get(url)) for v in row]

    def test_the_verification_page_shows_the_check_in_brief(self, checked, client, alice):
        _response, check = checked
        client.logout()

        page = client.get(
            registration_check_verification_url(check).removeprefix("http://127.0.0.1:8000")
        )

        assert page.status_code == 200
        html = page.content.decode()
        assert check.serial in html and "山东省卫生健康委员会" in html and "执业药师注册" in html
        assert alice.masked_id_number in html and "未达标" in html
        assert 'data-testid="check-people">2<' in html
        for secret in ("艾丽丝", "鲍勃", alice.id_number, "2026年第二批注册申请", "济南测试医院"):
            assert secret not in html

    def test_the_signed_file_is_verified_with_the_check_in_brief(self, rendered, client):
        _response, check = rendered
        upload = SimpleUploadedFile(
            "c.pdf", Path(check.pdf.path).read_bytes(), content_type="application/pdf"
        )

        html = client.post(reverse("certificates:verify_file"), {"file": upload}).content.decode()

        assert check.serial in html and "职业资格注册学时核查" in html
        assert "山东省卫生健康委员会" in html and "艾丽丝" not in html


class TestWhoMay:
    def test_only_department_admins_run_checks_and_province_hr_reads_them(
        self, checked, client, cast
    ):
        _response, check = checked
        detail = reverse("certificates:registration_check", kwargs={"pk": check.pk})
        for who in ("alice", "hr_a", "jinan_hr", "institution_staff", "base_staff", "association"):
            client.force_login(cast[who])
            for url in (LIST, NEW, detail):
                assert client.get(url).status_code == 403, (who, url)
        client.force_login(cast["province_hr"])
        assert client.get(NEW).status_code == 403
        assert check.serial in client.get(LIST).content.decode()
        assert client.get(detail).status_code == 200
        client.force_login(cast["health_admin"])
        template = client.get(reverse("certificates:registration_check_template"))
        assert template.status_code == 200
        header = next(load_workbook(io.BytesIO(template.content)).active.values)
        assert header == tuple(HEADER)

    def test_another_authoritys_admin_cannot_open_the_check(self, checked, client, education):
        _response, check = checked
        other = make_member(
            Role.DEPARTMENT_ADMIN, UserFactory(real_name="教育厅管理员"), authority=education
        )
        client.force_login(other)

        for name in (
            "certificates:registration_check",
            "certificates:registration_check_xlsx",
            "certificates:registration_check_pdf",
        ):
            assert client.get(reverse(name, kwargs={"pk": check.pk})).status_code == 404
        assert check.serial not in client.get(LIST).content.decode()
