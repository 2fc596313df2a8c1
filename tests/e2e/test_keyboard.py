"""Keyboard only: a professional logs in, opens 我的学时, changes the year and opens a
lesson with the Tab and Enter keys and the arrow keys, and sees where the focus is at
every stop (the focused control's outline or shadow differs from its look unfocused)."""

import datetime
from decimal import Decimal

import pytest

from credits.models import Category, Source
from credits.services import credit_post
from learning.catalog.services import enrol
from learning.models import Course, Lesson
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

FOCUS_LOOK = """el => {
  const s = getComputedStyle(el);
  return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow].join(' | ');
}"""
DESCRIBE = """el => (el.getAttribute('aria-label') || el.textContent || el.value || el.id)
  .trim().replace(/\\s+/g, ' ').slice(0, 40)"""


class Keyboard:
    """Tab through a page, remembering how each stop looked focused and, once the focus
    has moved on, unfocused."""

    def __init__(self, page):
        self.page = page
        self.stops = []  # (page path, name, look focused, look unfocused)
        self._current = None  # (element, page path, name, look focused)

    def press(self, key):
        previous, self._current = self._current, None
        if key == "Enter":  # every Enter of this test follows a link or sends a form
            with self.page.expect_navigation():
                self.page.keyboard.press(key)
            return
        self.page.keyboard.press(key)
        active = self.page.evaluate_handle("document.activeElement")
        if previous is not None:
            element, path, name, look = previous
            if element.evaluate("(el, active) => el === active", active):
                self._current = previous  # the arrow keys keep the focus where it is
                return
            self.stops.append((path, name, look, element.evaluate(FOCUS_LOOK)))
        path = "/" + self.page.url.split("//", 1)[1].split("/", 1)[1]
        self._current = (active, path, active.evaluate(DESCRIBE), active.evaluate(FOCUS_LOOK))

    def focused(self) -> tuple[str, str]:
        """The id and the name of the control with the focus."""
        handle = self.page.evaluate_handle("document.activeElement")
        return handle.evaluate("el => el.id"), handle.evaluate(DESCRIBE)

    def tab_to(self, name: str = "", *, element_id: str = "", limit: int = 60):
        """Press Tab until the control whose name starts with `name` (or whose id is
        `element_id`) has the focus."""
        for _ in range(limit):
            self.press("Tab")
            focused_id, focused_name = self.focused()
            if focused_id == element_id if element_id else focused_name.startswith(name):
                return
        raise AssertionError(f"{name or element_id!r} not reached by {limit} presses of Tab")

    def type(self, text: str):
        self.page.keyboard.type(text)


@pytest.fixture
def studying(alice):
    year = datetime.date.today().year
    for category, hours in ((Category.PUBLIC, 30), (Category.PROFESSIONAL, 48)):
        credit_post(
            person=alice,
            year=year - 1,
            category=category,
            hours=Decimal(hours),
            source=Source.COURSE,
            source_ref=f"keyboard-{category}",
        )
    course = Course.objects.create(
        title="网络安全基础",
        teacher_name="王工程师",
        category="public",
        hours=Decimal(2),
        first_year=year,
        last_year=year,
        status=Course.Status.PUBLISHED,
    )
    Lesson.objects.create(course=course, title="第1讲", content="学习内容", minutes=1, order=1)
    enrol(person=alice, course=course)
    return alice


def test_professional_reaches_her_year_and_a_lesson_with_the_keyboard(
    browser, live_server, studying
):
    last_year = str(datetime.date.today().year - 1)

    def steps(page):
        keys = Keyboard(page)
        page.goto(f"{live_server.url}/login/")
        if keys.focused()[0] != "id_username":  # the field has autofocus
            keys.tab_to(element_id="id_username")
        keys.type(studying.phone)
        keys.tab_to(element_id="id_password")
        keys.type(PASSWORD)
        keys.press("Enter")
        keys.press("Tab")  # the first stop of every page
        skip_link = (keys.focused()[1], page.locator(".skip-link").is_visible())
        keys.tab_to("我的学时")
        keys.press("Enter")
        hours_url = page.url
        keys.tab_to(element_id="year-select")
        keys.press("ArrowDown")  # the next year down the list: no reload yet
        still_there = page.url == hours_url
        chosen = page.locator("#year-select").input_value()
        keys.tab_to("查看")
        keys.press("Enter")
        year_shown = page.get_by_test_id("year-status").inner_text()
        keys.tab_to("继续教育公共服务平台")  # the header's link home
        keys.press("Enter")
        keys.tab_to("在线学习")
        keys.press("Enter")
        keys.tab_to("网络安全基础")
        keys.press("Enter")
        keys.tab_to("第1讲")
        keys.press("Enter")
        keys.press("Tab")
        keys.press("Tab")  # the last stop's unfocused look is read as the focus moves on
        return skip_link, still_there, chosen, page.url, year_shown, page.title(), keys.stops

    skip_link, still_there, chosen, url, year_shown, title, stops = browser.run(steps)
    assert skip_link == ("跳到主要内容", True)
    assert still_there and chosen == last_year
    assert last_year in year_shown
    assert "/lessons/" in url and "第1讲" in title
    invisible = [
        f"{path} {name}: {look}" for path, name, look, unfocused in stops if look == unfocused
    ]
    assert len(stops) > 10
    assert invisible == []
