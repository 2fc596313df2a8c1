"""The public front page at `/` (issue 16, item 8): an anonymous visitor sees the
year's notice in brief, the public-subject topics, the published professional-subject
plans, the catalog, the listed digital-technology-engineer institutions, certificate
verification, the notice's contacts and the ways to log in and register — all from
the database where the data lives there; a logged-in user still goes to her home."""

import pytest
from django.urls import reverse
from django.utils import timezone

from credits.models import YearRule
from digital_engineer.models import Approval, InstitutionState
from learning.catalog.models import Topic
from learning.models import ProfessionalPlan
from learning.plans.services import plan_publish
from portal.models import ReviewStatus
from tests.factories import AuthorityFactory, InstitutionFactory, ProfileFactory, UserFactory
from tests.portal.test_home import CAST_ROLE, home_url

THIS_YEAR = timezone.localdate().year


def published_plan(authority, admin, title, year=THIS_YEAR) -> ProfessionalPlan:
    plan = ProfessionalPlan.objects.create(authority=authority, year=year, title=title)
    plan.items.create(topic="新技术", hours=60, mode="online")
    plan_publish(plan=plan, published_by=admin)
    return plan


def institution_in_catalogue(city, name, status, contact="", directions=("ai",)):
    institution = InstitutionFactory(city=city, name=name)
    InstitutionState.objects.create(institution=institution, status=status, contact=contact)
    for direction in directions:
        Approval.objects.create(institution=institution, direction=direction, level="junior")
        Approval.objects.create(institution=institution, direction=direction, level="senior")
    return institution


@pytest.fixture
def front_world(health, education, jinan, qingdao, health_admin):
    """A published plan (edited since, unpublished edits), a draft plan never
    published, and institutions listed, suspended and applied."""
    plan = published_plan(health, health_admin, "2026年卫生健康专业科目学习方案")
    ProfessionalPlan.objects.filter(pk=plan.pk).update(title="卫健委草稿标题（未发布）")
    draft = ProfessionalPlan.objects.create(
        authority=education, year=THIS_YEAR, title="教育厅草稿方案"
    )
    listed = institution_in_catalogue(
        jinan,
        "济南数字工程学院",
        InstitutionState.Status.LISTED,
        contact="李老师 0531-86660000",
        directions=("big_data", "ai"),
    )
    suspended = institution_in_catalogue(qingdao, "青岛暂停机构", InstitutionState.Status.SUSPENDED)
    applied = institution_in_catalogue(qingdao, "青岛申请中机构", InstitutionState.Status.APPLIED)
    return {
        "plan": plan,
        "draft": draft,
        "listed": listed,
        "suspended": suspended,
        "applied": applied,
    }


def front_page(client) -> str:
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_the_year_notice_in_brief_comes_from_the_year_rule(client):
    YearRule.objects.filter(year=THIS_YEAR).update(public_min=32, professional_min=64)
    page = front_page(client)
    assert f"{THIS_YEAR}年度继续教育" in page
    assert "公需科目不少于32.0 学时、专业科目不少于64.0 学时" in page
    assert "山东省继续工程教育协会组织评选" in page  # the summary of the notice


@pytest.mark.django_db
def test_the_topics_are_the_latest_year_s_topic_rows(client):
    page = front_page(client)
    topics = Topic.objects.filter(year=2025)
    assert topics.filter(kind=Topic.Kind.REQUIRED).count() == 4
    assert topics.filter(kind=Topic.Kind.OPTIONAL).count() == 9
    assert "2025年度公需科目学习内容" in page
    for topic in topics:
        assert topic.name in page
    # The year's own topics, once entered, replace the earlier year's.
    Topic.objects.create(year=THIS_YEAR, name="新质生产力", kind=Topic.Kind.REQUIRED)
    page = front_page(client)
    assert f"{THIS_YEAR}年度公需科目学习内容" in page
    assert "新质生产力" in page
    assert "黄河流域生态保护和高质量发展" not in page


@pytest.mark.django_db
def test_published_plans_show_by_authority_and_drafts_do_not(client, front_world):
    page = front_page(client)
    plan, draft = front_world["plan"], front_world["draft"]
    assert f"{THIS_YEAR}年度专业科目学习方案" in page
    assert "山东省卫生健康委员会" in page
    assert "2026年卫生健康专业科目学习方案" in page  # as published
    assert reverse("learning:plan", args=[plan.pk]) in page
    assert reverse("learning:plans") in page
    # Edits since publishing and a plan never published stay off the page.
    assert "卫健委草稿标题" not in page
    assert "教育厅草稿方案" not in page
    assert reverse("learning:plan", args=[draft.pk]) not in page
    assert "山东省教育厅" not in page


@pytest.mark.django_db
def test_listed_institutions_show_with_directions_and_contact(client, front_world):
    page = front_page(client)
    assert "数字技术工程师培训机构" in page
    assert "济南数字工程学院" in page
    assert "人工智能、大数据" in page  # each direction once, in the catalogue's order
    assert "李老师 0531-86660000" in page
    assert "青岛暂停机构" not in page
    assert "青岛申请中机构" not in page


@pytest.mark.django_db
def test_catalog_verification_contacts_and_account_links(client):
    page = front_page(client)
    catalog = reverse("learning:catalog")
    assert f'href="{catalog}"' in page
    assert client.get(catalog).status_code == 200  # open to anonymous visitors
    assert f'href="{reverse("certificates:verify_form")}"' in page
    # Section 六 of the notice.
    for text in (
        "联系人及联系方式",
        "专业技术人员管理处",
        "姜鹏",
        "0531-51788246",
        "0531-51788230",
        "sdzjryxjy@shandong.cn",
        "山东省继续工程教育协会",
        "吴笛",
        "0531-85193735",
        "sdacee@163.com",
    ):
        assert text in page
    assert f'href="{reverse("portal:login")}"' in page
    assert f'href="{reverse("portal:register")}"' in page
    assert ">登录<" in page and ">注册<" in page


@pytest.mark.django_db
def test_empty_sections_say_so(client):
    page = front_page(client)
    assert "本年度暂无已发布的学习方案。" in page
    assert "暂无列入目录的培训机构。" in page
    assert "暂无基地。" in page  # the bases' section (bases/apps.py)
    assert "Bases" not in page and "PLACE" not in page


@pytest.mark.django_db
def test_the_front_page_takes_at_most_eight_queries(
    client, front_world, health_admin, jinan, django_assert_max_num_queries
):
    for i in range(5):
        published_plan(AuthorityFactory(name=f"测试主管部门{i}"), health_admin, f"方案{i}")
        institution_in_catalogue(
            jinan, f"机构{i}", InstitutionState.Status.LISTED, directions=("iot", "cloud", "vr")
        )
    with django_assert_max_num_queries(8):
        page = front_page(client)
    assert page.count(">方案") == 5
    assert "机构4" in page


@pytest.mark.django_db
@pytest.mark.parametrize("member", CAST_ROLE)
def test_logged_in_users_still_go_to_their_home(client, cast, member):
    client.force_login(cast[member])
    response = client.get(reverse("portal:home"))
    assert response.status_code == 302
    assert response.url == home_url(CAST_ROLE[member])


@pytest.mark.django_db
def test_pending_registration_and_no_role_still_answer_as_before(client, unit_a):
    pending = UserFactory()
    ProfileFactory(user=pending, unit=unit_a, status=ReviewStatus.PENDING)
    client.force_login(pending)
    assert client.get(reverse("portal:home")).url == reverse("portal:my_registration")
    client.force_login(UserFactory())
    response = client.get(reverse("portal:home"))
    assert response.status_code == 403
    assert "尚未分配角色" in response.content.decode()
    assert "姜鹏" not in response.content.decode()  # not the front page
