"""我的学时's whole body is cached (credits.hours_cache.hours_body): a second load
draws nothing, and whatever the body shows — any year's hours in the history, a
year's rule — shows anew on the next load once it changes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from credits.models import YearRule
from tests.credits.test_my_hours_cache import alice10, html, my_hours, post  # noqa: F401

pytestmark = pytest.mark.django_db


def history_row(page: str, year: int) -> str:
    start = page.index(f'<th scope="row">{year}</th>')
    return page[start : page.index("</tr>", start)]


def test_a_second_load_draws_nothing_and_asks_only_for_the_rules_and_the_totals(
    client,
    alice10,  # noqa: F811
):
    client.force_login(alice10)
    first = my_hours(client, 2024)
    assert "credits/_my_hours_body.html" in [t.name for t in first.templates]
    with CaptureQueriesContext(connection) as queries:
        second = my_hours(client, 2024)
    assert html(second) == html(first)
    drawn = {t.name for t in second.templates}
    assert not drawn & {"credits/_my_hours_body.html", "credits/_history_chart.html"}
    tables = [q["sql"].split(" FROM ")[1].split()[0] for q in queries]
    assert tables == ['"credits_yearrule"', '"credits_personyeartotal"']


def test_an_entry_of_another_year_shows_in_the_history_at_once(client, alice10):  # noqa: F811
    client.force_login(alice10)
    before = history_row(html(my_hours(client, 2024)), 2023)
    post(alice10, 2023, "body-other-year", hours="7")
    after = history_row(html(my_hours(client, 2024)), 2023)
    assert before != after
    assert "22.5" in before and "29.5" in after  # 15 public entries of 1.5 hours, + 7


def test_a_changed_rule_shows_at_once(client, alice10):  # noqa: F811
    client.force_login(alice10)
    assert "/ 30" in history_row(html(my_hours(client, 2024)), 2022)
    YearRule.objects.filter(year=2022).update(public_min=42)
    assert "/ 42" in history_row(html(my_hours(client, 2024)), 2022)
