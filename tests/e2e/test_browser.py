import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from credits.models import Category, Source
from credits.services import credit_post
from portal.models import Membership, Role
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.factories import id_number_for

# live_server needs committed data; serialized_rollback restores the data
# migrations' rows (cities, year rules, the conversion table) after each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_professional_sees_her_year_and_chart(browser, live_server, alice):
    for category, hours in ((Category.PUBLIC, 30), (Category.PROFESSIONAL, 48)):
        credit_post(
            person=alice,
            year=2025,
            category=category,
            hours=Decimal(hours),
            source=Source.COURSE,
            source_ref=f"e2e-{category}",
        )

    def steps(page):
        log_in(page, live_server.url, alice.phone, PASSWORD)
        role = page.get_by_test_id("active-role").inner_text()
        page.get_by_role("link", name="我的学时").click()
        page.select_option("#year-select", "2025")
        page.get_by_test_id("year-show").click()
        page.wait_for_load_state()
        # The vendored Chart.js drew the history chart.
        page.wait_for_function("Chart.getChart('hours-chart') !== undefined")
        return {
            "role": role,
            "status": page.get_by_test_id("year-status").inner_text(),
            "verdict": page.get_by_test_id("verdict").inner_text(),
            "bars": page.evaluate("Chart.getChart('hours-chart').data.datasets[1].data"),
        }

    seen = browser.run(steps)
    assert seen["role"] == "专业技术人员"
    assert "专业科目还差 12.0 学时" in seen["status"]
    assert seen["verdict"] == "未达标"
    assert 48 in seen["bars"]


def test_declaration_form_suggests_hours_from_the_table(browser, live_server, alice):
    def steps(page):
        log_in(page, live_server.url, alice.id_number, PASSWORD)
        page.get_by_role("link", name="学时申报").click()
        page.get_by_role("link", name="学时申报").last.click()
        page.select_option("#id_kind", label="参加国家级学术会议")
        page.fill("#id_quantity", "1")
        plain = page.locator("#suggested-hours").inner_text()
        page.check("#id_with_bonus")
        return plain, page.locator("#suggested-hours").inner_text()

    assert browser.run(steps) == ("12.0", "18.0")  # one decimal, as the detail page


def test_role_switch_from_the_header(browser, live_server, alice, unit_a):
    Membership.objects.create(user=alice, role=Role.UNIT_HR, unit=unit_a)

    def steps(page):
        log_in(page, live_server.url, alice.phone, PASSWORD)
        page.click("#role-menu")
        page.get_by_role("button", name=f"单位人事管理员：{unit_a.name}").click()
        page.wait_for_load_state()
        return page.get_by_test_id("active-role").inner_text(), page.get_by_test_id(
            "scope"
        ).inner_text()

    role, scope = browser.run(steps)
    assert role == "单位人事管理员"
    assert unit_a.name in scope


def test_phone_sized_screen_has_a_menu_button(browser, live_server, alice):
    def steps(page):
        log_in(page, live_server.url, alice.phone, PASSWORD)
        toggler = page.locator(".navbar-toggler")
        visible_before = toggler.is_visible()
        toggler.click()
        return visible_before, page.get_by_role("button", name="退出登录").is_visible()

    assert browser.run(steps, width=390, height=844) == (True, True)


def test_professional_studies_a_course_and_sees_the_hours(browser, live_server, alice, settings):
    from learning.models import Choice, Course, Lesson, Question

    settings.STUDY_HEARTBEAT_SECONDS = 1
    settings.STUDY_SECONDS_PER_MINUTE = 2  # a one-minute lesson takes two seconds here
    year = timezone.localdate().year
    course = Course.objects.create(
        title="演示短课",
        teacher_name="赵老师",
        category="public",
        hours=Decimal(2),
        first_year=year,
        last_year=year,
        status=Course.Status.PUBLISHED,
    )
    Lesson.objects.create(course=course, title="第1讲", content="学习内容", minutes=1)
    question = Question.objects.create(course=course, text="本课程属于哪类科目？")
    Choice.objects.create(question=question, text="公需科目", correct=True)
    Choice.objects.create(question=question, text="专业科目")

    def steps(page):
        log_in(page, live_server.url, alice.phone, PASSWORD)
        page.goto(f"{live_server.url}/courses/{course.pk}/")
        page.get_by_role("button", name="选课").click()
        page.get_by_role("link", name="第1讲").click()
        # A locator wait, not wait_for_function: polling a string predicate evals it in
        # the page, which the Content-Security-Policy refuses.
        page.get_by_test_id("lesson-status").filter(has_text="本课时已完成").wait_for(timeout=20000)
        page.goto(f"{live_server.url}/courses/{course.pk}/quiz/")
        page.get_by_label("公需科目").check()
        page.get_by_role("button", name="提交").click()
        page.wait_for_load_state()
        return page.get_by_test_id("year-status").inner_text(), page.content()

    status, content = browser.run(steps)
    assert "2.0 / 30.0" in status
    assert "测验通过" in content


def test_department_admin_publishes_a_plan_her_industry_sees(
    browser, live_server, health_admin, alice
):
    from credits.selectors import default_year

    year = str(default_year())
    topics = [("医院感染防控新进展", "20"), ("临床合理用药", "24"), ("医疗质量管理", "16")]

    def admin_steps(page):
        log_in(page, live_server.url, health_admin.phone, PASSWORD)
        page.goto(f"{live_server.url}/plans/manage/new/")
        page.fill("#id_year", year)
        page.fill("#id_title", "卫生健康专业科目学习方案")
        page.fill("#id_audience", "全省卫生专业技术人员")
        for index, (topic, hours) in enumerate(topics):
            page.fill(f"#id_items-{index}-topic", topic)
            page.fill(f"#id_items-{index}-hours", hours)
            page.select_option(f"#id_items-{index}-mode", "online")
        page.get_by_role("button", name="保存").click()
        page.wait_for_load_state()
        page.get_by_role("button", name="发布").click()
        page.wait_for_load_state()
        downloads = []
        for name in ("Word", "PDF"):
            with page.expect_download() as info:
                page.get_by_role("link", name=name).click()
            downloads.append(info.value.suggested_filename)
        return downloads

    word, pdf = browser.run(admin_steps)
    # Chromium saves the Chinese name (filename*), not the ASCII fallback.
    assert (word, pdf) == ("卫生健康专业科目学习方案.docx", "卫生健康专业科目学习方案.pdf")

    def professional_steps(page):
        log_in(page, live_server.url, alice.phone, PASSWORD)
        page.wait_for_selector("[data-testid=my-plan]", timeout=10000)
        return page.get_by_test_id("my-plan").inner_text()

    shown = browser.run(professional_steps)
    assert "卫生健康专业科目学习方案" in shown
    assert "临床合理用药" in shown


def test_institution_runs_a_class_and_city_hr_acknowledges_the_filing(
    browser, live_server, institution, institution_staff, jinan_hr, unit_a, eager_celery
):
    from digital_engineer.models import Approval, InstitutionState, RosterFiling
    from tests.factories import make_professional

    InstitutionState.objects.create(institution=institution, status="listed")
    Approval.objects.create(institution=institution, direction="ai", level="junior")
    people = [make_professional(unit_a) for _ in range(3)]

    def staff_steps(page):
        page.on("dialog", lambda dialog: dialog.accept())
        log_in(page, live_server.url, institution_staff.phone, PASSWORD)
        page.goto(f"{live_server.url}/digital/classes/")
        page.fill("#id_name", "人工智能初级一期")
        page.select_option("#id_direction", "ai")
        page.select_option("#id_level", "junior")
        page.select_option("#id_kind", "open")
        page.select_option("#id_target_group", "graduates")
        page.select_option("#id_city", label="济南市")
        page.fill("#id_starts_on", "2025-05-01")
        page.fill("#id_ends_on", "2025-06-30")
        page.fill("#id_theory_hours", "64")
        page.fill("#id_practice_hours", "64")
        page.fill("#id_capacity", "3")
        page.get_by_role("button", name="开设").click()
        page.wait_for_load_state()
        for person in people:
            page.fill("#id_id_number", person.id_number)
            page.fill("#id_real_name", person.real_name)
            page.get_by_role("button", name="添加学员").click()
            page.wait_for_load_state()
        for index, person in enumerate(people):
            row = page.locator("tr", has_text=person.real_name)
            inputs = row.locator("input.form-control")
            for field, value in enumerate(("64", "64", str(55 + 10 * index), "80")):
                inputs.nth(field).fill(value)
            row.get_by_role("button", name="保存").click()
            page.wait_for_load_state()
        page.get_by_role("button", name="结业").click()
        page.wait_for_load_state()
        with page.expect_download() as download:
            page.locator("a[href*='/digital/certificates/']").first.click()
        name = download.value.suggested_filename
        page.fill("#id_summary", "本期培训共3人，2人考核合格。")
        page.get_by_role("button", name="报送备案").click()
        page.wait_for_load_state()
        return name

    certificate_file = browser.run(staff_steps)
    assert certificate_file.startswith("培训合格证书-SDSZ2025")
    assert certificate_file.endswith(".pdf")

    def hr_steps(page):
        log_in(page, live_server.url, jinan_hr.phone, PASSWORD)
        page.goto(f"{live_server.url}/digital/filings/")
        row = page.locator("tr", has_text="人工智能初级一期")
        status = row.inner_text()
        row.get_by_role("button", name="确认").click()
        page.wait_for_load_state()
        return status

    assert "已报送" in browser.run(hr_steps)
    assert RosterFiling.objects.get().status == "acknowledged"
    from credits.models import CreditEntry
    from digital_engineer.models import TrainingCertificate

    assert TrainingCertificate.objects.count() == 2  # the trainee with 55 failed
    assert CreditEntry.objects.filter(source="digital_engineer").count() == 2


def test_a_new_professional_registers_waits_for_her_unit_and_gets_in(
    browser, live_server, unit_a, hr_a
):
    number = id_number_for(777, birth=datetime.date(1992, 4, 18))

    def register(page):
        page.goto(f"{live_server.url}/login/")
        page.get_by_role("link", name="注册", exact=True).click()
        page.fill("#id_id_number", number)
        page.fill("#id_real_name", "孟新")
        page.fill("#id_phone", "13900007777")
        page.fill("#id_password1", PASSWORD)
        page.fill("#id_password2", PASSWORD)
        page.select_option("#id_city", label=unit_a.city.name)
        # The unit list follows the city (htmx), then the search words.
        page.fill("#id_unit_search", unit_a.name[:3])
        page.wait_for_selector(f"#id_unit option:has-text('{unit_a.name}')", state="attached")
        page.select_option("#id_unit", label=unit_a.name)
        page.select_option("#id_title_series", "health")
        page.get_by_role("button", name="注册").click()
        page.wait_for_load_state()
        waiting = page.get_by_test_id("registration-status").inner_text()
        page.goto(f"{live_server.url}/hours/my/")
        return waiting, page.locator("main").inner_text()

    waiting, refused = browser.run(register)
    assert "等待审核" in waiting and unit_a.name in waiting
    assert "403" in refused or "权限" in refused

    def approve(page):
        log_in(page, live_server.url, hr_a.phone, PASSWORD)
        page.get_by_role("link", name="账号管理").click()
        row = page.get_by_test_id("registrations").locator("tr", has_text="孟新")
        row.get_by_role("button", name="通过", exact=True).click()
        page.wait_for_selector(".alert-success")
        return page.get_by_test_id("registrations").inner_text()

    assert "孟新" not in browser.run(approve)

    def home(page):
        log_in(page, live_server.url, number, PASSWORD)
        return page.get_by_test_id("active-role").inner_text()

    assert browser.run(home) == "专业技术人员"
