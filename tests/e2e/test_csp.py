"""The pages' scripts under the Content-Security-Policy: nothing is blocked, and what
used to be inline (confirmations, htmx progress) still works."""

import pytest
from django.urls import reverse

from certificates.models import Certificate, IssuanceBatch
from tests.certificates.conftest import YEAR, make_compliant
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def watch_csp(page) -> list[str]:
    """Collect what the browser reports blocking by the policy."""
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return blocked


def test_professional_pages_run_their_scripts_without_violations(browser, live_server, alice):
    my_hours = live_server.url + reverse("credits:my_hours")
    declare = live_server.url + reverse("credits:declaration_new")

    def steps(page):
        blocked = watch_csp(page)
        log_in(page, live_server.url, alice.phone, PASSWORD)
        page.goto(my_hours)
        page.select_option("#year-select", str(YEAR))
        page.get_by_test_id("year-show").click()
        page.wait_for_url(f"**year={YEAR}*")
        page.wait_for_load_state()
        # Not wait_for_function: polling a string predicate evals it in the page, which
        # the policy refuses; the chart is drawn by the time the page has loaded.
        drawn = page.evaluate("Chart.getChart('hours-chart') !== undefined")
        page.goto(declare)
        page.select_option("#id_kind", label="参加国家级学术会议")
        page.fill("#id_quantity", "1")
        return drawn, page.locator("#suggested-hours").inner_text(), blocked

    assert browser.run(steps) == (True, "12.0", [])


def test_issuing_a_batch_asks_first_and_shows_its_progress(
    browser, live_server, alice, hr_a, eager_celery
):
    make_compliant(alice)
    unit_page = f"{live_server.url}{reverse('certificates:unit')}?year={YEAR}"

    def steps(page):
        blocked = watch_csp(page)
        log_in(page, live_server.url, hr_a.phone, PASSWORD)
        page.goto(unit_page)
        button = page.get_by_role("button", name="发放1份证书")
        page.once("dialog", lambda dialog: dialog.dismiss())
        button.click()
        page.wait_for_timeout(300)
        url_after_no = page.url
        page.once("dialog", lambda dialog: dialog.accept())
        button.click()
        page.wait_for_url("**/certificates/batches/*/")
        page.get_by_test_id("job-status").filter(has_text="已完成").wait_for()
        return blocked, url_after_no

    blocked, url_after_no = browser.run(steps)
    assert "/certificates/unit/" in url_after_no
    assert IssuanceBatch.objects.count() == 1
    assert Certificate.objects.filter(person=alice, year=YEAR).count() == 1
    assert blocked == []
