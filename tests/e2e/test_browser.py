from decimal import Decimal

import pytest

from credits.models import Category, Source
from credits.services import credit_post
from portal.models import Membership, Role
from tests.conftest import PASSWORD

# live_server needs committed data; serialized_rollback restores the data
# migrations' rows (cities, year rules, the conversion table) after each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_professional_sees_her_year_and_chart(page, log_in, live_server, alice):
    for category, hours in ((Category.PUBLIC, 30), (Category.PROFESSIONAL, 48)):
        credit_post(
            person=alice,
            year=2025,
            category=category,
            hours=Decimal(hours),
            source=Source.COURSE,
            source_ref=f"e2e-{category}",
        )
    log_in(alice.phone, PASSWORD)
    assert page.get_by_test_id("active-role").inner_text() == "专业技术人员"
    page.get_by_role("link", name="我的学时").click()
    page.select_option("#year-select", "2025")
    page.wait_for_load_state()
    assert "专业科目还差 12 学时" in page.get_by_test_id("year-status").inner_text()
    assert page.get_by_test_id("verdict").inner_text() == "未达标"
    # The vendored Chart.js drew the history chart.
    page.wait_for_function("Chart.getChart('hours-chart') !== undefined")
    bars = page.evaluate("Chart.getChart('hours-chart').data.datasets[1].data")
    assert 48 in bars


def test_declaration_form_suggests_hours_from_the_table(page, log_in, alice):
    log_in(alice.id_number, PASSWORD)
    page.get_by_role("link", name="学时申报").click()
    page.get_by_role("link", name="学时申报").last.click()
    page.select_option("#id_kind", label="参加国家级学术会议")
    page.fill("#id_quantity", "1")
    assert page.locator("#suggested-hours").inner_text() == "12"
    page.check("#id_with_bonus")
    assert page.locator("#suggested-hours").inner_text() == "18"


def test_role_switch_from_the_header(page, log_in, alice, unit_a):
    Membership.objects.create(user=alice, role=Role.UNIT_HR, unit=unit_a)
    log_in(alice.phone, PASSWORD)
    page.click("#role-menu")
    page.get_by_role("button", name=f"单位人事管理员：{unit_a.name}").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("active-role").inner_text() == "单位人事管理员"
    assert unit_a.name in page.get_by_test_id("scope").inner_text()


def test_phone_sized_screen_has_a_menu_button(browser, live_server, alice):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", alice.phone)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    toggler = page.locator(".navbar-toggler")
    assert toggler.is_visible()
    toggler.click()
    assert page.get_by_role("button", name="退出登录").is_visible()
    context.close()
