"""Hours are written one way on every page that shows a shortfall: one decimal and a
space on each side inside a sentence ("还差 15.0 学时"), never "还差15学时"."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from credits.services import credit_post
from learning.models import Course
from portal.formats import format_hours
from tests.credits.test_year_rule_admin import post

YEAR = 2025
# Any number followed by 学时 (with or without a space): each must read "15.0 学时".
HOURS_WRITTEN = re.compile(r"(\d+(?:\.\d+)?)(\s*)学时")


def assert_one_way(text: str) -> list[str]:
    found = HOURS_WRITTEN.findall(text)
    wrong = [
        f"{n}{space}学时" for n, space in found if not re.fullmatch(r"\d+\.\d", n) or space != " "
    ]
    assert not wrong, wrong
    return [n for n, _space in found]


@pytest.fixture
def short_alice(alice):
    """15 of 30 public hours, 48.5 of 60 professional: short in both."""
    credit_post(
        person=alice,
        year=YEAR,
        category="public",
        hours=Decimal(15),
        source="course",
        source_ref="fmt-1",
    )
    credit_post(
        person=alice,
        year=YEAR,
        category="professional",
        hours=Decimal("48.5"),
        source="course",
        source_ref="fmt-2",
    )
    Course.objects.create(
        title="十学时课",
        teacher_name="张教授",
        category="public",
        hours=Decimal(10),
        first_year=YEAR,
        last_year=YEAR,
        status=Course.Status.PUBLISHED,
    )
    return alice


def test_format_hours_has_one_decimal():
    assert [format_hours(v) for v in (15, Decimal("15"), Decimal("1.5"), Decimal("0.25"))] == [
        "15.0",
        "15.0",
        "1.5",
        "0.3",
    ]


@pytest.mark.django_db
def test_my_hours_writes_shortfalls_one_way(client, short_alice):
    client.force_login(short_alice)
    page = client.get(reverse("credits:my_hours"), {"year": YEAR}).content.decode()
    assert "公需科目还差 15.0 学时" in page
    assert "专业科目还差 11.5 学时" in page
    assert_one_way(page)


@pytest.mark.django_db
def test_gap_planner_writes_shortfalls_one_way(client, short_alice):
    client.force_login(short_alice)
    page = client.get(reverse("learning:suggestions"), {"year": YEAR}).content.decode()
    assert "公需科目还差 15.0 学时" in page
    assert "专业科目还差 11.5 学时" in page
    assert "10.0 学时" in page  # the course's hours
    assert_one_way(page)


@pytest.mark.django_db
def test_eligibility_page_writes_shortfalls_one_way(client, short_alice):
    client.force_login(short_alice)
    page = client.get(reverse("credits:eligibility", args=[short_alice.pk])).content.decode()
    assert "还差 15.0 学时" in page
    assert_one_way(page)


@pytest.mark.django_db
def test_certificate_refusal_writes_shortfalls_one_way(short_alice):
    from certificates.services import CertificateError, certificate_issue

    with pytest.raises(CertificateError) as refusal:
        certificate_issue(person=short_alice, year=YEAR, issued_by=short_alice)
    assert "公需科目还差 15.0 学时" in str(refusal.value)
    assert_one_way(str(refusal.value))


@pytest.mark.django_db
def test_staff_list_writes_hours_one_way(client, hr_a, short_alice):
    post(short_alice, ref="fmt-3", hours="2")
    client.force_login(hr_a)
    page = client.get(reverse("credits:staff_list"), {"year": YEAR}).content.decode()
    assert "公需科目不少于 30.0 学时" in page
    assert "17.0" in page
    assert_one_way(page)
