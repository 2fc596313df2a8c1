"""Plan and notice filings: for the plan's own year, again as a dated new version, and
late is late (逾期报送N天 / 已逾期N天) for the filer and on the provincial board."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from learning.models import Filing, ProfessionalPlan
from learning.plans import plan_publish
from portal.models import AuditLog
from tests.learning.test_filings import files


@pytest.fixture
def frozen(monkeypatch):
    """Set the portal's clock (timezone.now, hence localdate) to 10:00 of a day."""

    def at(day: datetime.date):
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return at


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


@pytest.mark.django_db
def test_refiling_a_changed_plan_adds_a_dated_version(
    client, health_admin, health, province_hr, frozen
):
    frozen(datetime.date(2026, 4, 10))
    plan = published_plan(health, health_admin, 2026)
    client.force_login(health_admin)
    client.post(reverse("learning:filing"), {"from_plan": "1", "plan": plan.pk})
    frozen(datetime.date(2026, 5, 5))
    plan.items.create(topic="人工智能辅助诊疗", hours=6, mode="offline")
    plan_publish(plan=plan, published_by=health_admin)
    client.force_login(health_admin)
    client.post(reverse("learning:filing"), {"from_plan": "1", "plan": plan.pk})

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
    assert "按时报送" in own  # the year's filing was made on time
    assert "最新为第2版" in own
    board = board_page(client, province_hr, 2026)
    assert "2026-05-05 10:00" in board and "第2版" in board
    assert "2026-04-10 10:00" not in board
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
    assert next(r for r in rows if r[0] == "济南市")[2] == "逾期报送3天"


@pytest.mark.django_db
def test_a_missing_filing_shows_overdue_to_the_filer(
    client, health_admin, province_hr, health, frozen
):
    frozen(datetime.date(2026, 5, 10))
    own = filing_page(client, health_admin, 2026)
    assert "已逾期10天" in own
    assert "未报送（已逾期10天）" in board_page(client, province_hr, 2026)
