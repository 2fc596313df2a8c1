"""A teacher's selected quality online public courses count as her teaching achievement
in title evaluation (the notice, section 二(三)): the title-evaluation check shows
them, and her eligibility statement states them as they stood when it was issued.

Nominations are made straight with the model: how the selection reaches its decision
is tested with the selection itself (tests/learning/test_quality.py)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from certificates.models import EligibilityStatement
from certificates.statements import statement_issue
from credits.achievements import achievements_of
from learning.achievements import selected_courses_of
from learning.catalog.models import Course
from learning.quality.models import QualityNomination
from tests.credits.test_eligibility import PERIOD, check, credit_every_year
from tests.pdfs import pdf_text

KIND = "教学成果（优质在线公需课）"
DECIDED_AT = timezone.make_aware(datetime.datetime(2025, 11, 20, 9, 30))
DECISION = "2025年度入选，省人社厅于2025年11月20日确认"


def nominate(teacher, title, *, status=QualityNomination.Status.SELECTED, year=2025, by):
    """`teacher`'s public course `title`, nominated for `year`'s selection and left at
    `status` (decided by `by` on DECIDED_AT when selected or declined)."""
    course = Course.objects.create(
        title=title,
        teacher_name=teacher.real_name,
        teacher=teacher,
        category="public",
        hours=Decimal("3"),
        first_year=year,
        last_year=year,
        status=Course.Status.PUBLISHED,
    )
    decided = status in (QualityNomination.Status.SELECTED, QualityNomination.Status.DECLINED)
    return QualityNomination.objects.create(
        course=course,
        year=year,
        nominated_by=teacher,
        status=status,
        decided_by=by if decided else None,
        decided_at=DECIDED_AT if decided else None,
        reason="与公需科目方向不符" if status == QualityNomination.Status.DECLINED else "",
    )


def flat(text: str) -> str:
    """Text without its line breaks and spaces (a PDF's table cells wrap)."""
    return re.sub(r"\s+", "", text)


def page_achievements(response) -> str:
    """The text of the page's achievements table ("" when the page shows none)."""
    match = re.search(r'data-testid="achievements">(.*?)</table>', response.content.decode(), re.S)
    return flat(strip_tags(match.group(1))) if match else ""


@pytest.fixture
def selected(alice, province_hr):
    return nominate(alice, "黄河文化与齐鲁精神", by=province_hr)


@pytest.mark.django_db
class TestStatement:
    def test_a_selected_course_is_stated_on_the_pdf_and_its_verification_page(
        self, client, alice, hr_a, selected, eager_celery, django_capture_on_commit_callbacks
    ):
        credit_every_year(alice)
        client.force_login(hr_a)
        url = reverse("certificates:statement_new", kwargs={"person_pk": alice.pk})
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {"start_year": PERIOD[0], "end_year": PERIOD[1]})
        statement = EligibilityStatement.objects.get()
        statement.refresh_from_db()

        text = flat(pdf_text(statement.pdf.path))
        assert "可供职称评审参考的成果" in text
        assert f"{KIND}黄河文化与齐鲁精神2025{DECISION}" in text
        detail = client.get(reverse("certificates:statement", args=[statement.pk]))
        assert f"{KIND}黄河文化与齐鲁精神2025{DECISION}" in page_achievements(detail)
        client.logout()
        verify = client.get(
            reverse("certificates:statement_verify", args=[statement.verification_code])
        )
        assert f"{KIND}黄河文化与齐鲁精神2025{DECISION}" in page_achievements(verify)

    def test_a_course_not_selected_is_not_on_the_statement(
        self, alice, bob, hr_a, province_hr, eager_celery, django_capture_on_commit_callbacks
    ):
        credit_every_year(alice)
        for status in ("pending", "shortlisted", "declined"):
            nominate(alice, f"未入选课程{status}", status=status, by=province_hr)
        nominate(bob, "别人的入选课程", by=province_hr)
        with django_capture_on_commit_callbacks(execute=True):
            statement = statement_issue(
                person=alice, start_year=PERIOD[0], end_year=PERIOD[1], issued_by=hr_a
            )
        statement.refresh_from_db()

        text = flat(pdf_text(statement.pdf.path))
        assert statement.achievements == []
        assert KIND not in text and "课程" not in text
        assert "可供职称评审参考的成果" not in text

    def test_the_statement_keeps_what_was_true_when_issued(self, client, alice, hr_a, selected):
        credit_every_year(alice)
        statement = statement_issue(person=alice, start_year=2022, end_year=2025, issued_by=hr_a)
        # Afterwards the selection is withdrawn and another course of hers is selected.
        QualityNomination.objects.filter(pk=selected.pk).update(status="declined")
        nominate(alice, "数字经济概论", year=2024, by=hr_a)

        statement.refresh_from_db()
        assert [a["title"] for a in statement.achievements] == ["黄河文化与齐鲁精神"]
        verify = client.get(
            reverse("certificates:statement_verify", args=[statement.verification_code])
        )
        assert "黄河文化与齐鲁精神" in page_achievements(verify)
        assert "数字经济概论" not in page_achievements(verify)
        # The same period asked again now states what is true now: a new statement.
        again = statement_issue(person=alice, start_year=2022, end_year=2025, issued_by=hr_a)
        assert again.pk != statement.pk
        assert [a["title"] for a in again.achievements] == ["数字经济概论"]


@pytest.mark.django_db
class TestEligibilityPage:
    def test_hr_sees_the_selected_course_with_its_year_and_decision(
        self, client, alice, hr_a, selected
    ):
        client.force_login(hr_a)

        shown = page_achievements(check(client, alice))

        assert shown == flat(f"成果类别成果名称年度认定情况{KIND}黄河文化与齐鲁精神2025{DECISION}")

    @pytest.mark.parametrize("status", ["pending", "shortlisted", "declined"])
    def test_a_nomination_not_selected_is_no_achievement(
        self, client, alice, hr_a, province_hr, status
    ):
        nominate(alice, "候选课程", status=status, by=province_hr)
        client.force_login(hr_a)

        response = check(client, alice)

        assert response.status_code == 200
        assert page_achievements(response) == ""
        assert "候选课程" not in response.content.decode()

    def test_another_teachers_selected_course_is_not_hers(
        self, client, alice, bob, hr_a, province_hr
    ):
        nominate(bob, "鲍勃的入选课程", by=province_hr)
        client.force_login(hr_a)

        assert page_achievements(check(client, alice)) == ""
        assert [a.title for a in achievements_of(bob)] == ["鲍勃的入选课程"]


@pytest.mark.django_db
def test_the_provider_costs_one_query_however_many_selections(
    alice, province_hr, django_assert_num_queries
):
    for year, title in ((2023, "甲课程"), (2024, "乙课程"), (2025, "丙课程")):
        nominate(alice, title, year=year, by=province_hr)
    undated = nominate(alice, "丁课程", year=2022, by=province_hr)
    QualityNomination.objects.filter(pk=undated.pk).update(decided_at=None)

    with django_assert_num_queries(1):
        found = selected_courses_of(alice)

    assert [(a.year, a.title) for a in found] == [
        (2025, "丙课程"),
        (2024, "乙课程"),
        (2023, "甲课程"),
        (2022, "丁课程"),
    ]
    assert found[0].decision == DECISION
    assert found[-1].decision == "2022年度入选"  # no date recorded: none stated
    assert achievements_of(alice) == found  # registered by LearningConfig.ready
