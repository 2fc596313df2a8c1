"""In the browser, issue 16's two flows end to end.

A: base staff propose a training, its managing unit (济南 city HR) approves it, a
professional finds it on the front page, logs in from it and enrols, the base
records her attendance and result and closes the training: her 我的学时 shows the
hours. B: a teacher's nominated course is scored and shortlisted by the association
and confirmed by provincial HR: her 我的学时 shows twice its hours.

Each actor has a browser context of her own, inside one run of the browser thread;
the ORM is only used before and after the run (tests/e2e/conftest.py says why)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from bases.models import Trainee, Training
from credits.models import CreditEntry, Source, YearRule
from learning.quality.models import QualityNomination
from learning.quality.services import nominate
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.learning.test_study import make_course

# live_server needs committed data; serialized_rollback restores the data
# migrations' rows (cities, year rules, the conversion table) after each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def ruled(year: int) -> None:
    """The year's rule (the migrations seed 2021–2026; the clock may have moved on)."""
    YearRule.objects.get_or_create(
        year=year, defaults={"public_min": Decimal(30), "professional_min": Decimal(60)}
    )


class Actors:
    """One browser context per actor, all in the browser thread's browser."""

    def __init__(self, page):
        self._browser = page.context.browser
        self._contexts = []

    def page(self):
        context = self._browser.new_context(locale="zh-CN", viewport={"width": 1200, "height": 900})
        self._contexts.append(context)
        return context.new_page()

    def close(self):
        for context in self._contexts:
            context.close()


def in_contexts(flow):
    """`flow(actors)` as the browser thread's steps, closing the actors' contexts."""

    def steps(page):
        actors = Actors(page)
        try:
            return flow(actors)
        finally:
            actors.close()

    return steps


def message(page) -> str:
    return page.locator(".alert").first.inner_text()


def my_hours(page) -> str:
    """The entries of 我的学时, reached from the logged-in professional's page."""
    page.get_by_role("link", name="我的学时").first.click()
    page.wait_for_load_state()
    return page.get_by_test_id("entries").inner_text()


def test_base_training_from_proposal_to_hours(
    browser, live_server, frozen, base, base_staff, jinan_hr, alice
):
    # A base proposes a training that starts after today (its managing unit agrees
    # first), within the base's validity (2021–2030): tomorrow, for two days. The
    # professional enrols before it starts; the base closes it on its last day (a
    # training is closed once it ends_on today or earlier) — the live server runs in
    # this process, so moving the clock (frozen) moves it too.
    today = timezone.localdate()
    starts = today + datetime.timedelta(days=1)
    ends = starts + datetime.timedelta(days=1)
    ruled(ends.year)
    url = live_server.url
    title = "智能制造前沿技术高级研修"

    def flow(actors):
        seen = {}
        # Base staff propose the training from their home page.
        staff = log_in(actors.page(), url, base_staff.id_number, PASSWORD)
        staff.get_by_role("link", name="申报培训").first.click()
        staff.fill("#id_title", title)
        staff.select_option("#id_category", "professional")
        staff.select_option("#id_field", "机械工程")
        staff.fill("#id_starts_on", starts.isoformat())
        staff.fill("#id_ends_on", ends.isoformat())
        staff.select_option("#id_mode", "offline")
        staff.fill("#id_hours", "16")
        staff.fill("#id_capacity", "30")
        staff.fill("#id_fee", "0")
        staff.check("#id_is_advanced_seminar")
        staff.get_by_role("button", name="申报", exact=True).click()
        staff.wait_for_load_state()
        seen["proposed"] = staff.get_by_test_id("training-status").inner_text()

        # Before approval the front page does not show it.
        visitor = actors.page()
        visitor.goto(f"{url}/")
        seen["front_before"] = visitor.get_by_test_id("front-bases").inner_text()

        # The managing unit (济南 city HR) approves it from its queue.
        hr = log_in(actors.page(), url, jinan_hr.id_number, PASSWORD)
        hr.get_by_role("link", name="待审核的基地培训").first.click()
        row = hr.get_by_test_id("waiting").locator("tr", has_text=title)
        row.get_by_role("button", name="核准").click()
        hr.wait_for_load_state()
        seen["approved"] = message(hr)

        # A professional, logged out, finds it on the front page and enrols.
        visitor.goto(f"{url}/")
        visitor.get_by_test_id("front-bases").get_by_role("link", name=title).click()
        visitor.wait_for_load_state()
        seen["public"] = visitor.get_by_test_id("training-facts").inner_text()
        visitor.get_by_role("link", name="登录后报名").click()
        visitor.fill("#id_username", alice.phone)
        visitor.fill("#id_password", PASSWORD)
        visitor.click("main button[type=submit]")
        visitor.wait_for_load_state()
        visitor.get_by_role("button", name="报名参加").click()
        visitor.wait_for_load_state()
        seen["enrolled"] = visitor.get_by_test_id("enrolment").inner_text()

        # On the training's last day the base (back on its training's page) records
        # her attendance and result, then closes the training.
        frozen(ends)  # only the clock: no ORM in the browser thread
        staff.reload()
        staff.get_by_role("link", name="学员、参训情况和结果").click()
        row = staff.get_by_test_id("trainees").locator("tr", has_text=alice.real_name)
        row.get_by_role("checkbox").check()
        row.get_by_role("combobox").select_option(label="合格")
        staff.get_by_role("button", name="保存本页").click()
        staff.wait_for_load_state()
        seen["counts"] = staff.get_by_test_id("trainee-counts").inner_text()
        staff.get_by_role("link", name=title).click()
        staff.get_by_role("link", name="培训结项").click()
        staff.wait_for_load_state()
        seen["summary"] = staff.get_by_test_id("close-summary").inner_text()
        staff.get_by_role("button", name="结项并登记学时").click()
        staff.wait_for_load_state()
        seen["closed"] = message(staff)
        seen["status"] = staff.get_by_test_id("training-status").inner_text()

        # Her hours are on 我的学时, from her home page.
        visitor.click(".navbar-brand")
        seen["entries"] = my_hours(visitor)
        return seen

    seen = browser.run(in_contexts(flow))
    assert "待审核" in seen["proposed"]
    assert title not in seen["front_before"]
    assert "已同意" in seen["approved"]
    assert "济南" in seen["public"] and "16.0 学时" in seen["public"]
    assert "尚余 30 个名额" in seen["public"]
    assert "您已报名该培训" in seen["enrolled"]
    assert "已报名 1 人" in seen["counts"] and "合格 1 人" in seen["counts"]
    assert "1 名学员" in seen["summary"] and "专业科目 16.0 学时" in seen["summary"]
    assert "已为 1 名学员登记学时" in seen["closed"]
    assert "已结项" in seen["status"]
    assert f"专业科目\t16.0\t基地培训\t{title}" in seen["entries"]

    training = Training.objects.get()
    assert training.status == Training.Status.CLOSED
    trainee = Trainee.objects.get()
    entry = CreditEntry.objects.get(source=Source.BASE_TRAINING)
    assert (entry.person, entry.hours, entry.category, entry.year) == (
        alice,
        Decimal(16),
        "professional",
        ends.year,
    )
    assert trainee.credit == entry


def test_quality_course_shortlisted_and_confirmed(
    browser, live_server, alice, association, province_hr
):
    year = timezone.localdate().year
    ruled(year)
    course = make_course(title="黄河文化与生态保护", hours="3", teacher=alice)
    nominate(course=course, year=year, nominated_by=alice)
    url = live_server.url

    def flow(actors):
        seen = {}
        # An association expert scores the nomination, then the association
        # shortlists it.
        expert = log_in(actors.page(), url, association.id_number, PASSWORD)
        expert.get_by_role("link", name="待评审的推荐课程").first.click()
        card = expert.get_by_test_id("queue").locator(".card", has_text=course.title)
        card.locator("input[name=score]").fill("92")
        card.locator("textarea[name=comment]").fill("内容扎实，讲解清楚")
        card.get_by_role("button", name="保存我的评审").click()
        expert.wait_for_load_state()
        card = expert.get_by_test_id("queue").locator(".card", has_text=course.title)
        seen["mean"] = card.get_by_test_id("mean-score").inner_text()
        card.get_by_role("button", name="列入入围名单").click()
        expert.wait_for_load_state()
        seen["decided"] = expert.get_by_test_id("decided").inner_text()

        # Provincial HR confirms it (the button asks first).
        hr = log_in(actors.page(), url, province_hr.id_number, PASSWORD)
        hr.get_by_role("link", name="优质在线公需课评选").first.click()
        shortlist = hr.get_by_test_id("shortlist")
        seen["shortlist"] = shortlist.inner_text()
        hr.on("dialog", lambda dialog: dialog.accept())
        shortlist.get_by_role("button", name="确认入选").click()
        hr.wait_for_load_state()
        seen["confirmed"] = hr.get_by_test_id("decided").inner_text()

        # The teacher's 我的学时 shows twice the course's hours.
        seen["entries"] = my_hours(log_in(actors.page(), url, alice.phone, PASSWORD))
        return seen

    seen = browser.run(in_contexts(flow))
    assert "92.0" in seen["mean"]
    assert course.title in seen["decided"] and "已入围" in seen["decided"]
    assert "协会评审专家\t92\t内容扎实" in seen["shortlist"]
    assert f"{year} · {course.title} · 入选" in seen["confirmed"]
    assert f"公需科目\t6.0\t优质在线公需课授课\t{course.title}" in seen["entries"]

    assert QualityNomination.objects.get().status == QualityNomination.Status.SELECTED
    entry = CreditEntry.objects.get()
    assert (entry.person, entry.source, entry.hours) == (alice, Source.QUALITY_COURSE, 6)
