import pytest
from django.urls import reverse

from portal.models import Unit

MODELS = [
    "user",
    "city",
    "authority",
    "unit",
    "traininginstitution",
    "professionalprofile",
    "membership",
]


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS)
def test_admin_lists_every_model_with_search(client, superuser, model):
    client.force_login(superuser)
    url = reverse(f"admin:portal_{model}_changelist")
    response = client.get(url, {"q": "济南"})
    assert response.status_code == 200
    assert 'id="searchbar"' in response.content.decode()


@pytest.mark.django_db
def test_admin_user_list_masks_id_numbers(client, superuser, cast):
    client.force_login(superuser)
    page = client.get(reverse("admin:portal_user_changelist")).content.decode()
    assert cast["alice"].masked_id_number in page


@pytest.mark.django_db
def test_admin_refuses_unit_with_bad_credit_code(client, superuser, jinan):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:portal_unit_add"),
        {"name": "坏单位", "credit_code": "91110000600037341M", "city": jinan.pk},
    )
    assert response.status_code == 200
    assert "统一社会信用代码校验位不正确" in response.content.decode()
    assert not Unit.objects.filter(name="坏单位").exists()


@pytest.mark.django_db
def test_non_staff_cannot_open_admin(client, cast):
    client.force_login(cast["hr_a"])
    response = client.get(reverse("admin:portal_unit_changelist"))
    assert response.status_code == 302
