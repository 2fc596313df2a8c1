"""Hours are written one way on every page: one decimal ("30.0"), and inside a sentence
a space before the unit ("还差 15.0 学时", "理论 64.0 学时 + 实操 64.0 学时").

Two nets: the main pages of the cast are rendered with whole-number hours (which a
template prints as "30" unless it formats them) and searched for hours written any
other way; and every template is scanned for an hours value printed without the
`hours` / `hours_value` filter (portal/templatetags/portal_format.py), so that the
next page cannot forget it either.
"""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from certificates.services import certificate_issue
from credits.declarations import declaration_create, declaration_review
from credits.models import ActivityKind, Review
from credits.services import credit_post
from learning.models import Course
from tests.factories import make_professional, make_training_certificate

YEAR = 2025

# Any number followed by 学时: each must read "15.0 学时".
HOURS_IN_WORDS = re.compile(r"(\d+(?:\.\d+)?)(\s*)学时")
# The whole-number hours of this scenario standing alone in the text ("30 / 60",
# "<td>64</td>"), where "30.0" was due; dates, times, serials, row numbers ("#12")
# and numbers glued to a name ("测试培训机构60", from a factory's sequence) are not
# matched: they depend on the database's sequences, not on how hours are written.
BARE_FIGURE = re.compile(r"(?<![\w.:/\-#])(?:30|60|64|16|12|10|8)(?![\d.:\-年月日%A-Za-z])")
SCRIPT_OR_STYLE = re.compile(r"<(script|style)\b.*?</\1>", re.S)
TAG = re.compile(r"<[^>]+>")


def visible_text(html: str) -> str:
    return " ".join(TAG.sub(" ", SCRIPT_OR_STYLE.sub(" ", html)).split())


def assert_hours_one_way(html: str) -> None:
    text = visible_text(html)
    wrong = [
        f"{n}{space}学时"
        for n, space in HOURS_IN_WORDS.findall(text)
        if not re.fullmatch(r"\d+\.\d", n) or space != " "
    ]
    bare = [text[max(0, m.start() - 25) : m.end() + 25] for m in BARE_FIGURE.finditer(text)]
    assert not wrong and not bare, (wrong, bare)


@pytest.fixture
def scene(alice, hr_a, institution, institution_staff, jinan):
    """Alice with 30 + 60 hours in 2025 and her certificate, a declaration approved
    and one waiting, a course of 10 hours, and a 64 + 64 class she completed."""
    credit_post(
        person=alice, year=YEAR, category="public", hours=30, source="course", source_ref="w-1"
    )
    credit_post(
        person=alice,
        year=YEAR,
        category="professional",
        hours=52,
        source="course",
        source_ref="w-2",
    )
    conference = ActivityKind.objects.get(code="conference-provincial")  # 8, +4, cap 16
    first = declaration_create(
        person=alice,
        kind=conference,
        occurred_on=datetime.date(YEAR, 4, 1),
        quantity=Decimal(1),
        with_bonus=False,
        description="省医学会年会",
        evidence_files=[],
    )
    declaration_review(
        declaration=first, reviewer=hr_a, level=Review.Level.UNIT, approve=True, hours=8
    )
    waiting = declaration_create(
        person=alice,
        kind=conference,
        occurred_on=datetime.date(YEAR, 9, 1),
        quantity=Decimal(1),
        with_bonus=True,
        description="省医学会秋季会议",
        evidence_files=[],
    )
    course = Course.objects.create(
        title="数字经济",
        teacher_name="张教授",
        category="public",
        hours=Decimal(10),
        first_year=YEAR,
        last_year=YEAR,
        status=Course.Status.PUBLISHED,
    )
    klass = make_training_certificate(
        institution, jinan, alice, closed_by=institution_staff
    ).trainee.training_class
    certificate_issue(person=alice, year=YEAR, issued_by=hr_a, render=False)
    make_professional(alice.profile.unit, real_name="卡罗尔")  # no hours at all
    return {"first": first, "waiting": waiting, "course": course, "klass": klass}


def pages(cast, scene):
    alice, hr_a, staff = cast["alice"], cast["hr_a"], cast["institution_staff"]
    year = {"year": YEAR}
    return [
        (alice, reverse("credits:my_hours"), year),
        (alice, reverse("certificates:mine"), {}),
        (alice, reverse("credits:declaration_new"), {}),
        (alice, reverse("credits:declaration_list"), {}),
        (alice, reverse("credits:declaration_detail", args=[scene["first"].pk]), {}),
        (alice, reverse("learning:catalog"), year),
        (alice, reverse("learning:course", args=[scene["course"].pk]), {}),
        (hr_a, reverse("credits:staff_list"), year),
        (hr_a, reverse("credits:person_detail", args=[alice.pk]), year),
        (hr_a, reverse("certificates:unit"), year),
        (hr_a, reverse("credits:review_detail", args=[scene["waiting"].pk]), {}),
        (staff, reverse("digital_engineer:class", args=[scene["klass"].pk]), {}),
    ]


@pytest.mark.django_db
def test_the_main_pages_write_hours_with_one_decimal(client, cast, scene):
    for user, url, query in pages(cast, scene):
        client.force_login(user)
        response = client.get(url, query)
        assert response.status_code == 200, url
        try:
            assert_hours_one_way(response.content.decode())
        except AssertionError as error:
            raise AssertionError(f"{url}: {error}") from None


@pytest.mark.django_db
def test_figures_read_as_the_other_pages_write_them(client, cast, scene):
    alice, hr_a = cast["alice"], cast["hr_a"]
    client.force_login(hr_a)
    unit = visible_text(client.get(reverse("certificates:unit"), {"year": YEAR}).content.decode())
    assert re.search(r"艾丽丝 30\.0 188\.0 SD", unit)  # 52 + 8 declared + 128 trained
    assert re.search(r"卡罗尔 0\.0 0\.0 —", unit)
    review = client.get(reverse("credits:review_detail", args=[scene["waiting"].pk]))
    proposal = visible_text(review.content.decode())
    assert "申报 12.0 学时，但2025年度上限内仅余 8.0 学时，故建议认定 8.0 学时。" in proposal
    assert 'name="hours" value="8.0"' in review.content.decode()
    client.force_login(alice)
    mine = visible_text(client.get(reverse("certificates:mine")).content.decode())
    assert "理论 64.0 学时 + 实操 64.0 学时" in mine
    client.force_login(cast["institution_staff"])
    klass = client.get(reverse("digital_engineer:class", args=[scene["klass"].pk]))
    assert "理论 64.0 学时 + 实操 64.0 学时" in visible_text(klass.content.decode())


@pytest.mark.django_db
def test_messages_write_hours_with_one_decimal(alice, hr_a):
    """The refusals that name hours use the shared formatter too."""
    from credits.services import LedgerError

    conference = ActivityKind.objects.get(code="conference-provincial")
    declaration = declaration_create(
        person=alice,
        kind=conference,
        occurred_on=datetime.date(YEAR, 4, 1),
        quantity=Decimal(3),
        with_bonus=False,
        description="三次会议",
        evidence_files=[],
    )
    with pytest.raises(LedgerError) as refusal:
        declaration_review(
            declaration=declaration, reviewer=hr_a, level=Review.Level.UNIT, approve=True, hours=24
        )
    assert "最多还可认定 16.0 学时（年度上限 16.0 学时）" in str(refusal.value)


# --- the template scan ---------------------------------------------------------------

TEMPLATES = Path(settings.BASE_DIR) / "templates"
HOURS_WORDS = {
    "hours",
    "public",
    "professional",
    "min",
    "minimum",
    "attended",
    "gap",
    "left",
    "cap",
    "asked",
}
# Names that hold hours-like words but are no hours: counts of people, percentages,
# scores, form fields (the widget renders itself).
NOT_HOURS = {"percent", "score", "short", "form", "masked"}
# Values that hold hours already written out in words by the formatter.
WORDS_ALREADY = {("certificates/my_certificates.html", "c.hours")}  # HeldCertificate.hours
OUTPUT = re.compile(r"{{\s*(.*?)\s*}}", re.S)
BLOCK_WITH = re.compile(r"{%\s*blocktranslate\b[^%]*?\bwith\b(.*?)%}", re.S)
ASSIGNMENT = re.compile(r"(\w+)=(\S+)")
# An input's value is read back by the form, not by a person: leave it as the field
# writes it (whole numbers stay whole for integer fields).
INPUT_VALUE = re.compile(r'\bvalue="$')


def names_hours(expression: str) -> bool:
    variable = expression.split("|")[0].strip()
    words = set()
    for part in variable.split("."):
        words.update(part.split("_"))
    return bool(words & HOURS_WORDS) and not words & NOT_HOURS


def formatted(expression: str) -> bool:
    """Through the hours filters (or a date filter: `left_at|date` is no hours)."""
    filters = [f.split(":")[0].strip() for f in expression.split("|")[1:]]
    return bool({"hours", "hours_value", "date"} & set(filters))


def unformatted_hours(path: Path, name: str = "") -> list[str]:
    text = path.read_text(encoding="utf-8")
    local_names = {expression for template, expression in WORDS_ALREADY if template == name}
    found = []
    for block in BLOCK_WITH.finditer(text):
        for name, expression in ASSIGNMENT.findall(block.group(1)):
            local_names.add(name)
            if names_hours(expression) and not formatted(expression):
                found.append(f"with {name}={expression}")
    for output in OUTPUT.finditer(text):
        expression = output.group(1)
        if expression in local_names or INPUT_VALUE.search(text[: output.start()]):
            continue
        if names_hours(expression) and not formatted(expression):
            found.append(f"{{{{ {expression} }}}}")
    return found


def test_the_scan_finds_unformatted_hours(tmp_path):
    sample = tmp_path / "sample.html"
    sample.write_text(
        "{{ course.hours }} {{ s.public_min|default:'—' }} {{ c.hours|hours }}"
        ' {{ s.public_percent }} <input value="{{ t.theory_attended }}">'
        " {% blocktranslate with left=p.left cap=k.cap_per_year|hours_value %}"
        "{{ left }} {{ cap }}{% endblocktranslate %}"
    )
    assert unformatted_hours(sample) == [
        "with left=p.left",
        "{{ course.hours }}",
        "{{ s.public_min|default:'—' }}",
    ]


def test_every_template_formats_the_hours_it_prints():
    found = {
        str(path.relative_to(TEMPLATES)): wrong
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (wrong := unformatted_hours(path, str(path.relative_to(TEMPLATES))))
    }
    assert not found, found


def test_the_bare_figure_check_spares_dates_times_and_row_numbers():
    """What makes the page check fail, and what must not (ids follow the sequences)."""
    assert [m.group() for m in BARE_FIGURE.finditer("要求 30 / 60 <td>64</td>")] == [
        "30",
        "60",
        "64",
    ]
    assert not BARE_FIGURE.search("#12 · 2026-11-30 06:36 第SD2025000012号 30.0 10%")
