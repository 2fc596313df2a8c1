import pytest
from django.http import Http404

from portal import scoping
from portal.models import Membership, Role
from tests.factories import UnitFactory, make_professional


def acting(user, role=None) -> Membership:
    memberships = Membership.objects.filter(user=user)
    return memberships.get(role=role) if role else memberships.get()


@pytest.fixture
def crowd(cast, unit_a, unit_b, jinan, qingdao, health, education):
    """More people: a second 济南 unit under education, a 青岛 unit under health."""
    jinan_school = UnitFactory(city=jinan, authority=education)
    qingdao_hospital = UnitFactory(city=qingdao, authority=health)
    return {
        "a": {cast["alice"], make_professional(unit_a)},
        "b": {cast["bob"], make_professional(unit_b)},
        "jinan_school": {make_professional(jinan_school)},
        "qingdao_hospital": {make_professional(qingdao_hospital)},
    }


@pytest.mark.django_db
class TestPeopleVisibleTo:
    def test_professional_sees_only_herself(self, cast, crowd):
        assert set(scoping.people_visible_to(acting(cast["alice"]))) == {cast["alice"]}

    def test_unit_hr_sees_only_her_unit(self, cast, crowd):
        assert set(scoping.people_visible_to(acting(cast["hr_a"]))) == crowd["a"]
        assert set(scoping.people_visible_to(acting(cast["hr_b"]))) == crowd["b"]

    def test_city_hr_sees_only_her_city(self, cast, crowd):
        jinan = crowd["a"] | crowd["jinan_school"]
        qingdao = crowd["b"] | crowd["qingdao_hospital"]
        assert set(scoping.people_visible_to(acting(cast["jinan_hr"]))) == jinan
        assert set(scoping.people_visible_to(acting(cast["qingdao_hr"]))) == qingdao

    def test_department_admin_sees_only_her_industry(self, cast, crowd):
        health = crowd["a"] | crowd["qingdao_hospital"]
        assert set(scoping.people_visible_to(acting(cast["health_admin"]))) == health

    def test_province_hr_sees_everybody(self, cast, crowd):
        everybody = set().union(*crowd.values())
        assert set(scoping.people_visible_to(acting(cast["province_hr"]))) == everybody

    def test_institution_staff_and_nobody_see_no_people(self, cast, crowd):
        assert not scoping.people_visible_to(acting(cast["institution_staff"])).exists()
        assert not scoping.people_visible_to(None).exists()

    def test_staff_without_profile_are_not_people(self, cast, crowd):
        # HR accounts without a professional profile are not professionals.
        seen = set(scoping.people_visible_to(acting(cast["province_hr"])))
        assert cast["hr_a"] not in seen


@pytest.mark.django_db
class TestUnitsVisibleTo:
    def test_each_role_sees_its_units(self, cast, crowd, unit_a, unit_b):
        assert set(scoping.units_visible_to(acting(cast["hr_a"]))) == {unit_a}
        assert set(scoping.units_visible_to(acting(cast["alice"]))) == {unit_a}
        jinan_units = set(scoping.units_visible_to(acting(cast["jinan_hr"])))
        assert unit_a in jinan_units and unit_b not in jinan_units
        assert all(u.city.code == "370100" for u in jinan_units)
        health_units = set(scoping.units_visible_to(acting(cast["health_admin"])))
        assert unit_a in health_units and unit_b not in health_units
        assert not scoping.units_visible_to(acting(cast["institution_staff"])).exists()

    def test_get_unit_for_outside_scope_is_404(self, cast, unit_a, unit_b):
        hr_a = acting(cast["hr_a"])
        assert scoping.get_unit_for(hr_a, unit_a.pk) == unit_a
        with pytest.raises(Http404):
            scoping.get_unit_for(hr_a, unit_b.pk)
        with pytest.raises(Http404):
            scoping.get_unit_for(hr_a, 10**9)

    def test_get_person_for_outside_scope_is_404(self, cast):
        assert scoping.get_person_for(acting(cast["hr_b"]), cast["bob"].pk) == cast["bob"]
        with pytest.raises(Http404):
            scoping.get_person_for(acting(cast["hr_b"]), cast["alice"].pk)


@pytest.mark.django_db
def test_other_lists_follow_the_role(cast, jinan, institution):
    assert list(scoping.cities_visible_to(acting(cast["jinan_hr"]))) == [jinan]
    assert scoping.cities_visible_to(acting(cast["province_hr"])).count() == 17
    assert not scoping.cities_visible_to(acting(cast["hr_a"])).exists()
    assert list(scoping.authorities_visible_to(acting(cast["health_admin"]))) == [
        acting(cast["health_admin"]).authority
    ]
    assert not scoping.authorities_visible_to(acting(cast["jinan_hr"])).exists()
    assert list(scoping.institutions_visible_to(acting(cast["institution_staff"]))) == [institution]
    assert list(scoping.institutions_visible_to(acting(cast["jinan_hr"]))) == [institution]
    assert not scoping.institutions_visible_to(acting(cast["qingdao_hr"])).exists()


@pytest.mark.django_db
def test_a_user_with_two_roles_sees_what_the_active_one_allows(cast, unit_a):
    alice = cast["alice"]
    colleague = make_professional(unit_a)
    Membership.objects.create(user=alice, role=Role.UNIT_HR, unit=unit_a)
    assert set(scoping.people_visible_to(acting(alice, Role.PROFESSIONAL))) == {alice}
    assert set(scoping.people_visible_to(acting(alice, Role.UNIT_HR))) == {alice, colleague}
