"""What the pages must carry for people who use a keyboard, a screen reader, or do not
tell colours apart (WCAG 2.1 AA); axe checks the rest in tests/e2e/test_accessibility.py."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from credits.models import Category, Source
from credits.services import credit_post
from tests.portal.test_page_markup import project_templates

YEAR = 2024


def give(person, public, professional, year=YEAR):
    for category, hours in ((Category.PUBLIC, public), (Category.PROFESSIONAL, professional)):
        credit_post(
            person=person,
            year=year,
            category=category,
            hours=Decimal(hours),
            source=Source.COURSE,
            source_ref=f"markup-{person.pk}-{year}-{category}",
        )


def test_no_control_sends_its_form_when_its_value_changes():
    """A year menu that reloads the page on every arrow key traps keyboard users
    (WCAG 3.2.2): forms are sent by their button."""
    offenders = [
        name
        for name, source in project_templates()
        if "data-autosubmit" in source or re.search(r"\bonchange=", source)
    ]
    scripts = Path(settings.BASE_DIR) / "static" / "js"
    offenders += [p.name for p in scripts.glob("*.js") if ".submit()" in p.read_text()]
    assert offenders == []


def test_every_progress_bar_has_a_name():
    unnamed = [
        f"{name}: {tag[:80]}"
        for name, source in project_templates()
        for tag in re.findall(r"<[^>]*role=\"progressbar\"[^>]*>", source)
        if "aria-label" not in tag
    ]
    assert unnamed == []


@pytest.mark.django_db
def test_pages_start_with_a_link_to_their_main_content(client):
    page = client.get(reverse("portal:login")).content.decode()
    body = page[page.index("<body") :]
    first_link = re.search(r"<a [^>]*>[^<]*</a>", body).group(0)
    assert 'href="#main"' in first_link and "跳到主要内容" in first_link
    assert '<main class="container mb-5" id="main"' in page


@pytest.mark.django_db
def test_staff_list_says_which_subject_falls_short_in_words(client, hr_a, alice):
    give(alice, public=30, professional=48)
    client.force_login(hr_a)
    page = client.get(reverse("credits:staff_list"), {"year": YEAR}).content.decode()
    row = re.search(r"<tr>\s*<td><a [^>]*>艾丽丝</a>.*?</tr>", page, re.S).group(0)
    cells = re.findall(r'<td class="text-end[^"]*">(.*?)</td>', row, re.S)
    assert [re.sub(r"<[^>]+>", "", c).strip() for c in cells] == ["30.0", "48.0 不足"]


@pytest.mark.django_db
def test_hours_chart_is_followed_by_its_figures_as_a_table(client, alice):
    give(alice, public=30, professional=48)
    client.force_login(alice)
    page = client.get(reverse("credits:my_hours"), {"year": YEAR}).content.decode()
    table = re.search(r'<table[^>]*data-testid="hours-chart-table".*?</table>', page, re.S)
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    text = [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in rows]
    assert f"{YEAR} 30.0 / 30.0 48.0 / 60.0 未达标" in text
    assert page.index('id="hours-chart"') < table.start()
