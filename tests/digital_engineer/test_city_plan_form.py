"""A city plan refused for its rows says why."""

import pytest
from django.urls import reverse

from digital_engineer.models import CityPlan


def plan_data(*rows):
    data = {
        "year": "2025",
        "groups": "先进制造业企业",
        "targets-TOTAL_FORMS": str(len(rows)),
        "targets-INITIAL_FORMS": "0",
        "targets-MIN_NUM_FORMS": "0",
        "targets-MAX_NUM_FORMS": "1000",
    }
    for i, (direction, level, target) in enumerate(rows):
        data |= {
            f"targets-{i}-direction": direction,
            f"targets-{i}-level": level,
            f"targets-{i}-target": str(target),
        }
    return data


@pytest.mark.django_db
def test_two_rows_for_one_direction_and_level_are_refused_with_a_message(client, jinan_hr):
    client.force_login(jinan_hr)
    data = plan_data(("ai", "junior", 50), ("ai", "junior", 30))
    page = client.post(reverse("digital_engineer:city_plan_new"), data).content.decode()
    assert not CityPlan.objects.exists()
    assert "有两行的方向和等级相同，每种只能填一行。" in page
