import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse

from portal import scoping
from portal.models import Membership, Role

# Who acts in which role in the cast (see tests/conftest.py), one member per role.
CAST_ROLE = {
    "alice": Role.PROFESSIONAL,
    "hr_a": Role.UNIT_HR,
    "health_admin": Role.DEPARTMENT_ADMIN,
    "jinan_hr": Role.CITY_HR,
    "province_hr": Role.PROVINCE_HR,
    "institution_staff": Role.INSTITUTION_STAFF,
    "base_staff": Role.BASE_STAFF,
    "association": Role.ASSOCIATION,
}


def home_url(role):
    return reverse("portal:role_home", kwargs={"role": role})


@pytest.mark.django_db
@pytest.mark.parametrize("member", CAST_ROLE)
@pytest.mark.parametrize("role", Role.values)
def test_each_home_page_is_reachable_by_its_role_only(client, cast, member, role):
    client.force_login(cast[member])
    response = client.get(home_url(role))
    if CAST_ROLE[member] == role:
        assert response.status_code == 200
    else:
        assert response.status_code == 403
        assert "无权访问" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("member", "role_label", "scope"),
    [
        ("alice", "专业技术人员", "济南测试医院"),
        ("hr_a", "单位人事管理员", "济南测试医院"),
        ("health_admin", "行业主管部门管理员", "山东省卫生健康委员会"),
        ("jinan_hr", "市人社局", "济南市"),
        ("province_hr", "省人社厅", "全省"),
        ("institution_staff", "培训机构管理员", "测试培训机构"),
    ],
)
def test_home_shows_person_role_and_scope(client, cast, member, role_label, scope):
    user = cast[member]
    client.force_login(user)
    response = client.get(reverse("portal:home"), follow=True)
    assert response.redirect_chain[-1][0] == home_url(CAST_ROLE[member])
    page = response.content.decode()
    assert user.real_name in page
    assert role_label in page
    assert scope in page
    assert 'class="h6 card-title"' in page  # the role's panels


@pytest.mark.django_db
def test_unit_hr_home_counts_only_her_unit(client, cast):
    client.force_login(cast["hr_a"])
    response = client.get(home_url(Role.UNIT_HR))
    assert response.context["summary"]["people"] == 1  # alice, not bob


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(home_url(Role.PROFESSIONAL))
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))


@pytest.mark.django_db
def test_unknown_role_in_url_is_404_in_chinese(client, alice):
    client.force_login(alice)
    response = client.get(home_url("emperor"))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


@pytest.mark.django_db
def test_user_without_role_is_told_so(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory())
    response = client.get(reverse("portal:home"))
    assert response.status_code == 403
    assert "尚未分配角色" in response.content.decode()


@pytest.mark.django_db
class TestRoleSwitch:
    """A doctor who is also her hospital's HR switches role from the header."""

    @pytest.fixture
    def doctor_hr(self, alice, unit_a):
        Membership.objects.create(user=alice, role=Role.UNIT_HR, unit=unit_a)
        return alice

    def membership(self, user, role):
        return Membership.objects.get(user=user, role=role)

    def test_header_offers_both_roles(self, client, doctor_hr):
        client.force_login(doctor_hr)
        page = client.get(reverse("portal:home"), follow=True).content.decode()
        assert "单位人事管理员：济南测试医院" in page
        assert 'name="membership"' in page

    def test_switch_changes_the_home_and_sticks(self, client, doctor_hr):
        client.force_login(doctor_hr)
        assert client.get(home_url(Role.UNIT_HR)).status_code == 403
        hr = self.membership(doctor_hr, Role.UNIT_HR)
        response = client.post(reverse("portal:role_switch"), {"membership": hr.pk})
        assert response.url == home_url(Role.UNIT_HR)
        assert client.get(home_url(Role.UNIT_HR)).status_code == 200
        assert client.get(home_url(Role.PROFESSIONAL)).status_code == 403
        assert client.get(reverse("portal:home")).url == home_url(Role.UNIT_HR)

    def test_cannot_switch_to_someone_elses_membership(self, client, doctor_hr, hr_b):
        client.force_login(doctor_hr)
        foreign = self.membership(hr_b, Role.UNIT_HR)
        response = client.post(
            reverse("portal:role_switch"), {"membership": foreign.pk}, follow=True
        )
        assert "您没有该角色" in response.content.decode()
        assert client.get(home_url(Role.UNIT_HR)).status_code == 403

    def test_switch_needs_post(self, client, doctor_hr):
        client.force_login(doctor_hr)
        assert client.get(reverse("portal:role_switch")).status_code == 405


@pytest.mark.django_db
def test_a_home_page_is_only_for_the_role_acted_in(cast):
    alice = Membership.objects.get(user=cast["alice"])
    with pytest.raises(Http404):
        scoping.check_acting_as(alice, "nobody")
    with pytest.raises(PermissionDenied):
        scoping.check_acting_as(alice, Role.UNIT_HR)
    with pytest.raises(PermissionDenied):
        scoping.check_acting_as(None, Role.PROFESSIONAL)
    scoping.check_acting_as(alice, Role.PROFESSIONAL)


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["²", "１", "abc", "-1", "99999999999999999999", ""])
def test_a_role_switch_to_a_hostile_id_switches_nothing(client, alice, value):
    client.force_login(alice)
    response = client.post(reverse("portal:role_switch"), {"membership": value}, follow=True)
    assert response.status_code == 200
    assert "您没有该角色" in response.content.decode()
