"""portal.pagination: the same pages as Django's Paginator, in one query."""

import pytest
from django.core.paginator import Paginator

from portal.models import City
from portal.pagination import page_with_total


@pytest.fixture
def cities(db):
    City.objects.bulk_create(City(code=f"99{i:04d}", name=f"测试市{i}") for i in range(23))
    return City.objects.filter(code__startswith="99").order_by("code")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "asked",
    [
        *[None, "", "1", "2", "5", "6", "999", "0", "-1", "x", "1.5", 2.0, "²", "٣"],
        *["99999999999999999999", 10**30, "-99999999999999999999", 1e300, float("inf")],
    ],
)
def test_every_page_number_gives_the_page_the_paginator_gives(cities, asked):
    expected = Paginator(cities, 5).get_page(asked)
    page = page_with_total(cities, 5, asked)
    assert page.number == expected.number
    assert page.paginator.count == expected.paginator.count == 23
    assert page.paginator.num_pages == 5
    assert [c.code for c in page] == [c.code for c in expected]


@pytest.mark.django_db
def test_a_page_in_range_is_one_query(cities, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = page_with_total(cities, 5, "3")
        assert (len(page), page.paginator.count, page.has_next()) == (5, 23, True)


@pytest.mark.django_db
@pytest.mark.parametrize(("asked", "queries"), [("1", 1), ("3", 2)])
def test_an_empty_list_is_page_one_of_one(db, asked, queries, django_assert_num_queries):
    with django_assert_num_queries(queries):
        page = page_with_total(City.objects.filter(code="none").order_by("code"), 5, asked)
    assert (page.number, page.paginator.count, page.paginator.num_pages, list(page)) == (
        1,
        0,
        1,
        [],
    )


@pytest.mark.django_db
def test_a_page_number_no_offset_can_hold_is_past_the_end(cities, django_assert_num_queries):
    # PostgreSQL's OFFSET is a bigint: 10**20 rows in must never reach it.
    with django_assert_num_queries(2):  # COUNT, then the last page
        page = page_with_total(cities, 5, "99999999999999999999")
        shown = (page.number, [c.code for c in page])
    assert shown == (5, ["990020", "990021", "990022"])
