"""The continuing-education condition of a title application (职称评审).

Every year of the review period must meet its own year's rule, each category on its
own; the period defaults to the years since the current title, capped by the review
period rule of the level applied for. Checked on the page, in the PDF statement and
in bulk from a workbook.
"""

import datetime
import io
import itertools
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from openpyxl import load_workbook

from credits.eligibility import default_period, eligibility_check
from credits.models import Category, ReviewPeriodRule, Source, YearRule
from credits.services import credit_post
from portal.models import TitleLevel
from portal.xlsx import XLSX_TYPE
from tests import factories
from tests.factories import make_professional

PERIOD = (2022, 2025)
_refs = itertools.count(1)


def credit(person, year, public=30, professional=60):
    """Post a year's hours in two entries per category, from courses and offline training."""
    for category, hours in ((Category.PUBLIC, public), (Category.PROFESSIONAL, professional)):
        if not hours:
            continue
        half = Decimal(hours) / 2
        for source in (Source.COURSE, Source.OFFLINE):
            credit_post(
                person=person,
                year=year,
                category=category,
                hours=half,
                source=source,
                source_ref=f"eligibility-test:{next(_refs)}",
            )


def credit_every_year(person, years=range(2022, 2026), hours=None):
    """30 + 60 in each of `years`, except where `hours` maps a year to (public, professional)."""
    for year in years:
        public, professional = (hours or {}).get(year, (30, 60))
        credit(person, year, public, professional)


def check(client, person, period=PERIOD):
    start, end = period
    url = reverse("credits:eligibility", args=[person.pk])
    return client.get(url, {"start_year": start, "end_year": end})


def verdict(response) -> str | None:
    """The text of the verdict box, or None when the page shows no verdict."""
    match = re.search(r'data-testid="verdict">(.*?)</div>', response.content.decode(), re.S)
    return " ".join(strip_tags(match.group(1)).split()) if match else None


def set_title(person, level=TitleLevel.INTERMEDIATE, obtained=datetime.date(2021, 7, 1)):
    person.profile.title_level = level
    person.profile.title_obtained_on = obtained
    person.profile.save()


def xlsx_upload(header, rows, name="核验名单.xlsx") -> SimpleUploadedFile:
    return factories.xlsx_upload(header, rows, name)


def read_back(content: bytes) -> list[list]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[None if v == "" else v for v in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def colleague(unit_a):
    return make_professional(unit_a, real_name="陈晓明")


@pytest.mark.django_db
class TestVerdict:
    @pytest.fixture(autouse=True)
    def _as_alice(self, client, alice):
        client.force_login(alice)

    def test_every_year_met_is_met(self, client, alice):
        credit_every_year(alice)

        assert verdict(check(client, alice)) == "符合条件：2022年至2025年每年均达到当年学时要求。"
        assert eligibility_check(alice, *PERIOD).met

    def test_one_year_short_in_public_hours_names_the_year_and_the_shortfall(self, client, alice):
        credit_every_year(alice, hours={2024: (20, 60)})

        text = verdict(check(client, alice))
        assert text == "2022年至2025年不符合条件。 2024年：公需科目还差 10.0 学时"

    def test_a_year_with_no_entries_is_not_met(self, client, alice):
        credit_every_year(alice, years=[2022, 2024, 2025])

        text = verdict(check(client, alice))
        assert text.startswith("2022年至2025年不符合条件。")
        assert "2023年：公需科目还差 30.0 学时；专业科目还差 60.0 学时" in text
        assert not eligibility_check(alice, *PERIOD).met

    def test_a_surplus_of_professional_hours_does_not_make_up_for_public_hours(self, client, alice):
        credit_every_year(alice, hours={2024: (20, 100)})

        text = verdict(check(client, alice))
        assert "2024年：公需科目还差 10.0 学时" in text
        assert "专业科目还差" not in text
        assert not eligibility_check(alice, *PERIOD).met

    def test_a_changed_year_rule_changes_the_verdict_for_the_same_hours(self, client, alice):
        credit_every_year(alice)
        assert verdict(check(client, alice)).startswith("符合条件")

        YearRule.objects.filter(year=2024).update(public_min=40)

        text = verdict(check(client, alice))
        assert text == "2022年至2025年不符合条件。 2024年：公需科目还差 10.0 学时"

    def test_a_year_without_a_rule_is_never_met(self, client, alice):
        credit_every_year(alice, years=[2021, 2022])

        text = verdict(check(client, alice, (2019, 2022)))
        assert "2019年：2019年度尚无学时要求。" in text
        assert "2020年：2020年度尚无学时要求。" in text
        assert "2021年：" not in text


@pytest.mark.django_db
class TestDefaultPeriod:
    def test_starts_the_year_after_the_title_and_ends_last_year(self, alice):
        set_title(alice, TitleLevel.INTERMEDIATE, datetime.date(2021, 7, 1))
        this_year = timezone.localdate().year

        assert default_period(alice, 2026) == (2022, 2025)
        assert default_period(alice) == (max(2022, this_year - 5), this_year - 1)

    @pytest.mark.parametrize(
        ("level", "period"),
        [
            (TitleLevel.JUNIOR, (2022, 2025)),  # applying for 中级: at most 4 years
            (TitleLevel.INTERMEDIATE, (2021, 2025)),  # applying for 副高: at most 5 years
            (TitleLevel.DEPUTY_SENIOR, (2021, 2025)),  # applying for 正高: at most 5 years
        ],
    )
    def test_is_never_longer_than_the_rule_for_the_level_applied_for(self, alice, level, period):
        set_title(alice, level, datetime.date(2010, 7, 1))

        assert default_period(alice, 2026) == period

    def test_follows_a_changed_review_period_rule(self, alice):
        set_title(alice, TitleLevel.INTERMEDIATE, datetime.date(2010, 7, 1))
        ReviewPeriodRule.objects.filter(title_level=TitleLevel.DEPUTY_SENIOR).update(max_years=3)

        assert default_period(alice, 2026) == (2023, 2025)

    def test_page_without_a_period_checks_the_default_period(self, client, alice):
        set_title(alice, TitleLevel.INTERMEDIATE, datetime.date(2021, 7, 1))
        start, end = default_period(alice)
        client.force_login(alice)

        response = client.get(reverse("credits:eligibility", args=[alice.pk]))

        assert verdict(response).startswith(f"{start}年至{end}年不符合条件。")
        assert f'name="start_year" id="id_start_year" value="{start}"' in response.content.decode()

    def test_title_obtained_last_year_is_not_declared_met_for_an_empty_period(self, client, alice):
        this_year = timezone.localdate().year
        set_title(alice, TitleLevel.INTERMEDIATE, datetime.date(this_year - 1, 3, 1))
        client.force_login(alice)

        response = client.get(reverse("credits:eligibility", args=[alice.pk]))

        assert "每年均达到当年学时要求" not in response.content.decode()


@pytest.mark.django_db
class TestWhoMaySee:
    def test_professional_sees_her_own_verdict(self, client, alice):
        credit_every_year(alice)
        client.force_login(alice)

        response = check(client, alice)

        assert response.status_code == 200
        assert "艾丽丝" in response.content.decode()
        assert verdict(response).startswith("符合条件")

    def test_professional_asking_for_someone_else_gets_404(self, client, alice, bob, colleague):
        client.force_login(alice)

        assert check(client, bob).status_code == 404
        assert check(client, colleague).status_code == 404
        statement = reverse("certificates:statement_new", args=[colleague.pk])
        assert client.post(statement, {"start_year": 2022, "end_year": 2025}).status_code == 404

    def test_hr_of_other_unit_gets_404(self, client, alice, hr_b):
        client.force_login(hr_b)

        assert check(client, alice).status_code == 404
        statement = reverse("certificates:statement_new", args=[alice.pk])
        assert client.post(statement, {"start_year": 2022, "end_year": 2025}).status_code == 404

    @pytest.mark.parametrize("who", ["hr_a", "jinan_hr", "health_admin", "province_hr"])
    def test_hr_in_scope_sees_the_verdict(self, client, cast, who):
        client.force_login(cast[who])

        response = check(client, cast["alice"])

        assert response.status_code == 200
        assert "艾丽丝" in response.content.decode()
        assert verdict(response).startswith("2022年至2025年不符合条件。")

    @pytest.mark.parametrize(("who", "status"), [("qingdao_hr", 404), ("institution_staff", 403)])
    def test_nobody_else_sees_alice(self, client, cast, who, status):
        client.force_login(cast[who])

        assert check(client, cast["alice"]).status_code == status


@pytest.mark.django_db
class TestInvalidPeriod:
    @pytest.mark.parametrize(
        ("period", "message"),
        [
            ((2025, 2022), "核验期须在2000年至{this_year}年之间，且起始年度不晚于截止年度。"),
            ((2022, None), "核验期须在2000年至{this_year}年之间，且起始年度不晚于截止年度。"),
            ((2010, 2025), "核验期最长10年。"),
            ((0, 2500), "确保该值大于或等于2000"),
        ],
        ids=["end-before-start", "beyond-this-year", "longer-than-10-years", "year-zero"],
    )
    def test_invalid_period_shows_a_form_error_and_no_verdict(self, client, alice, period, message):
        this_year = timezone.localdate().year
        start, end = period
        client.force_login(alice)

        response = check(client, alice, (start, end or this_year + 1))

        assert response.status_code == 200
        assert message.format(this_year=this_year) in response.content.decode()
        assert verdict(response) is None

    def test_empty_year_shows_a_form_error(self, client, alice):
        client.force_login(alice)

        response = check(client, alice, ("", 2025))

        assert verdict(response) is None
        assert "这个字段是必填项。" in response.content.decode()


# The PDF statement is an issued document now: tests/certificates/test_statements.py.


BULK_URL = reverse("credits:eligibility_bulk")
YEAR_HEADERS = [f"{year}{category}" for year in range(2022, 2026) for category in ("公需", "专业")]


@pytest.mark.django_db
class TestBulkCheck:
    @pytest.fixture(autouse=True)
    def _as_hr_a(self, client, hr_a):
        client.force_login(hr_a)

    def test_one_verdict_row_per_input_row(self, client, alice, bob, colleague):
        credit_every_year(alice, hours={2024: (20, 60)})
        credit_every_year(colleague)
        credit_every_year(bob)
        malformed = alice.id_number[:17]
        upload = xlsx_upload(
            ["身份证号", "起始年度", "截止年度"],
            [
                [alice.id_number, 2022, 2025],
                [colleague.id_number, 2022, 2025],
                [malformed, 2022, 2025],
                [bob.id_number, 2022, 2025],
            ],
        )

        response = client.post(BULK_URL, {"file": upload})

        assert response.status_code == 200
        assert response["Content-Type"] == XLSX_TYPE
        header, *rows = read_back(response.content)
        assert header == ["身份证号", "姓名", "单位", "核验期", "结论", "说明", *YEAR_HEADERS]
        assert len(rows) == 4
        alice_row, colleague_row, malformed_row, bob_row = rows
        assert alice_row == [
            alice.id_number, "艾丽丝", "济南测试医院", "2022-2025", "未达标",
            "2024年：公需科目还差 10.0 学时", 30, 60, 30, 60, 20, 60, 30, 60,
        ]  # fmt: skip
        assert colleague_row == [
            colleague.id_number, "陈晓明", "济南测试医院", "2022-2025", "达标", None,
            30, 60, 30, 60, 30, 60, 30, 60,
        ]  # fmt: skip
        assert malformed_row[:6] == [
            malformed,
            None,
            None,
            None,
            "未核验",
            "第4行「身份证号」：身份证号应为18位，当前为17位。",
        ]
        assert bob_row[:6] == [
            bob.id_number, None, None, None, "未核验",
            "您的管理范围内没有该身份证号的专业技术人员",
        ]  # fmt: skip
        everything = str(rows)
        assert "鲍勃" not in everything
        assert "青岛测试学校" not in everything

    def test_without_period_columns_each_person_gets_the_default_period(self, client, alice):
        start, end = default_period(alice)

        response = client.post(BULK_URL, {"file": xlsx_upload(["身份证号"], [[alice.id_number]])})

        _header, alice_row = read_back(response.content)
        assert alice_row[3:5] == [f"{start}-{end}", "未达标"]
        assert f"{start}年：公需科目还差 30.0 学时；专业科目还差 60.0 学时" in alice_row[5]

    def test_file_without_an_id_number_column_is_refused(self, client, alice):
        upload = xlsx_upload(["姓名", "起始年度"], [["艾丽丝", 2022]])

        response = client.post(BULK_URL, {"file": upload})

        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/html")
        assert (
            "第1行是表头，但缺少列：身份证号；列应为：身份证号、起始年度、截止年度。"
            in response.content.decode()
        )

    def test_damaged_workbook_is_refused_with_a_form_error(self, client, alice):
        content = xlsx_upload(["身份证号"], [[alice.id_number]]).read()
        damaged = SimpleUploadedFile("核验名单.xlsx", content[: len(content) // 2])

        response = client.post(BULK_URL, {"file": damaged})

        assert response.status_code == 200
        assert "无法读取该Excel文件。" in response.content.decode()
