"""Late is late: a roster filed after its due date stays marked 逾期报送N天 for the
institution, city HR and provincial HR, on every page; an overdue one shows 已逾期."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from digital_engineer.models import RosterFiling
from digital_engineer.services import (
    class_close,
    filing_decide,
    filing_state,
    filing_submit,
    roster_state,
)
from portal.deadlines import Lateness
from tests.factories import make_training_class

END = datetime.date(2025, 6, 30)
DUE = datetime.date(2025, 7, 30)  # 30 days after the end


@pytest.fixture
def frozen(monkeypatch):
    """Set the portal's clock (timezone.now, hence localdate) to 10:00 of a day."""

    def at(day: datetime.date):
        moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return at


@pytest.fixture
def klass(institution, jinan):
    return make_training_class(institution, jinan, ends_on=END)


@pytest.fixture
def closed(klass):
    class_close(training_class=klass, closed_by=None)
    klass.refresh_from_db()
    return klass


def page(client, user, name, **kwargs):
    client.force_login(user)
    response = client.get(reverse(name, kwargs=kwargs or None))
    assert response.status_code == 200
    return response.content.decode()


class TestLateness:
    def test_days_past_the_due_date_on_the_day_done_or_today(self):
        assert Lateness(due_on=DUE, done_on=DUE, today=DUE).text == ""
        late = Lateness(due_on=DUE, done_on=DUE + datetime.timedelta(days=5), today=DUE)
        assert (late.late, late.overdue, late.days_late, late.text) == (
            True,
            False,
            5,
            "逾期报送5天",
        )
        waiting = Lateness(due_on=DUE, done_on=None, today=DUE + datetime.timedelta(days=2))
        assert (waiting.overdue, waiting.text) == (True, "已逾期2天")


@pytest.mark.django_db
class TestRosterState:
    def test_a_late_submission_stays_late_once_acknowledged(self, closed, jinan_hr, frozen):
        frozen(datetime.date(2025, 8, 4))
        filing = filing_submit(filing=closed.filing, summary="总结", submitted_by=None)
        later = datetime.date(2026, 1, 1)
        assert filing_state(filing, later).label == "已报送（逾期报送5天）"
        filing_decide(filing=filing, acknowledge=True, reason="", decided_by=jinan_hr)
        state = filing_state(filing, later)
        assert (state.label, state.late, state.alert) == ("已确认（逾期报送5天）", True, True)

    def test_on_time_is_plain(self, closed, frozen):
        frozen(DUE)
        filing = filing_submit(filing=closed.filing, summary="总结", submitted_by=None)
        state = filing_state(filing, datetime.date(2026, 1, 1))
        assert (state.label, state.alert) == ("已报送", False)

    def test_waiting_then_overdue(self, closed):
        assert roster_state(closed, DUE).label == "待报送"
        overdue = roster_state(closed, DUE + datetime.timedelta(days=3))
        assert (overdue.status, overdue.label) == ("overdue", "待报送（已逾期3天）")

    def test_a_class_never_closed_is_overdue_after_its_roster_date(self, klass):
        state = roster_state(klass, DUE + datetime.timedelta(days=1))
        assert (state.filing, state.label) == (None, "待报送（已逾期1天）")


@pytest.mark.django_db
def test_late_submission_shows_late_to_the_filer_city_and_province(
    client, closed, institution_staff, jinan_hr, province_hr, frozen
):
    frozen(datetime.date(2025, 8, 4))  # five days after the due date
    client.force_login(institution_staff)
    url = reverse("digital_engineer:class_action", kwargs={"pk": closed.pk, "action": "file"})
    client.post(url, {"summary": "本期培训情况总结"})
    assert RosterFiling.objects.get().status == "submitted"
    frozen(datetime.date(2025, 9, 1))  # and for ever after

    filer = page(client, institution_staff, "digital_engineer:class", pk=closed.pk)
    assert "逾期报送5天" in filer
    assert "进行中" not in filer
    for hr in (jinan_hr, province_hr):
        board = page(client, hr, "digital_engineer:board")
        assert "已报送（逾期报送5天）" in board
        class_page = page(client, hr, "digital_engineer:class", pk=closed.pk)
        assert "逾期报送5天" in class_page
    client.force_login(jinan_hr)
    client.post(
        reverse("digital_engineer:board"), {"filing": closed.filing.pk, "decision": "acknowledge"}
    )
    for hr in (jinan_hr, province_hr):
        assert "已确认（逾期报送5天）" in page(client, hr, "digital_engineer:board")
        client.force_login(hr)
        [row] = client.get(reverse("digital_engineer:supervision")).context["rows"]
        assert (row["filed_on_time"], row["late"]) == (0, 1)


@pytest.mark.django_db
def test_overdue_roster_shows_overdue_to_the_filer_not_in_progress(
    client, closed, institution_staff, jinan_hr, frozen
):
    frozen(DUE + datetime.timedelta(days=10))
    filer = page(client, institution_staff, "digital_engineer:class", pk=closed.pk)
    assert "待报送（已逾期10天）" in filer
    assert "进行中" not in filer
    home = page(client, institution_staff, "digital_engineer:due_soon")
    assert "已逾期10天" in home
    assert "已逾期10天" in page(client, jinan_hr, "digital_engineer:board")
    client.force_login(jinan_hr)
    [row] = client.get(reverse("digital_engineer:supervision")).context["rows"]
    assert row["late"] == 1


@pytest.mark.django_db
def test_a_class_not_closed_past_its_roster_date_is_overdue_everywhere(
    client, klass, institution_staff, jinan_hr, province_hr, frozen
):
    frozen(DUE + datetime.timedelta(days=2))
    assert "待报送（已逾期2天）" in page(
        client, institution_staff, "digital_engineer:class", pk=klass.pk
    )
    assert "已逾期2天" in page(client, institution_staff, "digital_engineer:due_soon")
    for hr in (jinan_hr, province_hr):
        assert "已逾期2天" in page(client, hr, "digital_engineer:board")
