"""The catalog's course list is rendered once per filter and page and shared by
everyone (learning.catalog.catalog_cache): what an editor changes shows on the next load."""

import pytest
from django.conf import settings
from django.urls import reverse

from learning.models import Course, QualityNomination
from tests.learning.test_study import YEAR, make_course

pytestmark = pytest.mark.skipif(not settings.REDIS_URL, reason="the list is cached in Redis")


def courses_part(response) -> str:
    """The course list and its pagination as the page shows them."""
    html = response.content.decode()
    start = html.index('<div class="list-group mb-3" data-testid="courses">')
    return html[start : html.index("</main>", start)]


def load(client, **params):
    response = client.get(reverse("learning:catalog"), {"year": YEAR, **params})
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_an_edit_a_publication_and_a_withdrawal_show_on_the_next_load(client, alice):
    course = make_course(title="黄河流域生态保护讲座")
    other = make_course(title="数字经济概论", status=Course.Status.DRAFT)
    load(client)
    cached = load(client)
    assert cached.context["page"] is None  # the second load came from the cache
    assert "黄河流域生态保护讲座" in courses_part(cached)
    assert "数字经济概论" not in courses_part(cached)

    course.title = "黄河流域生态保护讲座（修订版）"
    course.save()
    assert "黄河流域生态保护讲座（修订版）" in courses_part(load(client))

    other.status = Course.Status.PUBLISHED
    other.save()
    assert "数字经济概论" in courses_part(load(client))

    course.status = Course.Status.DRAFT
    course.save()
    page = courses_part(load(client))
    assert "黄河流域生态保护讲座" not in page
    assert "数字经济概论" in page

    QualityNomination.objects.create(
        course=other, year=YEAR, nominated_by=alice, status=QualityNomination.Status.SELECTED
    )
    assert 'data-testid="quality"' in courses_part(load(client))


@pytest.mark.django_db
def test_anonymous_and_logged_in_learners_see_the_same_list(client, alice):
    make_course(title="黄河流域生态保护讲座")
    anonymous = courses_part(load(client))
    client.force_login(alice)
    logged_in = load(client)
    assert logged_in.context["page"] is None  # the list the anonymous visitor cached
    assert courses_part(logged_in) == anonymous
    assert "黄河流域生态保护讲座" in anonymous


@pytest.mark.django_db
def test_titles_stay_escaped_when_the_list_comes_from_the_cache(client):
    make_course(title="<script>alert(1)</script>课程")
    for response in (load(client), load(client)):
        html = response.content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;课程" in html
