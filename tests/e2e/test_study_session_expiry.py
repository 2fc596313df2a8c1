"""A lesson page whose session has gone says that study time is no longer counted and
offers a link to log in again, back to the lesson."""

import pytest

from learning.catalog.services import enrol
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.learning.test_study import make_course

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_lesson_page_says_when_time_is_no_longer_counted(browser, live_server, alice, settings):
    settings.STUDY_HEARTBEAT_SECONDS = 1
    course = make_course(minutes=30, lessons=1)
    enrol(person=alice, course=course)
    lesson = course.lessons.first()
    lesson_url = f"{live_server.url}/lessons/{lesson.pk}/"

    def steps(page):
        log_in(page, live_server.url, alice.phone, PASSWORD)
        # The first beat renews the session (a new cookie): let it arrive first.
        with page.expect_response(lambda response: "/heartbeat/" in response.url):
            page.goto(lesson_url)
        notice = page.get_by_test_id("lesson-notice")
        hidden_while_logged_in = notice.is_hidden()
        # The session is gone (expired, or ended elsewhere): the server no longer
        # knows the cookie the page sends.
        page.context.add_cookies([{"name": "sessionid", "value": "gone", "url": live_server.url}])
        notice.filter(has_text="学习时间已停止计入").wait_for(timeout=15000)
        link = notice.get_by_role("link", name="重新登录")
        href, text = link.get_attribute("href"), notice.inner_text()
        link.click()
        page.wait_for_load_state()
        log_in_url = page.url
        page.fill("#id_username", alice.phone)
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        return hidden_while_logged_in, text, href, log_in_url, page.url

    hidden, text, href, log_in_url, back = browser.run(steps)
    assert hidden
    assert "登录已失效，学习时间已停止计入。请重新登录后继续学习。" in text
    assert href == f"/login/?next=%2Flessons%2F{lesson.pk}%2F"
    assert log_in_url.startswith(f"{live_server.url}/login/")
    assert back == lesson_url  # logged in again, back on the lesson
