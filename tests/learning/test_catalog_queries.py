"""The catalog at province scale: a bounded number of queries whoever asks."""

from decimal import Decimal

import pytest
from django.urls import reverse

from learning.models import Course
from tests.factories import ten_years_of

YEAR = 2025


@pytest.fixture
def courses(db):
    Course.objects.bulk_create(
        Course(
            title=f"课程{i:03d}",
            teacher_name="教师",
            category="public",
            hours=Decimal(2),
            first_year=YEAR,
            last_year=YEAR,
            status=Course.Status.PUBLISHED,
        )
        for i in range(500)
    )


@pytest.fixture
def alice_of_ten_years(alice):
    return ten_years_of(alice, "艾")


def catalog(client, **params):
    return client.get(reverse("learning:catalog"), params)


@pytest.mark.django_db
@pytest.mark.parametrize("logged_in", [True, False], ids=["professional", "anonymous"])
def test_the_catalog_takes_at_most_five_queries(
    client, courses, alice_of_ten_years, logged_in, django_assert_max_num_queries
):
    if logged_in:
        client.force_login(alice_of_ten_years)
    for params in ({}, {"year": YEAR}, {"year": YEAR, "page": 3}, {"year": YEAR, "q": "课程04"}):
        with django_assert_max_num_queries(5):
            response = catalog(client, **params)
        assert response.status_code == 200
    page = catalog(client, year=YEAR, page=3).content.decode()
    assert "第3页，共10页（共500条）" in page
    assert "课程100" in page
    assert "课程099" not in page
    assert "课程150" not in page


@pytest.mark.django_db
def test_pages_past_the_end_or_not_numbers_show_what_they_showed(client, courses):
    last = catalog(client, year=YEAR, page=999).context["page"]
    assert (last.number, len(last)) == (10, 50)
    assert [c.title for c in last][-1] == "课程499"
    assert catalog(client, year=YEAR, page="x").context["page"].number == 1
    assert catalog(client, year=YEAR, page=0).context["page"].number == 10
    huge = catalog(client, year=YEAR, page="99999999999999999999")  # no bigint offset
    assert (huge.status_code, huge.context["page"].number) == (200, 10)
    nothing = catalog(client, year=YEAR, q="没有这门课").context["page"]
    assert (nothing.number, nothing.paginator.count, list(nothing)) == (1, 0, [])
