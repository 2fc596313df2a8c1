"""In the browser: an institution files its roster after the due date and sees
逾期报送 with the days late, on the class page and not a green 已报送."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from digital_engineer.models import Approval, InstitutionState, RosterFiling
from digital_engineer.services import class_close, class_open
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_institution_files_late_and_sees_filed_late(
    browser, live_server, institution, institution_staff, jinan, monkeypatch
):
    InstitutionState.objects.create(institution=institution, status="listed")
    Approval.objects.create(institution=institution, direction="ai", level="junior")
    klass = class_open(
        institution=institution,
        opened_by=None,
        name="人工智能初级班",
        direction="ai",
        level="junior",
        kind="open",
        target_group="graduates",
        city=jinan,
        starts_on=datetime.date(2025, 5, 1),
        ends_on=datetime.date(2025, 6, 30),  # the roster is due on 30 July
        theory_hours=64,
        practice_hours=64,
        capacity=3,
    )
    class_close(training_class=klass, closed_by=None)
    # The live server runs in this process: its clock reads 4 August, five days late.
    moment = timezone.make_aware(datetime.datetime(2025, 8, 4, 10))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    url = live_server.url + reverse("digital_engineer:class", kwargs={"pk": klass.pk})

    def steps(page):
        log_in(page, live_server.url, institution_staff.id_number, PASSWORD)
        page.goto(url)
        before = page.get_by_test_id("roster-status").inner_text()
        page.fill("#id_summary", "本期培训情况总结")
        page.get_by_role("button", name="报送备案").click()
        page.wait_for_load_state()
        status = page.get_by_test_id("roster-status")
        return before, status.inner_text(), status.get_attribute("class")

    before, after, css = browser.run(steps)
    assert "已逾期5天" in before
    assert RosterFiling.objects.get().status == "submitted"
    assert "逾期报送5天" in after
    assert "text-danger" in css
