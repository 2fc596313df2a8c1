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


def test_a_second_load_draws_nothing_and_asks_once_for_the_rules_with_the_totals(
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
    (query,) = queries  # the rules joined with the person's totals
    assert "credits_yearrule" in query["sql"] and "credits_personyeartotal" in query["sql"]


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


def test_without_any_rule_the_page_shows_this_year_with_no_hours(client, alice10):  # noqa: F811
    from django.utils import timezone

    YearRule.objects.filter(year__gte=timezone.localdate().year).delete()
    client.force_login(alice10)
    empty = my_hours(client, timezone.localdate().year)  # not ruled: the default year
    assert empty.context["year"] == timezone.localdate().year - 1
    YearRule.objects.all().delete()
    page = client.get("/hours/my/")
    assert page.status_code == 200
    this_year = timezone.localdate().year
    assert page.context["year"] == this_year
    shown = html(page)
    assert 'data-testid="year-status"' in shown
    entries = shown[shown.index('data-testid="entries"') :]
    assert 'colspan="7"' in entries[: entries.index("</table>")]  # no entries this year
