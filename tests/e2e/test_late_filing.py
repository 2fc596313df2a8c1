"""In the browser: an institution files its roster after the due date and sees
逾期报送 with the days late, on the class page and not a green 已报送."""

import datetime

import pytest
from django.urls import reverse

from digital_engineer.models import RosterFiling
from digital_engineer.services import class_close
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.factories import make_training_class

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_institution_files_late_and_sees_filed_late(
    browser, live_server, institution, institution_staff, jinan, frozen
):
    klass = make_training_class(institution, jinan)
    class_close(training_class=klass, closed_by=None)
    # The live server runs in this process: its clock reads 4 August, five days late.
    frozen(datetime.date(2025, 8, 4))
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
