"""Public-subject topics: the four required 专题 and the optional directions are shown
apart, in the catalog and in the gap planner (the notice, section 二(一))."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from credits.services import credit_post
from learning.models import Topic
from tests.learning.test_study import YEAR, make_course

REQUIRED = [
    "习近平新时代中国特色社会主义思想",
    "深入贯彻中央八项规定精神学习教育",
    "黄河流域生态保护和高质量发展",
    "专业技术人员职业道德和能力建设",
]


@pytest.fixture
def topics(db):
    """This year's topics as the notice lists them (2025's come with the migrations)."""
    for kind, names in (
        (Topic.Kind.REQUIRED, REQUIRED),
        (Topic.Kind.OPTIONAL, ["数字技术", "网络安全", "人文素养"]),
    ):
        for order, name in enumerate(names):
            Topic.objects.get_or_create(
                year=YEAR, name=name, defaults={"kind": kind, "order": order}
            )
    return {t.name: t for t in Topic.objects.filter(year=YEAR)}


def _group(page: str, label: str) -> str:
    match = re.search(
        rf'data-testid="topic-group"><strong>{label}</strong>：(.*?)</div>', page, re.S
    )
    assert match, label
    return match.group(1)


@pytest.mark.django_db
def test_catalog_lists_required_topics_apart_from_optional_directions(client, topics):
    page = client.get(reverse("learning:catalog"), {"year": YEAR}).content.decode()
    required = _group(page, "必修专题")
    optional = _group(page, "选学方向")
    assert all(name in required for name in REQUIRED)
    assert "网络安全" in optional and "网络安全" not in required
    assert not any(name in optional for name in REQUIRED)


@pytest.mark.django_db
def test_catalog_topic_filter_groups_the_topics(client, topics):
    page = client.get(reverse("learning:catalog"), {"year": YEAR}).content.decode()
    select = re.search(r'<select name="topic".*?</select>', page, re.S).group(0)
    assert '<optgroup label="必修专题">' in select
    assert '<optgroup label="选学方向">' in select
    required_part = select.split('<optgroup label="选学方向">')[0]
    assert "黄河流域生态保护和高质量发展" in required_part
    assert "网络安全" not in required_part


@pytest.mark.django_db
def test_catalog_course_says_whether_its_topic_is_required(client, topics):
    make_course(title="黄河课", topic=topics["黄河流域生态保护和高质量发展"])
    make_course(title="安全课", topic=topics["网络安全"])
    page = client.get(reverse("learning:catalog"), {"year": YEAR}).content.decode()
    assert "必修专题：黄河流域生态保护和高质量发展" in page
    assert "选学方向：网络安全" in page
    filtered = client.get(
        reverse("learning:catalog"), {"year": YEAR, "topic": topics["网络安全"].pk}
    ).context["page"]
    assert [c.title for c in filtered] == ["安全课"]


@pytest.mark.django_db
def test_gap_planner_puts_required_topics_first_and_apart(client, alice, topics):
    credit_post(
        person=alice,
        year=YEAR,
        category="public",
        hours=Decimal(20),
        source="course",
        source_ref="topics-1",
    )
    make_course(title="黄河课", hours="3", topic=topics["黄河流域生态保护和高质量发展"])
    make_course(title="道德课", hours="2", topic=topics["专业技术人员职业道德和能力建设"])
    make_course(title="安全大课", hours="8", topic=topics["网络安全"])
    make_course(title="人文课", hours="1", topic=topics["人文素养"])
    client.force_login(alice)
    response = client.get(reverse("learning:suggestions"), {"year": YEAR})
    (plan,) = [p for p in response.context["plans"] if p.label == "公需科目"]
    groups = {group.label: [c.title for c in group.courses] for group in plan.groups}
    # 10 hours missing: the two required topics that have a course first (5 hours),
    # then the optional directions, largest first.
    assert groups == {"必修专题": ["黄河课", "道德课"], "选学方向": ["安全大课"]}
    page = response.content.decode()
    assert page.index("必修专题") < page.index("黄河课") < page.index("选学方向")
    assert page.index("选学方向") < page.index("安全大课")
