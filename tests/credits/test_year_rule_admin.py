"""A year rule (30/60) that already judges recorded hours is never deleted or moved."""

import pytest
from django.urls import reverse

from credits.models import YearRule
from tests.credits.test_ledger import post


@pytest.fixture
def rule_with_entries(alice):
    rule = YearRule.objects.get(year=2025)
    post(alice, ref="yr-1")
    post(alice, ref="yr-2")
    return rule


@pytest.mark.django_db
def test_deleting_a_rule_with_entries_is_refused_in_chinese(client, superuser, rule_with_entries):
    client.force_login(superuser)
    url = reverse("admin:credits_yearrule_delete", args=[rule_with_entries.pk])
    page = client.get(url).content.decode()
    assert "2025年度已有2条学时记录按该年度学时要求判定，不能删除该要求" in page
    assert 'type="submit"' not in page.split('id="content"')[1]

    client.post(url, {"post": "yes"})
    assert YearRule.objects.filter(pk=rule_with_entries.pk).exists()


@pytest.mark.django_db
def test_bulk_delete_refuses_a_rule_with_entries(client, superuser, rule_with_entries):
    client.force_login(superuser)
    url = reverse("admin:credits_yearrule_changelist")
    data = {"action": "delete_selected", "_selected_action": [rule_with_entries.pk]}
    page = client.post(url, data).content.decode()
    assert "不能删除该要求" in page
    client.post(url, {**data, "post": "yes"})
    assert YearRule.objects.filter(pk=rule_with_entries.pk).exists()


@pytest.mark.django_db
def test_a_rule_without_entries_can_still_be_deleted(client, superuser):
    rule = YearRule.objects.create(year=2031, public_min=30, professional_min=60)
    client.force_login(superuser)
    client.post(reverse("admin:credits_yearrule_delete", args=[rule.pk]), {"post": "yes"})
    assert not YearRule.objects.filter(pk=rule.pk).exists()


@pytest.mark.django_db
def test_the_year_of_a_rule_with_entries_cannot_be_changed(client, superuser, rule_with_entries):
    client.force_login(superuser)
    url = reverse("admin:credits_yearrule_change", args=[rule_with_entries.pk])
    client.post(url, {"year": "2030", "public_min": "30.0", "professional_min": "60.0"})
    assert YearRule.objects.get(pk=rule_with_entries.pk).year == 2025
