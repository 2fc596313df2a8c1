"""Roster reminder e-mails cover exactly the rosters the pages show as waiting or
overdue, in the pages' words, one e-mail a day at most per institution."""

import datetime

import pytest
from django.core import mail

from digital_engineer.models import RosterFiling
from digital_engineer.selectors import rosters_due_soon
from digital_engineer.services import class_close, filing_decide, filing_submit, roster_reminders
from portal.models import Membership
from tests.factories import make_training_class

DUE = datetime.date(2025, 7, 30)  # the classes end on 30 June 2025


@pytest.fixture
def staff(institution_staff):
    institution_staff.email = "jigou@example.cn"
    institution_staff.save()
    return institution_staff


def closed_class(institution, city, name):
    klass = make_training_class(institution, city, name=name)
    class_close(training_class=klass, closed_by=None)
    return klass


def body() -> str:
    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    return mail.outbox[0].body


@pytest.mark.django_db
def test_a_returned_filing_asks_for_a_correction_not_for_a_date(
    staff, institution, jinan, jinan_hr
):
    klass = closed_class(institution, jinan, "人工智能一期")
    filing_submit(filing=klass.filing, summary="培训总结", submitted_by=staff)
    filing_decide(filing=klass.filing, acknowledge=False, reason="名单缺页", decided_by=jinan_hr)
    assert roster_reminders(DUE + datetime.timedelta(days=10)) == 1
    assert "人工智能一期的学员名单备案已退回，请修改后重新报送。" in body()
    assert "截止日期为" not in body()


@pytest.mark.django_db
def test_an_overdue_filing_says_how_many_days(staff, institution, jinan):
    closed_class(institution, jinan, "人工智能二期")
    assert roster_reminders(DUE + datetime.timedelta(days=3)) == 1
    assert "人工智能二期的学员名单备案已逾期3天（截止日期为2025-07-30）。" in body()


@pytest.mark.django_db
def test_a_class_never_closed_is_reminded_as_the_pages_show_it(staff, institution, jinan):
    make_training_class(institution, jinan, name="人工智能三期")  # ended, never closed
    assert roster_reminders(DUE + datetime.timedelta(days=5)) == 1
    assert "人工智能三期尚未结班，学员名单备案已逾期5天（截止日期为2025-07-30）。" in body()


@pytest.mark.django_db
def test_a_filing_due_soon_gives_its_date(staff, institution, jinan):
    closed_class(institution, jinan, "人工智能四期")
    assert roster_reminders(DUE - datetime.timedelta(days=7)) == 1
    assert "人工智能四期的学员名单备案截止日期为2025-07-30。" in body()


@pytest.mark.django_db
def test_the_mail_lists_exactly_what_the_due_soon_panel_shows(staff, institution, jinan, jinan_hr):
    today = DUE + datetime.timedelta(days=2)
    returned = closed_class(institution, jinan, "已退回班")
    filing_submit(filing=returned.filing, summary="培训总结", submitted_by=staff)
    filing_decide(filing=returned.filing, acknowledge=False, reason="缺页", decided_by=jinan_hr)
    closed_class(institution, jinan, "逾期班")
    make_training_class(institution, jinan, name="未结班")
    done = closed_class(institution, jinan, "已确认班")
    filing_submit(filing=done.filing, summary="培训总结", submitted_by=staff)
    filing_decide(filing=done.filing, acknowledge=True, reason="", decided_by=jinan_hr)
    membership = Membership.objects.get(user=staff)
    shown = {row.klass.name for row in rosters_due_soon(membership, today)}
    assert shown == {"已退回班", "逾期班", "未结班"}
    roster_reminders(today)
    mailed = {name for name in ("已退回班", "逾期班", "未结班", "已确认班") if name in body()}
    assert mailed == shown
    assert RosterFiling.objects.count() == 3


@pytest.mark.django_db
def test_at_most_one_mail_a_day_per_institution(staff, institution, jinan):
    closed_class(institution, jinan, "一期")
    closed_class(institution, jinan, "二期")
    today = DUE + datetime.timedelta(days=1)
    assert roster_reminders(today) == 1  # one e-mail listing both classes
    assert "一期" in body() and "二期" in body()
    assert roster_reminders(today) == 0  # the task ran again the same day
    assert len(mail.outbox) == 1
    assert roster_reminders(today + datetime.timedelta(days=1)) == 1
    assert len(mail.outbox) == 2
