"""The catalog's default year follows the year rules without reading them on a
cached load (learning.catalog.catalog_cache keys on today's year; a saved or deleted
year rule replaces the catalog's version)."""

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from credits.models import YearRule

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not settings.REDIS_URL, reason="the list is cached in Redis"),
]


def load(client) -> tuple[int, list[str]]:
    """(the year the filter form shows, the queries of the load)."""
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("learning:catalog")).content.decode()
    (year,) = re.findall(r'<input[^>]*name="year"[^>]*value="(\d+)"', html)
    return int(year), [q["sql"] for q in queries]


def test_a_cached_load_reads_no_year_rule(client):
    this_year = timezone.localdate().year
    YearRule.objects.get_or_create(
        year=this_year, defaults={"public_min": 30, "professional_min": 60}
    )
    load(client)
    year, queries = load(client)
    assert (year, queries) == (this_year, [])


def test_a_year_rule_removed_moves_the_default_year_at_once(client):
    this_year = timezone.localdate().year
    YearRule.objects.get_or_create(
        year=this_year - 1, defaults={"public_min": 30, "professional_min": 60}
    )
    rule, _ = YearRule.objects.get_or_create(
        year=this_year, defaults={"public_min": 30, "professional_min": 60}
    )
    assert load(client)[0] == this_year
    rule.delete()
    assert load(client)[0] == this_year - 1
