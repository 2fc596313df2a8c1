"""Every role's home page in a bounded number of queries, at any data size, with the
user's roles read afresh on every request."""

import datetime

import pytest
from django.urls import get_resolver, reverse

from portal.models import Authority, City, Membership, ProfessionalProfile, Role, Unit, User
from tests.factories import id_number_for, make_member, ten_years_of
from tests.portal.test_home import CAST_ROLE, home_url


@pytest.fixture
def busy_province(cast, unit_a):
    """Alice with ten years of entries; her unit with 300 more professionals."""
    ten_years_of(cast["alice"], "艾")
    staff = User.objects.bulk_create(
        User(
            id_number=id_number_for(i, birth=datetime.date(1990, 1, 1)),
            real_name=f"员工{i:03d}",
            password="!",
        )
        for i in range(300)
    )
    ProfessionalProfile.objects.bulk_create(
        ProfessionalProfile(user=user, unit=unit_a) for user in staff
    )
    return cast


@pytest.mark.django_db
@pytest.mark.parametrize("member", CAST_ROLE)
def test_each_home_page_takes_at_most_five_queries(
    client, busy_province, member, django_assert_max_num_queries
):
    client.force_login(busy_province[member])
    with django_assert_max_num_queries(5):
        response = client.get(home_url(CAST_ROLE[member]))
    assert response.status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get(reverse("portal:home")).status_code == 302


@pytest.mark.django_db
def test_the_figures_count_what_the_scope_holds(client, busy_province):
    client.force_login(busy_province["province_hr"])
    summary = client.get(home_url(Role.PROVINCE_HR)).context["summary"]
    assert summary["cities"] == City.objects.count()
    assert summary["authorities"] == Authority.objects.count()
    assert summary["units"] == Unit.objects.count()
    assert summary["people"] == 302  # alice, bob and the 300
    client.force_login(busy_province["jinan_hr"])
    summary = client.get(home_url(Role.CITY_HR)).context["summary"]
    assert (summary["units"], summary["people"], summary["institutions"]) == (1, 301, 1)


@pytest.mark.django_db
def test_a_role_taken_away_ends_at_the_next_request(client, hr_a):
    client.force_login(hr_a)
    assert client.get(home_url(Role.UNIT_HR)).status_code == 200
    Membership.objects.filter(user=hr_a).delete()
    assert client.get(home_url(Role.UNIT_HR)).status_code == 403
    assert "尚未分配角色" in client.get(reverse("portal:home")).content.decode()


@pytest.mark.django_db
def test_a_disabled_account_is_logged_out_even_with_its_roles(client, hr_a):
    client.force_login(hr_a)
    User.objects.filter(pk=hr_a.pk).update(is_active=False)
    response = client.get(home_url(Role.UNIT_HR))
    assert response.status_code == 302
    assert response.url.startswith(reverse("portal:login"))


@pytest.mark.django_db
def test_a_request_resolves_its_url_once(client, hr_a, monkeypatch):
    """The roles are loaded in process_view, with the view Django resolved."""
    resolver = get_resolver()
    resolved = []

    def counting(path):
        resolved.append(path)
        return type(resolver).resolve(resolver, path)

    monkeypatch.setattr(resolver, "resolve", counting)
    client.force_login(hr_a)
    assert client.get(home_url(Role.UNIT_HR)).status_code == 200
    assert resolved == [home_url(Role.UNIT_HR)]


@pytest.mark.django_db
def test_a_page_without_a_view_still_shows_the_roles(client, hr_a, django_assert_max_num_queries):
    make_member(Role.PROVINCE_HR, hr_a)
    client.force_login(hr_a)
    with django_assert_max_num_queries(3):  # session, the user with her roles, (none)
        response = client.get("/没有这个页面/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "当前角色：" in page  # the menu to switch between her two roles
    assert reverse("portal:role_switch") in page
