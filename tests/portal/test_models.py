import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.models import Membership, Role, User
from tests.factories import UserFactory


@pytest.mark.django_db
class TestMembershipConstraints:
    @pytest.mark.parametrize(
        ("role", "scope"),
        [
            (Role.UNIT_HR, {}),
            (Role.CITY_HR, {}),
            (Role.PROFESSIONAL, {"unit": "unit_a"}),
            (Role.PROVINCE_HR, {"city": "jinan"}),
            (Role.UNIT_HR, {"unit": "unit_a", "city": "jinan"}),
        ],
    )
    def test_scope_must_fit_the_role_in_the_database(self, request, role, scope):
        scope = {field: request.getfixturevalue(name) for field, name in scope.items()}
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(user=UserFactory(), role=role, **scope)

    def test_scope_mismatch_is_a_chinese_form_error(self, unit_a):
        membership = Membership(user=UserFactory(), role=Role.CITY_HR, unit=unit_a)
        with pytest.raises(ValidationError) as excinfo:
            membership.full_clean()
        assert "市人社局须指定城市" in str(excinfo.value)

    def test_same_role_twice_for_the_same_scope_is_refused(self, hr_a, unit_a):
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.create(user=hr_a, role=Role.UNIT_HR, unit=unit_a)

    def test_hr_of_two_units_is_allowed(self, hr_a, unit_b):
        Membership.objects.create(user=hr_a, role=Role.UNIT_HR, unit=unit_b)
        assert hr_a.memberships.count() == 2


@pytest.mark.django_db
class TestUserConstraints:
    def test_id_number_is_unique(self, alice):
        with pytest.raises(IntegrityError), transaction.atomic():
            UserFactory(id_number=alice.id_number)

    def test_phone_is_unique_when_present(self, alice):
        with pytest.raises(IntegrityError), transaction.atomic():
            UserFactory(phone=alice.phone)

    def test_many_users_may_have_no_phone(self, db):
        first = User.objects.create_user("11010519491231002X", "pw-long-2025", real_name="甲")
        second = UserFactory(phone=None)
        assert first.phone is None and second.phone is None

    def test_bad_phone_is_refused(self, db):
        user = User(id_number="11010519491231002X", real_name="甲", phone="12345")
        with pytest.raises(ValidationError) as excinfo:
            user.full_clean(exclude=["password"])
        assert "11位" in str(excinfo.value)
