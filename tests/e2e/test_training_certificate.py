"""A trainee finds her 培训合格证书 in 我的证书 and downloads it."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.factories import make_training_certificate

# live_server needs committed data; serialized_rollback restores the data
# migrations' rows (cities, year rules, the conversion table) after each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_a_trainee_sees_and_downloads_her_training_certificate(
    browser, live_server, institution, jinan, alice, eager_celery
):
    # The PDF is rendered after commit (eager Celery).
    certificate = make_training_certificate(
        institution, jinan, alice, scores=(85, 78), name="人工智能初级一期"
    )

    def steps(page):
        log_in(page, live_server.url, alice.phone, PASSWORD)
        page.get_by_role("link", name="我的证书").first.click()
        page.wait_for_load_state()
        row = page.get_by_test_id("held-certificates").locator("tr", has_text=certificate.serial)
        text = row.inner_text()
        with page.expect_download() as download:
            row.get_by_role("link", name="下载PDF").click()
        return page.locator("h1").inner_text(), text, download.value.suggested_filename

    heading, row, filename = browser.run(steps)
    assert heading == "我的证书"
    assert "数字技术工程师培训合格证书" in row
    assert "理论 64.0 学时 + 实操 64.0 学时" in row
    assert "有效" in row
    assert filename == f"培训合格证书-{certificate.serial}.pdf"
