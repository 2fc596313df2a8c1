"""A home tile marked 即将上线 must be a feature that does not exist yet: every tile
whose feature works links to it."""

import re

import pytest
from django.urls import reverse

from tests.portal.test_home import CAST_ROLE, home_url


def _tiles(page: str) -> list[str]:
    return re.findall(r'<div class="card h-100.*?</div>\s*</div>\s*</div>', page, re.S)


@pytest.mark.django_db
@pytest.mark.parametrize("member", CAST_ROLE)
def test_no_working_feature_is_marked_coming_soon(client, cast, member):
    client.force_login(cast[member])
    page = client.get(home_url(CAST_ROLE[member])).content.decode()
    assert _tiles(page)
    assert "即将上线" not in page


@pytest.mark.django_db
def test_province_hr_catalog_tile_opens_the_catalog(client, cast):
    client.force_login(cast["province_hr"])
    page = client.get(home_url(CAST_ROLE["province_hr"])).content.decode()
    tile = next(t for t in _tiles(page) if "公需科目" in t and "目录" in t)
    assert f'href="{reverse("learning:catalog")}"' in tile


@pytest.mark.django_db
def test_yearly_rules_tile_says_who_keeps_them_for_non_staff(client, cast):
    client.force_login(cast["province_hr"])
    page = client.get(home_url(CAST_ROLE["province_hr"])).content.decode()
    assert "由系统管理员维护" in page

    cast["province_hr"].is_staff = True
    cast["province_hr"].save()
    page = client.get(home_url(CAST_ROLE["province_hr"])).content.decode()
    assert reverse("admin:credits_yearrule_changelist") in page
