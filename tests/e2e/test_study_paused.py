"""A lesson page whose beats cannot be counted for now (Redis down: a JSON 503; a
reply that is not JSON, such as the CSRF failure page) says that timing is paused and
retrying, and the notice goes once a beat counts again."""

import pytest

from learning.catalog.services import enrol
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.learning.test_study import make_course

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PAUSED = "计时暂停，正在重试…"


def test_the_lesson_page_says_when_timing_is_paused(browser, live_server, alice, settings):
    settings.STUDY_HEARTBEAT_SECONDS = 1
    course = make_course(minutes=30, lessons=1)
    enrol(person=alice, course=course)
    lesson = course.lessons.first()
    lesson_url = f"{live_server.url}/lessons/{lesson.pk}/"
    redis_url = settings.REDIS_URL

    def beat_answered(page, status):
        return page.expect_response(
            lambda response: "/heartbeat/" in response.url and response.status == status,
            timeout=15000,
        )

    def steps(page):
        log_in(page, live_server.url, alice.phone, PASSWORD)
        with beat_answered(page, 200):
            page.goto(lesson_url)
        notice = page.get_by_test_id("lesson-notice")
        seen = {"counting": notice.is_hidden()}
        settings.REDIS_URL = "redis://127.0.0.1:1/0"  # Redis is down: beats get a 503
        with beat_answered(page, 503):
            pass
        notice.filter(has_text=PAUSED).wait_for(timeout=15000)
        seen["503"] = notice.inner_text()
        settings.REDIS_URL = redis_url  # back: the next beat counts, the notice goes
        notice.wait_for(state="hidden", timeout=15000)
        seen["back"] = notice.is_hidden()
        # A CSRF cookie the server rejects: its 403 is an HTML page, not JSON.
        page.context.add_cookies([{"name": "csrftoken", "value": "bad!", "url": live_server.url}])
        with beat_answered(page, 403):
            pass
        notice.filter(has_text=PAUSED).wait_for(timeout=15000)
        seen["403"] = notice.inner_text()
        return seen

    seen = browser.run(steps)
    assert seen == {"counting": True, "503": PAUSED, "back": True, "403": PAUSED}
