"""A professional-subject plan as the documents an authority issues: Word and PDF.

Both are built from one outline (numbered sections 一、二、…, the content table after
学习对象, the issuing authority and date at the end) so that they say the same thing
in the same order.

The Word file is opened on office desktops with Microsoft Word or WPS, on Chinese
Windows. It names fonts those machines have — 宋体, 黑体, 仿宋_GB2312, by the Chinese
names both programs match — and sets them as the East Asian font (`w:eastAsia`) of
every style it uses. python-docx's template gives its styles *theme* fonts
(`w:eastAsiaTheme`), which win over a named font; they are removed, or the headings
come out in whatever the theme maps to (often a Japanese font, as the template's
language is not Chinese). `w:lang w:eastAsia="zh-CN"` makes Word choose Chinese
glyph forms and punctuation rules.
"""

import datetime
import io
import re
from dataclasses import dataclass

import nh3
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from learning.plans.selectors import PlanView
from portal.pdf import render_pdf

BODY_FONT = "宋体"  # SimSun
HEADING_FONT = "黑体"  # SimHei
OFFICIAL_FONT = "仿宋_GB2312"  # the signature block of an official document (GB/T 9704)
LATIN_FONT = "Times New Roman"

DIGITS = "零一二三四五六七八九"


def plain(text: str) -> str:
    """Sanitised HTML as lines of text (for Word)."""
    text = re.sub(r"<\s*(br|/p|/li)\s*/?>", "\n", text or "")
    return nh3.clean(text, tags=set()).strip()


def chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (1 to 99)."""
    if not 1 <= number <= 99:
        raise ValueError(f"{number} is outside 1-99")
    tens, units = divmod(number, 10)
    text = ""
    if tens:
        text = "十" if tens == 1 else DIGITS[tens] + "十"
    return text + (DIGITS[units] if units else "")


@dataclass
class OutlineSection:
    heading: str  # "一、指导思想和学习目标"
    html: str  # sanitised HTML, for the PDF
    lines: list[str]  # the same as paragraphs of text, for Word
    is_content_table: bool = False


def plan_outline(plan: PlanView) -> list[OutlineSection]:
    """The sections that have text, numbered 一、二、… in order; 学习对象 (the second
    section) always, followed by the content table, as in attachment 1 of the
    notice."""
    parts = []
    for index, (label, html) in enumerate(plan.sections):
        lines = [line for line in plain(html).splitlines() if line.strip()]
        if lines or index == 1:
            parts.append((str(label), html, lines, False))
        if index == 1:
            parts.append((_("Content of study"), "", [], True))
    return [
        OutlineSection(f"{chinese_numeral(number)}、{label}", html, lines, table)
        for number, (label, html, lines, table) in enumerate(parts, 1)
    ]


def plan_date(plan: PlanView) -> datetime.date:
    """The date the plan is issued under: its publication, or today for a draft."""
    if plan.published_at:
        return timezone.localdate(plan.published_at)
    return timezone.localdate()


def plan_closing(plan: PlanView) -> list[str]:
    """The lines that end the document: the issuing authority, then the date
    written as official documents write it (2025年3月18日)."""
    day = plan_date(plan)
    return [plan.authority.name, f"{day.year}年{day.month}月{day.day}日"]


def plan_pdf(plan: PlanView) -> bytes:
    html = render_to_string(
        "learning/plan_pdf.html",
        {
            "plan": plan,
            "outline": plan_outline(plan),
            "items": plan.items,
            "closing": plan_closing(plan),
        },
    )
    return render_pdf(html)


def plan_docx(plan: PlanView) -> bytes:
    """The plan as a Word document (A4, margins of GB/T 9704): title and section
    headings in 黑体, text and table in 宋体, authority and date in 仿宋_GB2312."""
    document = Document()
    page = document.sections[0]
    page.page_width, page.page_height = Mm(210), Mm(297)
    page.top_margin, page.bottom_margin = Mm(37), Mm(35)
    page.left_margin, page.right_margin = Mm(28), Mm(26)

    styles = document.styles
    _east_asian(_default_run_properties(document), BODY_FONT)
    body = _configure(styles["Normal"], BODY_FONT, Pt(12))
    title = _configure(styles["Heading 1"], HEADING_FONT, Pt(22))
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.space_after = Pt(18)
    section = _configure(styles["Heading 2"], HEADING_FONT, Pt(14))
    section.paragraph_format.space_before = Pt(12)
    section.paragraph_format.space_after = Pt(6)
    for style in (title, section):
        style.font.bold = False  # 黑体 is heavy already; bold would smear it
        style.font.color.rgb = RGBColor(0, 0, 0)
        linked = style.element.find(qn("w:link"))
        if linked is not None:  # the "Heading 1 Char" twin Word shows in its gallery
            twin = styles.element.get_by_id(linked.get(qn("w:val")))
            if twin is not None:
                _east_asian(twin.get_or_add_rPr(), HEADING_FONT)
    grid = _configure(styles["Table Grid"], BODY_FONT, Pt(12))
    closing = _configure(
        styles.add_style("Plan closing", WD_STYLE_TYPE.PARAGRAPH), OFFICIAL_FONT, Pt(16)
    )
    closing.base_style = body
    closing.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    closing.paragraph_format.space_after = Pt(0)

    document.add_paragraph(plan.title, style=title)
    for part in plan_outline(plan):
        document.add_paragraph(part.heading, style=section)
        for line in part.lines:
            paragraph = document.add_paragraph(line.strip(), style=body)
            paragraph.paragraph_format.first_line_indent = Pt(24)  # two characters
        if part.is_content_table:
            _content_table(document, plan, grid)
    first = True
    for line in plan_closing(plan):
        paragraph = document.add_paragraph(line, style=closing)
        if first:
            paragraph.paragraph_format.space_before = Pt(36)
            first = False
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _content_table(document, plan: PlanView, grid) -> None:
    table = document.add_table(rows=1, cols=3)
    table.style = grid
    headers = (_("Topic or course"), _("Hours"), _("Form"))
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.paragraphs[0].add_run(str(text)).bold = True
    for item in plan.items:
        row = table.add_row().cells
        row[0].text, row[1].text, row[2].text = item.topic, str(item.hours), item.mode_label
    total = table.add_row().cells
    total[0].text, total[1].text = str(_("Total")), str(plan.total_hours)


def _default_run_properties(document):
    """The `w:rPr` of `w:docDefaults`: what every run inherits."""
    defaults = document.styles.element.find(qn("w:docDefaults"))
    return defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))


def _configure(style, east_asian_font: str, size):
    style.font.size = size
    _east_asian(style.element.get_or_add_rPr(), east_asian_font)
    return style


LANG_SUCCESSORS = ("w:eastAsianLayout", "w:specVanish", "w:oMath")


def _east_asian(rpr, font: str) -> None:
    """Named fonts on `rpr` (a `w:rPr`): `font` for Chinese, Times New Roman for
    Latin; the theme fonts that would override them removed; Chinese as the East
    Asian language."""
    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    for script in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(script), LATIN_FONT)
    fonts.set(qn("w:eastAsia"), font)
    fonts.set(qn("w:hint"), "eastAsia")
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        successor = next(
            (rpr.find(qn(tag)) for tag in LANG_SUCCESSORS if rpr.find(qn(tag)) is not None),
            None,
        )
        if successor is not None:
            successor.addprevious(lang)
        else:
            rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
