"""A transfer in its objection period is listed on both units' accounts pages, with
the moment the move completes, and the home tile counts exactly what is listed."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.models import Transfer


def transfer_rows(client) -> list[str]:
    page = client.get(reverse("portal:unit_people")).content.decode()
    table = page.split('data-testid="transfers"')[1].split("</table>")[0]
    return re.findall(r'<tr data-testid="transfer">(.*?)</tr>', table, re.S)


def tile(client) -> int:
    page = client.get(reverse("portal:home"), follow=True).content.decode()
    (value,) = re.findall(
        r'fs-3 fw-semibold">(\d+)</div>\s*<div class="small text-muted">办理中的调动', page
    )
    return int(value)


@pytest.fixture
def accepted(client, alice, unit_b, hr_a, hr_b):
    client.force_login(alice)
    client.post(reverse("portal:my_transfer"), {"city": unit_b.city_id, "unit": unit_b.pk})
    transfer = Transfer.objects.get(person=alice)
    client.force_login(hr_b)
    client.post(
        reverse("portal:transfer_review", kwargs={"pk": transfer.pk}), {"decision": "approve"}
    )
    transfer.refresh_from_db()
    assert transfer.status == Transfer.Status.ACCEPTED
    return transfer


@pytest.mark.django_db
@pytest.mark.parametrize("member", ["hr_a", "hr_b"])
def test_both_units_list_a_transfer_in_its_objection_period_with_its_completion(
    client, cast, accepted, member
):
    client.force_login(cast[member])
    rows = transfer_rows(client)
    assert len(rows) == 1
    assert "艾丽丝" in rows[0]
    assert "新单位已接收，异议期内" in rows[0]
    deadline = timezone.localtime(accepted.objection_deadline)
    assert f"{deadline:%Y-%m-%d %H:%M}" in rows[0]
    assert "调动" in rows[0] and "完成" in rows[0]


@pytest.mark.django_db
@pytest.mark.parametrize("member", ["hr_a", "hr_b"])
def test_the_home_tile_counts_the_listed_transfers(client, cast, accepted, member):
    client.force_login(cast[member])
    assert tile(client) == len(transfer_rows(client)) == 1


@pytest.mark.django_db
def test_the_new_unit_cannot_decide_an_accepted_transfer_again(client, hr_b, accepted):
    client.force_login(hr_b)
    (row,) = transfer_rows(client)
    assert 'value="approve"' not in row
