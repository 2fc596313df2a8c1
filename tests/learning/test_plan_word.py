"""The Word file of a professional-subject plan, as it opens in Word and WPS on a
Chinese desktop: named fonts those machines have, Chinese as the East Asian
language, sections numbered 一、二、…, and the issuing authority and date at the end
(as the PDF)."""

import io
import subprocess
import tempfile

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn

from learning.plans.plan_export import chinese_numeral
from tests.learning.test_plans import create

EXPECTED_FONTS = {"宋体", "黑体", "仿宋_GB2312"}
THEME_ATTRIBUTES = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def download(client, plan, kind):
    url = reverse("learning:plan_download", kwargs={"pk": plan.pk, "kind": kind})
    return client.get(url)


@pytest.fixture
def admin_client(client, health_admin):
    client.force_login(health_admin)
    return client


@pytest.fixture
def published(admin_client):
    plan = create(admin_client, forms="")  # a section left empty is left out, not numbered
    admin_client.post(reverse("learning:plan_publish", kwargs={"pk": plan.pk}))
    return plan


@pytest.fixture
def document(admin_client, published):
    return Document(io.BytesIO(download(admin_client, published, "docx").content))


def used_styles(document):
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        paragraphs += [p for row in table.rows for cell in row.cells for p in cell.paragraphs]
    styles = [p.style for p in paragraphs] + [t.style for t in document.tables]
    # A run names a character style only when it has one (`w:rStyle`).
    styles += [run.style for p in paragraphs for run in p.runs if run._r.style]
    return paragraphs, list({style.style_id: style for style in styles}.values())


def east_asian_font(rpr):
    fonts = rpr.find(qn("w:rFonts")) if rpr is not None else None
    return None if fonts is None else fonts.get(qn("w:eastAsia"))


@pytest.mark.django_db
class TestFonts:
    def test_every_style_used_names_a_chinese_font_and_no_theme_font(self, document):
        _paragraphs, styles = used_styles(document)
        names = {style.name for style in styles}
        assert {"Normal", "Heading 1", "Heading 2", "Table Grid"} <= names
        for style in styles:
            rpr = style.element.rPr
            assert east_asian_font(rpr) in EXPECTED_FONTS, style.name
            fonts = rpr.find(qn("w:rFonts"))
            assert not [a for a in THEME_ATTRIBUTES if fonts.get(qn(a))], style.name
            assert rpr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN", style.name

    def test_headings_in_heiti_text_in_songti_closing_in_fangsong(self, document):
        by_name = {p.style.name: p.style for p in document.paragraphs}
        assert east_asian_font(by_name["Heading 1"].element.rPr) == "黑体"
        assert east_asian_font(by_name["Heading 2"].element.rPr) == "黑体"
        assert east_asian_font(by_name["Normal"].element.rPr) == "宋体"
        closing = document.paragraphs[-1].style
        assert east_asian_font(closing.element.rPr) == "仿宋_GB2312"

    def test_no_run_overrides_the_chinese_font_with_another(self, document):
        paragraphs, _styles = used_styles(document)
        runs = [run for p in paragraphs for run in p.runs]
        assert runs
        for run in runs:
            assert east_asian_font(run._r.rPr) in (None, *EXPECTED_FONTS)

    def test_the_document_defaults_are_chinese(self, document):
        defaults = document.styles.element.find(qn("w:docDefaults"))
        rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
        assert east_asian_font(rpr) == "宋体"
        assert rpr.find(qn("w:lang")).get(qn("w:eastAsia")) == "zh-CN"
        assert not rpr.find(qn("w:rFonts")).get(qn("w:eastAsiaTheme"))

    def test_a4_paper(self, document):
        section = document.sections[0]
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


@pytest.mark.django_db
class TestOutline:
    def test_sections_are_numbered_in_chinese_with_the_content_table_third(self, document):
        headings = [p.text for p in document.paragraphs if p.style.name == "Heading 2"]
        assert headings == [
            "一、指导思想和学习目标",
            "二、学习对象",
            "三、学习内容",
            "四、学习渠道",
            "五、学时认定",
            "六、组织实施",
            "七、联系人及联系方式",
        ]
        body = document.element.body
        table = body.index(document.tables[0]._tbl)
        third = next(p for p in document.paragraphs if p.text == "三、学习内容")
        assert body.index(third._p) == table - 1

    def test_ends_with_the_authority_and_the_publication_date(self, document, published):
        published.refresh_from_db()
        day = timezone.localdate(published.published_at)
        assert [p.text for p in document.paragraphs[-2:]] == [
            "山东省卫生健康委员会",
            f"{day.year}年{day.month}月{day.day}日",
        ]

    def test_the_pdf_has_the_same_numbering_and_closing(self, admin_client, published):
        response = download(admin_client, published, "pdf")
        with tempfile.NamedTemporaryFile(suffix=".pdf") as handle:
            handle.write(response.content)
            handle.flush()
            text = subprocess.run(
                ["pdftotext", handle.name, "-"], capture_output=True, text=True, check=True
            ).stdout
        published.refresh_from_db()
        day = timezone.localdate(published.published_at)
        assert "二、学习对象" in text and "三、学习内容" in text and "七、联系人及联系方式" in text
        assert "学习形式" not in text  # the empty section is left out
        tail = text.strip().splitlines()
        assert tail[-2:] == ["山东省卫生健康委员会", f"{day.year}年{day.month}月{day.day}日"]


@pytest.mark.parametrize(
    ("number", "text"),
    [(1, "一"), (7, "七"), (10, "十"), (11, "十一"), (20, "二十"), (21, "二十一"), (99, "九十九")],
)
def test_chinese_numerals(number, text):
    assert chinese_numeral(number) == text
