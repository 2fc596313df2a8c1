"""Pages say what they must: page titles are plain text, and every formset page shows
the formset's own errors (a refusal without a message leaves the user guessing)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines
from django.template.base import TextNode
from django.template.loader_tags import BlockNode
from django.urls import reverse

from learning.models import Course
from tests.project import PROJECT_APPS


def project_templates():
    """(name, source) of every template of the project: the templates folder and the
    project apps' own templates folders."""
    roots = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    roots += [Path(settings.BASE_DIR) / app / "templates" for app in PROJECT_APPS]
    found = []
    for root in roots:
        for path in sorted(root.rglob("*.html")) if root.is_dir() else ():
            found.append((path.relative_to(root).as_posix(), path.read_text(encoding="utf-8")))
    assert len(found) > 50  # the walk found the templates
    return found


def test_no_template_puts_markup_in_the_page_title():
    engine = engines["django"]
    marked_up = []
    for name, _source in project_templates():
        template = engine.get_template(name).template
        for block in template.nodelist.get_nodes_by_type(BlockNode):
            if block.name != "title":
                continue
            for text in block.nodelist.get_nodes_by_type(TextNode):
                if "<" in text.s:
                    marked_up.append(f"{name}: {text.s.strip()[:60]}")
    assert marked_up == []


@pytest.mark.django_db
def test_my_courses_title_is_plain_text_for_a_teacher(client, alice):
    Course.objects.create(
        title="临床沟通技巧",
        teacher_name=alice.real_name,
        teacher=alice,
        category="professional",
        hours=4,
        first_year=2025,
        last_year=2025,
        status=Course.Status.PUBLISHED,
    )
    client.force_login(alice)
    page = client.get(reverse("learning:my_courses")).content.decode()
    [title] = re.findall(r"<title>(.*?)</title>", page, flags=re.S)
    assert "<" not in title and "form" not in title
    assert title.startswith("我的课程")
    # The nomination form is on the page, once, outside the title.
    assert page.count('data-testid="taught"') == 1


def test_every_formset_template_shows_the_formsets_own_errors():
    missing = []
    for name, source in project_templates():
        for formset in re.findall(r"{{\s*(\w+)\.management_form\s*}}", source):
            shown = (
                re.search(rf"{{{{\s*{formset}\|as_crispy_errors\s*}}}}", source)
                or f"{formset}.non_form_errors" in source
            )
            if not shown:
                missing.append(f"{name}: {formset}")
    assert missing == []
