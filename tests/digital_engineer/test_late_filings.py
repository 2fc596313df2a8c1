"""Late is late: a roster filed after its due date stays marked 逾期报送N天 for the
institution, city HR and provincial HR, on every page; an overdue one shows 已逾期."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from digital_engineer.models import RosterFiling
from digital_engineer.selectors import filing_state, roster_state
from digital_engineer.services import ProgrammeError, class_close, filing_decide, filing_submit
from portal.deadlines import Lateness
from tests.factories import make_training_class

END = datetime.date(2025, 6, 30)
DUE = datetime.date(2025, 7, 30)  # 30 days after the end


@pytest.fixture
def klass(institution, jinan):
    return make_training_class(institution, jinan, ends_on=END)


@pytest.fixture
def closed(klass):
    class_close(training_class=klass, closed_by=None)
    klass.refresh_from_db()
    return klass


def class_status(html: str) -> list[str]:
    """The class statuses a page shows (the class page has one, the list one a row)."""
    return re.findall(r'data-testid="class-status">([^<]*)<', html)


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
    assert class_status(filer) == ["已结束"]
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
    assert class_status(filer) == ["已结束"]
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
    frozen(END)  # the last day of the class: it runs
    running = page(client, institution_staff, "digital_engineer:class", pk=klass.pk)
    assert class_status(running) == ["进行中"]
    assert class_status(page(client, institution_staff, "digital_engineer:classes")) == ["进行中"]
    frozen(END + datetime.timedelta(days=1))  # ended, the roster not yet due
    ended = page(client, institution_staff, "digital_engineer:class", pk=klass.pk)
    assert class_status(ended) == ["已结课，待结班"]

    frozen(DUE + datetime.timedelta(days=2))
    filer = page(client, institution_staff, "digital_engineer:class", pk=klass.pk)
    assert "待报送（已逾期2天）" in filer
    assert class_status(filer) == ["未结班（已逾期2天）"]
    assert "进行中" not in filer
    for user in (institution_staff, jinan_hr, province_hr):
        listing = page(client, user, "digital_engineer:classes")
        assert class_status(listing) == ["未结班（已逾期2天）"]
        assert "进行中" not in listing
        class_page = page(client, user, "digital_engineer:class", pk=klass.pk)
        assert class_status(class_page) == ["未结班（已逾期2天）"]
    assert "已逾期2天" in page(client, institution_staff, "digital_engineer:due_soon")
    for hr in (jinan_hr, province_hr):
        assert "已逾期2天" in page(client, hr, "digital_engineer:board")


def submit(filing, day, frozen):
    frozen(day)
    return filing_submit(filing=filing, summary="总结", submitted_by=None)


@pytest.mark.django_db
class TestTheFirstSubmissionDecides:
    """One rule for roster, plan and notice filings: the first submission decides
    lateness; a return and a resubmission change nothing."""

    def test_filed_on_time_returned_after_the_due_date_is_not_overdue(
        self, client, closed, institution_staff, jinan_hr, frozen
    ):
        filing = submit(closed.filing, DUE, frozen)
        frozen(DUE + datetime.timedelta(days=5))
        filing_decide(filing=filing, acknowledge=False, reason="缺少签章", decided_by=jinan_hr)
        frozen(DUE + datetime.timedelta(days=10))
        state = filing_state(filing, DUE + datetime.timedelta(days=10))
        assert (state.label, state.alert, state.status) == ("已退回", False, "returned")
        filer = page(client, institution_staff, "digital_engineer:class", pk=closed.pk)
        assert "已退回 · 缺少签章" in filer and "逾期" not in filer
        board = page(client, jinan_hr, "digital_engineer:board")
        assert "已退回" in board and "逾期" not in board

        submit(filing, DUE + datetime.timedelta(days=12), frozen)
        filing.refresh_from_db()
        assert timezone.localdate(filing.first_submitted_at) == DUE
        assert timezone.localdate(filing.submitted_at) == DUE + datetime.timedelta(days=12)
        state = filing_state(filing, DUE + datetime.timedelta(days=30))
        assert (state.label, state.late, state.alert) == ("已报送", False, False)
        client.force_login(jinan_hr)
        [row] = client.get(reverse("digital_engineer:supervision")).context["rows"]
        assert (row["filed_on_time"], row["late"]) == (1, 0)

    def test_filed_late_stays_late_by_the_days_of_the_first_submission(
        self, closed, jinan_hr, frozen
    ):
        filing = submit(closed.filing, DUE + datetime.timedelta(days=5), frozen)
        filing_decide(filing=filing, acknowledge=False, reason="缺少签章", decided_by=jinan_hr)
        later = DUE + datetime.timedelta(days=40)
        assert filing_state(filing, later).label == "已退回（逾期报送5天）"
        submit(filing, DUE + datetime.timedelta(days=20), frozen)
        filing_decide(filing=filing, acknowledge=True, reason="", decided_by=jinan_hr)
        state = filing_state(filing, later)
        assert (state.label, state.days_late, state.alert) == ("已确认（逾期报送5天）", 5, True)

    def test_plan_and_roster_filings_write_lateness_the_same_way(self, closed, frozen):
        from learning.plans.selectors import filing_status

        filing = submit(closed.filing, DUE + datetime.timedelta(days=5), frozen)
        roster = filing_state(filing, DUE + datetime.timedelta(days=9)).label

        class First:  # a plan filing made five days after its due date (30 April)
            filed_at = timezone.make_aware(datetime.datetime(2026, 5, 5, 10))

        plan = filing_status(
            year=2026, first=First, has_draft=True, today=datetime.date(2026, 6, 1)
        ).label
        assert (roster, plan) == ("已报送（逾期报送5天）", "已报送（逾期报送5天）")


@pytest.mark.django_db
def test_the_supervision_counts_in_sql_follow_the_python_rule(institution, jinan, jinan_hr, frozen):
    """`_roster_counts_q` (SQL, for the supervision counts) and `roster_state` (Python,
    for every page) classify the same classes the same way."""
    from digital_engineer.models import TrainingClass
    from digital_engineer.selectors import _roster_counts_q

    today = DUE + datetime.timedelta(days=40)

    def closed_class(name, ends_on=END):
        klass = make_training_class(institution, jinan, name=name, ends_on=ends_on)
        class_close(training_class=klass, closed_by=None)
        klass.refresh_from_db()
        return klass

    def later(days):
        return DUE + datetime.timedelta(days=days)

    make_training_class(institution, jinan, name="未结班已逾期")
    make_training_class(institution, jinan, name="未结班未到期", ends_on=today)
    closed_class("待报送已逾期")
    closed_class("待报送未到期", ends_on=today - datetime.timedelta(days=1))
    submit(closed_class("按时报送").filing, DUE, frozen)
    submit(closed_class("逾期报送").filing, later(3), frozen)
    acknowledged = submit(closed_class("逾期已确认").filing, later(2), frozen)
    filing_decide(filing=acknowledged, acknowledge=True, reason="", decided_by=jinan_hr)
    returned = submit(closed_class("按时后退回").filing, DUE, frozen)
    filing_decide(filing=returned, acknowledge=False, reason="补充", decided_by=jinan_hr)
    late_returned = submit(closed_class("逾期后退回").filing, later(1), frozen)
    filing_decide(filing=late_returned, acknowledge=False, reason="补充", decided_by=jinan_hr)
    again = submit(closed_class("按时退回再报").filing, DUE, frozen)
    filing_decide(filing=again, acknowledge=False, reason="补充", decided_by=jinan_hr)
    submit(again, later(20), frozen)

    frozen(today)
    classes = TrainingClass.objects.select_related("filing")
    states = {k.name: roster_state(k, today) for k in classes}
    python_on_time = {n for n, s in states.items() if s.lateness.done_on and not s.late}
    python_late = {n for n, s in states.items() if s.alert}
    on_time, late = _roster_counts_q(today)
    sql_on_time = set(classes.filter(on_time).values_list("name", flat=True))
    sql_late = set(classes.filter(late).values_list("name", flat=True))
    assert python_on_time == {"按时报送", "按时后退回", "按时退回再报"}
    assert python_late == {"未结班已逾期", "待报送已逾期", "逾期报送", "逾期已确认", "逾期后退回"}
    assert (sql_on_time, sql_late) == (python_on_time, python_late)


@pytest.mark.django_db
class TestDecisionsOnAFilingThatChanged:
    """Two people on one filing: the second, acting on what their page showed, is told
    the filing changed meanwhile and nothing is overwritten."""

    def test_a_second_submission_from_a_stale_page_is_refused(self, closed, frozen):
        frozen(DUE)
        mine, theirs = (RosterFiling.objects.get(pk=closed.filing.pk) for _ in range(2))
        filing_submit(filing=mine, summary="第一次", submitted_by=None)
        with pytest.raises(ProgrammeError, match=r"该备案当前状态为“已报送”.*本次操作未生效"):
            filing_submit(filing=theirs, summary="第二次", submitted_by=None)
        assert RosterFiling.objects.get().summary == "第一次"

    def test_returning_what_a_colleague_acknowledged_meanwhile_is_refused(
        self, closed, jinan_hr, province_hr, frozen
    ):
        frozen(DUE)
        filing_submit(filing=closed.filing, summary="总结", submitted_by=None)
        mine, theirs = (RosterFiling.objects.get(pk=closed.filing.pk) for _ in range(2))
        filing_decide(filing=mine, acknowledge=True, reason="", decided_by=jinan_hr)
        with pytest.raises(ProgrammeError, match="该备案当前状态为“已确认”"):
            filing_decide(filing=theirs, acknowledge=False, reason="缺页", decided_by=province_hr)
        stored = RosterFiling.objects.get()
        assert (stored.status, stored.reason, stored.decided_by) == ("acknowledged", "", jinan_hr)

    def test_the_board_says_so(self, client, closed, jinan_hr, frozen):
        frozen(DUE)
        filing_submit(filing=closed.filing, summary="总结", submitted_by=None)
        client.force_login(jinan_hr)
        url = reverse("digital_engineer:board")
        client.post(url, {"filing": closed.filing.pk, "decision": "acknowledge"})
        response = client.post(
            url, {"filing": closed.filing.pk, "decision": "return", "reason": "缺页"}, follow=True
        )
        assert "该备案当前状态为“已确认”，可能在本页面打开后已被处理" in response.content.decode()
        assert RosterFiling.objects.get().status == "acknowledged"

    def test_submissions_and_decisions_are_in_the_audit_log(self, closed, jinan_hr, frozen):
        from portal.models import AuditLog

        frozen(DUE)
        filing = filing_submit(filing=closed.filing, summary="总结", submitted_by=None)
        filing_decide(filing=filing, acknowledge=False, reason="缺页", decided_by=jinan_hr)
        filing_submit(filing=filing, summary="总结（补）", submitted_by=None)
        filing_decide(filing=filing, acknowledge=True, reason="", decided_by=jinan_hr)
        entries = AuditLog.objects.filter(payload__filing=filing.pk).order_by("pk")
        assert [(e.action, e.actor, e.payload.get("reason")) for e in entries] == [
            ("digital_engineer.filing.submitted", None, None),
            ("digital_engineer.filing.returned", jinan_hr, "缺页"),
            ("digital_engineer.filing.submitted", None, None),
            ("digital_engineer.filing.acknowledged", jinan_hr, ""),
        ]
        assert [e.action_label for e in entries][1:2] == ["退回学员名单备案"]


@pytest.mark.django_db
def test_filings_made_before_the_first_submission_was_kept_get_it_from_the_audit_log(
    closed, frozen
):
    import importlib

    from django.apps import apps

    from portal.models import AuditLog

    migration = importlib.import_module(
        "digital_engineer.migrations.0007_roster_filing_first_submitted_at"
    )
    filing = submit(closed.filing, DUE, frozen)  # on time, then (say) returned and resubmitted
    resubmitted = timezone.make_aware(datetime.datetime(2025, 8, 20, 9))
    RosterFiling.objects.filter(pk=filing.pk).update(
        submitted_at=resubmitted, first_submitted_at=None
    )
    other = make_training_class(closed.institution, closed.city, name="无日志的班级")
    class_close(training_class=other, closed_by=None)
    RosterFiling.objects.filter(training_class=other).update(submitted_at=resubmitted)
    AuditLog.objects.filter(action="digital_engineer.filing.submitted").update(
        created_at=timezone.make_aware(datetime.datetime(2025, 7, 30, 10))
    )

    migration.backfill(apps, None)

    firsts = dict(RosterFiling.objects.values_list("training_class__name", "first_submitted_at"))
    assert timezone.localdate(firsts[closed.name]) == DUE
    assert firsts["无日志的班级"] == resubmitted
    later = DUE + datetime.timedelta(days=60)
    assert filing_state(RosterFiling.objects.get(pk=filing.pk), later).label == "已报送"
