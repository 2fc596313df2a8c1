"""Plan and notice filings: for the plan's own year, again as a dated new version, and
late is late (逾期报送N天 / 已逾期N天) for the filer and on the provincial board."""

import datetime
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from learning.models import Filing, ProfessionalPlan
from learning.plans.services import plan_publish
from portal.models import AuditLog
from tests.learning.test_filings import files


def published_plan(authority, admin, year, topic="新技术") -> ProfessionalPlan:
    plan = ProfessionalPlan.objects.create(
        authority=authority, year=year, title=f"{year}年卫生健康专业科目学习方案"
    )
    plan.items.create(topic=topic, hours=60, mode="online")
    plan_publish(plan=plan, published_by=admin)
    return plan


def filing_page(client, user, year):
    client.force_login(user)
    return client.get(reverse("learning:filing"), {"year": year}).content.decode()


def board_page(client, province_hr, year):
    client.force_login(province_hr)
    return client.get(reverse("learning:filing_board"), {"year": year}).content.decode()


@pytest.mark.django_db
def test_a_2025_plan_is_filed_in_2026_for_2025(client, health_admin, health, province_hr, frozen):
    frozen(datetime.date(2026, 3, 1))
    plan = published_plan(health, health_admin, 2025)
    client.force_login(health_admin)
    client.post(reverse("learning:filing"), {"from_plan": "1", "plan": plan.pk})
    filing = Filing.objects.get()
    assert (filing.authority, filing.year, filing.version) == (health, 2025, 1)
    days = (datetime.date(2026, 3, 1) - datetime.date(2025, 4, 30)).days  # 305
    assert f"逾期报送{days}天" in filing_page(client, health_admin, 2025)
    assert f"逾期报送{days}天" in board_page(client, province_hr, 2025)


@pytest.mark.django_db
def test_city_hr_uploads_for_an_earlier_year(client, jinan_hr, jinan, frozen):
    frozen(datetime.date(2026, 1, 15))
    client.force_login(jinan_hr)
    client.post(reverse("learning:filing"), {**files(), "year": "2025"})
    filing = Filing.objects.get()
    assert (filing.city, filing.year) == (jinan, 2025)


def filed_on_time_then_revised_late(client, health_admin, health, frozen) -> None:
    """The 2026 plan filed on 10 April, then changed, republished and filed again on
    5 May, after the end-of-April deadline."""
    frozen(datetime.date(2026, 4, 10))
    plan = published_plan(health, health_admin, 2026)
    client.force_login(health_admin)
    client.post(reverse("learning:filing"), {"from_plan": "1", "plan": plan.pk})
    frozen(datetime.date(2026, 5, 5))
    plan.items.create(topic="人工智能辅助诊疗", hours=6, mode="offline")
    plan_publish(plan=plan, published_by=health_admin)
    client.force_login(health_admin)
    client.post(reverse("learning:filing"), {"from_plan": "1", "plan": plan.pk})


@pytest.mark.django_db
def test_refiling_a_changed_plan_adds_a_dated_version(
    client, health_admin, health, province_hr, frozen
):
    filed_on_time_then_revised_late(client, health_admin, health, frozen)

    first, second = Filing.objects.order_by("version")
    assert (first.version, second.version) == (1, 2)
    assert timezone.localdate(first.filed_at) == datetime.date(2026, 4, 10)
    assert timezone.localdate(second.filed_at) == datetime.date(2026, 5, 5)
    text = "\n".join(
        c.text for t in Document(second.word.open("rb")).tables for r in t.rows for c in r.cells
    ) + "\n".join(p.text for p in Document(second.word.open("rb")).paragraphs)
    assert "人工智能辅助诊疗" in text

    own = filing_page(client, health_admin, 2026)
    assert "2026-04-10 10:00" in own and "2026-05-05 10:00" in own  # the history
    # The first version was on time; the revision after the due date is not late.
    assert "已报送" in own and "逾期" not in own
    assert "最新为第2版" in own
    board = board_page(client, province_hr, 2026)
    assert "2026-05-05 10:00" in board and "第2版" in board
    actions = AuditLog.objects.filter(action="learning.filing.submitted").order_by("pk")
    assert [a.payload["version"] for a in actions] == [1, 2]


@pytest.mark.django_db
def test_a_late_notice_is_late_for_the_filer_and_on_the_board(
    client, jinan_hr, province_hr, frozen
):
    frozen(datetime.date(2026, 5, 3))
    client.force_login(jinan_hr)
    client.post(reverse("learning:filing"), {**files(), "year": "2026"})
    frozen(datetime.date(2026, 9, 1))
    assert "逾期报送3天" in filing_page(client, jinan_hr, 2026)
    assert "逾期报送3天" in board_page(client, province_hr, 2026)
    export = client.get(reverse("learning:filing_board"), {"year": 2026, "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert next(r for r in rows if r[0] == "济南市")[2] == "已报送（逾期报送3天）"


@pytest.mark.django_db
def test_a_missing_filing_shows_overdue_to_the_filer(
    client, health_admin, province_hr, health, frozen
):
    frozen(datetime.date(2026, 5, 10))
    own = filing_page(client, health_admin, 2026)
    assert "已逾期10天" in own
    assert "未报送（已逾期10天）" in board_page(client, province_hr, 2026)


def board_row(html: str, name: str) -> dict[str, str]:
    """The cells of the filer's row on the provincial board, by test id."""
    row = next(r for r in html.split("<tr")[1:] if f"<td>{name}</td>" in r)
    return dict(re.findall(r'data-testid="([a-z-]+)">([^<]*)<', row))


@pytest.mark.django_db
def test_the_board_dates_the_status_by_the_version_that_decided_it(
    client, health_admin, health, province_hr, frozen
):
    filed_on_time_then_revised_late(client, health_admin, health, frozen)

    row = board_row(board_page(client, province_hr, 2026), health.name)
    assert row == {
        "filing-status": "已报送",
        "filed-at": "2026-04-10 10:00",
        "latest-version": "最新：第2版 2026-05-05 10:00",
    }
    export = client.get(reverse("learning:filing_board"), {"year": 2026, "format": "xlsx"})
    sheet = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert sheet[0] == ("报送单位", "类型", "状态", "报送时间", "最新版本", "最新版本报送时间")
    assert next(r for r in sheet if r[0] == health.name)[2:] == (
        "已报送",
        datetime.datetime(2026, 4, 10, 10),
        2,
        datetime.datetime(2026, 5, 5, 10),
    )


@pytest.mark.django_db
def test_a_late_first_version_is_late_on_the_board_beside_its_own_date(
    client, jinan_hr, province_hr, frozen
):
    frozen(datetime.date(2026, 5, 3))
    client.force_login(jinan_hr)
    client.post(reverse("learning:filing"), {**files(), "year": "2026"})
    frozen(datetime.date(2026, 6, 1))
    client.force_login(jinan_hr)  # the session of 3 May has expired
    client.post(reverse("learning:filing"), {**files(), "year": "2026"})
    row = board_row(board_page(client, province_hr, 2026), "济南市")
    assert row == {
        "filing-status": "已报送（逾期报送3天）",
        "filed-at": "2026-05-03 10:00",
        "latest-version": "最新：第2版 2026-06-01 10:00",
    }
    own = filing_page(client, jinan_hr, 2026)
    # The year's status once, on the first version; the second is a revision.
    assert own.count("逾期报送") == 2  # the status banner and the first version's row
    assert "修订版本" in own and "逾期报送32天" not in own


@pytest.mark.django_db
def test_filing_the_published_plan_twice_files_it_once(client, health_admin, health, frozen):
    frozen(datetime.date(2026, 4, 10))
    plan = published_plan(health, health_admin, 2026)
    client.force_login(health_admin)
    url = reverse("learning:filing")
    client.post(url, {"from_plan": "1", "plan": plan.pk})
    response = client.post(url, {"from_plan": "1", "plan": plan.pk}, follow=True)
    assert Filing.objects.count() == 1
    assert "2026-04-10报送的第1版已是当前发布的方案，无需重复报送" in response.content.decode()
    assert AuditLog.objects.filter(action="learning.filing.submitted").count() == 1

    # Published again (changed), it is filed again; an upload in between does not count.
    frozen(datetime.date(2026, 4, 20))
    plan.items.create(topic="人工智能辅助诊疗", hours=6, mode="offline")
    plan_publish(plan=plan, published_by=health_admin)
    client.force_login(health_admin)
    client.post(url, {"from_plan": "1", "plan": plan.pk})
    client.post(url, {**files(), "year": "2026"})
    client.post(url, {"from_plan": "1", "plan": plan.pk})
    assert list(
        Filing.objects.order_by("version").values_list("version", "plan_version__number")
    ) == [
        (1, 1),
        (2, 2),
        (3, None),
        (4, 2),
    ]
