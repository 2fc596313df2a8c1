"""The admin speaks Chinese too: every app and model it lists has a Chinese name."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

ENGLISH_WORD = re.compile(r"[A-Za-z]{2,}")


def admin_index_names(page: str) -> list[str]:
    """The app captions and model rows of the admin index."""
    captions = re.findall(r"<caption>\s*<a [^>]*>(.*?)</a>", page, flags=re.S)
    models = re.findall(r'<th scope="row"[^>]*>\s*(?:<a [^>]*>)?(.*?)</', page, flags=re.S)
    return [name.strip() for name in captions + models]


@pytest.mark.django_db
def test_admin_index_names_every_app_and_model_in_chinese(client, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    names = admin_index_names(page)
    assert len(names) > 30  # every app of the project and its models were listed
    assert [name for name in names if ENGLISH_WORD.search(name)] == []
    for expected in ("登录锁定", "数字技术工程师培养", "补贴标准", "年度学时合计"):
        assert expected in names


@pytest.mark.django_db
def test_admin_index_column_headers_read_in_chinese(client, settings):
    """The table headers screen readers announce (Django ships no Chinese for them)."""
    settings.LANGUAGE_CODE = "zh-hans"
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(reverse("admin:index"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    headers = re.findall(r'<th scope="col">(.*?)</th>', page)
    assert headers and [h for h in headers if ENGLISH_WORD.search(h)] == []
