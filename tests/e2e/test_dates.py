"""Dates survive a save in a real browser (Chromium's date input reads only ISO)."""

import datetime

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_hr_corrects_a_title_level_and_the_title_date_survives(browser, live_server, hr_a, alice):
    profile = alice.profile
    profile.title_obtained_on = datetime.date(2017, 10, 1)
    profile.save(update_fields=["title_obtained_on"])

    def steps(page):
        log_in(page, live_server.url, hr_a.phone, PASSWORD)
        page.goto(f"{live_server.url}/hours/people/{alice.pk}/")
        correction = page.get_by_test_id("correction")
        correction.locator("summary").click()
        shown = page.input_value("#id_title_obtained_on")
        page.select_option("#id_title_level", "deputy_senior")
        page.fill("#id_reason", "职称晋升")
        correction.locator("button[type=submit]").click()
        page.wait_for_load_state()
        return shown, page.locator(".alert").all_inner_texts()

    shown, alerts = browser.run(steps)
    assert shown == "2017-10-01"  # the browser's date input shows the stored date
    assert any("人员信息已更正" in text for text in alerts), alerts
    profile.refresh_from_db()
    assert profile.title_level == "deputy_senior"
    assert profile.title_obtained_on == datetime.date(2017, 10, 1)
