"""Form labels are Chinese, and a word means one thing."""

import re

import pytest
from django.urls import reverse
from django.utils import translation

from tests.project_forms import project_form_classes

# File formats and codes a Chinese label names as they are.
TECHNICAL_WORDS = {"xlsx", "xls", "csv", "CSV", "Excel", "PDF", "ID", "SHA"}
WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.mark.django_db
def test_every_form_field_label_is_chinese():
    english = []
    with translation.override("zh-hans"):
        for label, form_class in project_form_classes():
            form = form_class()
            for name in form.fields:
                shown = str(form[name].label)  # Django's label, or one made from the name
                words = set(WORD.findall(shown)) - TECHNICAL_WORDS
                if words:
                    english.append(f"{label}.{name}: {shown}")
    assert english == []


@pytest.mark.django_db
def test_the_training_level_reads_dengji_and_the_review_level_keeps_its_own_word(client, jinan_hr):
    from credits.models import Review

    client.force_login(jinan_hr)
    page = client.get(reverse("digital_engineer:city_plan_new")).content.decode()
    assert "等级" in page and "审核级别" not in page
    with translation.override("zh-hans"):
        assert str(Review._meta.get_field("level").verbose_name) == "审核级别"


@pytest.mark.django_db
def test_the_plan_form_names_its_course_column_in_chinese(client, health_admin):
    client.force_login(health_admin)
    page = client.get(reverse("learning:plan_new")).content.decode()
    labels = [
        re.sub(r"<[^>]+>|\s+", "", label)
        for label in re.findall(r"<label[^>]*>(.*?)</label>", page, flags=re.S)
    ]
    assert "课程" in labels
    assert [label for label in labels if WORD.search(label)] == []
