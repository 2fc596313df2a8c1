import io

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.identity import validate_credit_code, validate_id_number
from portal.models import (
    Authority,
    City,
    Membership,
    ProfessionalProfile,
    ReviewStatus,
    Role,
    Transfer,
    Unit,
    User,
)


def snapshot():
    """Every row seed_demo writes, with the fields a re-run could change."""
    return {
        "users": set(User.objects.values_list("id", "id_number", "real_name", "phone", "password")),
        "profiles": set(ProfessionalProfile.objects.values_list()),
        "memberships": set(
            Membership.objects.values_list("id", "user_id", "role", "unit", "authority", "city")
        ),
        "units": set(Unit.objects.values_list()),
        "transfers": set(Transfer.objects.values_list("id", "person", "status")),
        "cities": set(City.objects.values_list()),
        "authorities": set(Authority.objects.values_list()),
    }


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_seed_demo_creates_the_demo_world():
    seed()
    assert City.objects.count() == 17
    assert Authority.objects.count() >= 6
    assert Unit.objects.count() >= 20
    assert Unit.objects.values("city").distinct().count() >= 10
    assert 195 <= User.objects.filter(profile__isnull=False).count() <= 220
    for user in User.objects.all():
        assert validate_id_number(user.id_number) == user.id_number
    for unit in Unit.objects.all():
        assert validate_credit_code(unit.credit_code) == unit.credit_code
    held = set(Membership.objects.values_list("role", flat=True))
    assert held == set(Role.values)
    # The approval queues have something in them to try.
    assert ProfessionalProfile.objects.filter(status=ReviewStatus.PENDING).count() == 2
    assert Unit.objects.filter(status=ReviewStatus.PENDING).count() == 1
    assert Transfer.objects.filter(status=Transfer.Status.REQUESTED).count() == 1


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing():
    seed()
    before = snapshot()
    seed()
    assert snapshot() == before


@pytest.mark.django_db
def test_every_printed_demo_login_reaches_its_home_page(client):
    output = seed()
    lines = [line for line in output.splitlines() if " ID " in line]
    password = output.split("password for all: ", 1)[1].split(")", 1)[0]
    landed = set()
    for line in lines:
        id_number = line.split(" ID ", 1)[1].split()[0]
        phone = line.split(" phone ", 1)[1].split()[0]
        for login in (id_number, phone):
            client.logout()
            response = client.post(
                "/login/", {"username": login, "password": password}, follow=True
            )
            assert response.status_code == 200, line
            landed.add(response.redirect_chain[-1][0])
    assert landed == {f"/home/{role}/" for role in Role.values}


@pytest.mark.django_db
def test_the_demo_institution_opens_a_class_at_once(client):
    from digital_engineer.models import TrainingClass
    from tests.digital_engineer.test_pages import CLASS

    seed()
    client.force_login(User.objects.get(phone="13800000006"))
    jinan = City.objects.get(code="370100")
    response = client.post(reverse("digital_engineer:classes"), {**CLASS, "city": jinan.pk})
    assert response.status_code == 302
    assert TrainingClass.objects.filter(name=CLASS["name"]).exists()
