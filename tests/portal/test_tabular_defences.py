# ruff: noqa: F811
"""The shared reader defends the server against crafted files (a security review's
findings): no parser runs in the server process, the cheap pre-scan cannot be walked
around by spelling a far-away cell another way, no pattern is quadratic, only .xlsx,
.xls and .csv are taken, and numbers cannot pin a CPU. Small files are built here.
"""

import contextlib
import csv
import io
import os
import signal
import time
import zipfile

import pytest
import python_calamine
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from credits.eligibility import BULK_SPEC
from credits.models import OfflineUpload
from credits.offline_upload import SPEC as OFFLINE_SPEC
from digital_engineer.services import RECORD_SPEC
from portal.tabular import Problem, Table, TableError, check_file, parse_value
from tests.factories import id_number_for

# `make` is that module's fixture (a driver per upload), used here as a fixture.
from tests.portal.test_uploads_as_written import DRIVERS, Offline, make, xls, xlsx  # noqa: F401

FAR_MESSAGE = "工作表在远离数据的单元格XFD1048576处仍有内容"
RESOURCE_MESSAGE = "文件过大或格式异常，解析时超出资源限制，未保存任何内容。"
NOT_A_TABLE = "该文件不是Excel工作簿（.xlsx、.xls）或CSV文件。"
SERVER_PID = os.getpid()

# -- crafted workbooks -------------------------------------------------------------------

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/'
    'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
    'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="'
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>'
)
RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK = (
    '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
HEAD = (
    '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>身份证号</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>起始年度</t></is></c><c r="C1" t="inlineStr"><is>'
    f'<t>截止年度</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>{id_number_for(1)}'
    '</t></is></c><c r="B2"><v>2022</v></c><c r="C2"><v>2024</v></c></row>'
)
TAIL = "</sheetData></worksheet>"
FAR = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def crafted(
    sheet_rows: str = FAR,
    *,
    part: str = "xl/worksheets/sheet1.xml",
    target: str = "worksheets/sheet1.xml",
    workbook: str = WORKBOOK,
    tail: str = TAIL,
) -> bytes:
    """A minimal .xlsx (about 1.7 KB) whose sheet holds `sheet_rows` below the data."""
    rels = (
        '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        f'officeDocument/2006/relationships/worksheet" Target="{target}"/></Relationships>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", rels)
        archive.writestr(part, HEAD + sheet_rows + tail)
    return buffer.getvalue()


# Each spelling calamine reads as a value in XFD1048576 (asking it for 512 GB).
FAR_SPELLINGS = {
    "single-quotes": dict(sheet_rows="<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>"),
    "spaces": dict(sheet_rows='<row r="1048576"><c r = "XFD1048576"><v>1</v></c></row>'),
    "tab": dict(sheet_rows='<row r="1048576"><c\tr="XFD1048576"><v>1</v></c></row>'),
    "newline": dict(sheet_rows='<row r="1048576"><c\nr="XFD1048576"><v>1</v></c></row>'),
    "lower-case": dict(sheet_rows='<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>'),
    "prefix": dict(
        sheet_rows='<row r="1048576"><x:c xmlns:x="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main" r="XFD1048576"><x:v>1</x:v></x:c></row>'
    ),
    "reference-last": dict(
        sheet_rows='<row r="1048576"><c s="0" r="XFD1048576"><v>1</v></c></row>'
    ),
    "backslash-part": dict(part="xl\\worksheets\\sheet1.xml"),
    "other-case-part": dict(part="xl/Worksheets/Sheet1.xml"),
    "other-name": dict(part="xl/worksheets/data.xml", target="worksheets/data.xml"),
    "absolute-target": dict(target="/xl/worksheets/sheet1.xml"),
    "dotted-target": dict(target="../xl/worksheets/sheet1.xml"),
}


def upload(content: bytes, name="名单.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.fixture
def parse_spy(monkeypatch):
    """calamine replaced by a stand-in that raises in the process it runs in: a parse
    in the server process fails the test, one in the child aborts the child as a
    failed Rust allocation does."""

    class Aborting:
        @staticmethod
        def from_filelike(*args, **kwargs):
            if os.getpid() == SERVER_PID:
                raise AssertionError("the workbook was parsed in the server process")
            os.kill(os.getpid(), signal.SIGABRT)

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Aborting)


# -- 1. no parser in the server process ---------------------------------------------------


@pytest.mark.parametrize("spelling", list(FAR_SPELLINGS))
def test_a_far_away_cell_is_refused_however_it_is_spelled(spelling):
    with pytest.raises(TableError) as refused:
        check_file(upload(crafted(**FAR_SPELLINGS[spelling])), BULK_SPEC)

    assert FAR_MESSAGE in str(refused.value)


@pytest.mark.parametrize(
    "sheet_rows",
    [
        '<row r="1048576"><c r="XFD1048576" s="1"/></row>',  # formatted, empty
        '<row r="5"><c r="E5"><v>1</v></c></row>',
    ],
    ids=["styled-empty", "near"],
)
def test_an_empty_styled_cell_or_a_near_value_passes_the_pre_scan(sheet_rows):
    assert check_file(upload(crafted(sheet_rows)), BULK_SPEC) == "xlsx"


@pytest.mark.django_db
@pytest.mark.parametrize("driver_class", DRIVERS, ids=lambda d: d.name)
def test_a_parser_that_aborts_ends_only_its_child(make, driver_class, parse_spy):
    driver, (person,) = make(driver_class, "李华")
    content = xlsx(driver.headers, [driver.row(person)])

    response = driver.upload("名单.xlsx", content)

    assert RESOURCE_MESSAGE in driver.text(response)
    assert driver.nothing_written()


@pytest.mark.django_db
def test_a_sheet_too_large_for_the_memory_limit_is_refused_with_a_message(make, settings):
    # calamine holds the area densely: a stray value in ALL3900 asks for 125 MB.
    driver, (person,) = make(Offline, "李华")
    workbook = Workbook()
    workbook.active.append(driver.headers)
    workbook.active.append(driver.row(person))
    workbook.active.cell(row=3900, column=1000, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)
    settings.TABULAR_PARSE_MEMORY_MB = 16

    response = driver.upload("名单.xlsx", buffer.getvalue())

    assert RESOURCE_MESSAGE in driver.text(response)
    assert driver.nothing_written()


def children() -> set[int]:
    """This process's child processes (not yet reaped ones included)."""
    pids = set()
    for task in os.listdir("/proc/self/task"):
        with open(f"/proc/self/task/{task}/children") as listed:
            pids.update(int(pid) for pid in listed.read().split())
    return pids


def test_a_table_dropped_unread_ends_its_child():
    before = children()
    table = Table(upload(crafted("")), BULK_SPEC)
    assert len(children() - before) == 1  # the child waits to send the rows

    del table

    assert children() == before


# -- 2. no quadratic patterns --------------------------------------------------------------


@pytest.mark.parametrize(
    "shape",
    [
        dict(sheet_rows='<c r="A1" ' * 20_000),
        dict(sheet_rows='<c r="A1" ' * 20_000, tail=""),
        dict(sheet_rows="<c s=1 " * 30_000),
        dict(sheet_rows="", workbook="<sheet " * 30_000),
    ],
    ids=["cells", "cells-unclosed", "cells-without-reference", "workbook"],
)
def test_a_pathological_200_kb_part_is_scanned_in_linear_time(shape):
    content = crafted(**shape)
    started = time.process_time()

    with contextlib.suppress(TableError):
        check_file(upload(content), BULK_SPEC)

    # Quadratic patterns took 21-26 s on 2 KB of this; a linear scan takes milliseconds.
    assert time.process_time() - started < 5


@pytest.mark.parametrize("tail", ["", TAIL], ids=["unclosed", "closed"])
def test_a_malformed_sheet_is_refused_as_unreadable(tail):
    with pytest.raises(TableError) as refused:
        Table(upload(crafted('<c r="A1" ' * 20_000, tail=tail)), BULK_SPEC)

    assert "无法读取该Excel文件" in str(refused.value)


# -- 3. only .xlsx, .xls and .csv ------------------------------------------------------------


def ods() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr(
            "content.xml",
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
            'office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0">'
            '<office:body><office:spreadsheet><table:table table:name="S"><table:table-row '
            'table:number-rows-repeated="1000000"><table:table-cell table:number-columns-'
            'repeated="16384" office:value-type="float" office:value="1"/></table:table-row>'
            "</table:table></office:spreadsheet></office:body></office:document-content>",
        )
    return buffer.getvalue()


def xlsb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            CONTENT_TYPES.replace("/xl/workbook.xml", "/xl/workbook.bin").replace(
                "sheet.main+xml", "sheet.binary.macroEnabled.main"
            ),
        )
        archive.writestr("_rels/.rels", RELS.replace("workbook.xml", "workbook.bin"))
        archive.writestr("xl/workbook.bin", b"\x83\x01\x00")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "make_content"),
    [("名单.ods", ods), ("名单.xlsx", ods), ("名单.xlsb", xlsb), ("名单.xlsx", xlsb)],
)
def test_a_zip_that_is_not_an_xlsx_is_refused_before_any_parser(name, make_content, parse_spy):
    with pytest.raises(TableError) as refused:
        Table(upload(make_content(), name), BULK_SPEC)

    assert str(refused.value) == NOT_A_TABLE


# -- 4. numbers that would pin a CPU ---------------------------------------------------------


HUGE_EXPONENT_COLUMNS = {
    "hours": OFFLINE_SPEC.column("hours"),
    "score": RECORD_SPEC.column("theory_score"),
    "year": next(c for c in BULK_SPEC.columns if c.kind == "integer"),
}


@pytest.mark.parametrize("kind", list(HUGE_EXPONENT_COLUMNS))
def test_a_huge_exponent_is_refused_unread(kind):
    started = time.process_time()

    with pytest.raises(Problem) as refused:
        parse_value(HUGE_EXPONENT_COLUMNS[kind], "9E+1000000")

    assert str(refused.value).startswith("填写的是“9E+1000000”，应为")
    assert time.process_time() - started < 1  # int() of it takes minutes


# -- 5. values as written ----------------------------------------------------------------------


def offline_csv(driver, rows, *, blank_lines=0) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(driver.headers)
    for row in rows[:1]:
        writer.writerow(row)
    for _ in range(blank_lines):
        writer.writerow([""] * len(driver.headers))
    for row in rows[1:]:
        writer.writerow(row)
    return text.getvalue().encode("utf-8-sig")


@pytest.mark.django_db
def test_an_id_number_excel_rounded_then_saved_as_csv_gets_the_lost_digits_message(make):
    driver, (person,) = make(Offline, "李华")
    content = offline_csv(driver, [driver.row(person, 身份证号="370112197505059000")])

    text = driver.text(driver.upload("名单.csv", content))

    assert "第2行「身份证号」：Excel 把身份证号存成了数字，末几位已丢失" in text
    assert "校验位" not in text
    assert driver.nothing_written()


@pytest.mark.django_db
def test_minutes_are_not_read_as_hours(make):
    driver, (person,) = make(Offline, "李华")
    content = xlsx(driver.headers, [driver.row(person, 学时="30分")])

    text = driver.text(driver.upload("名单.xlsx", content))

    assert "第2行「学时」：填写的是“30分”，应为学时数" in text
    assert driver.nothing_written()


def test_points_are_still_read_after_a_score():
    assert parse_value(RECORD_SPEC.column("theory_score"), "90分") == 90


@pytest.mark.django_db
def test_hours_from_a_formula_are_read_as_excel_shows_them(make):
    driver, (person,) = make(Offline, "李华")
    # A formula's result, kept at full binary precision (openpyxl would round it).
    content = xls(driver.headers, [driver.row(person, 学时=1.1 + 2.2)])  # 3.3000000000000003

    driver.upload("名单.xls", content)

    assert OfflineUpload.objects.get().rows[0]["hours"] == "3.3"


@pytest.mark.django_db
def test_reading_stops_after_a_long_run_of_empty_rows(make):
    driver, (person,) = make(Offline, "李华")
    stray = ["", "", "", "", "", "", "x"]
    content = offline_csv(driver, [driver.row(person), stray], blank_lines=10_000)

    response = driver.upload("名单.csv", content)

    assert driver.taken(response, person), driver.text(response)[:3000]


@pytest.mark.django_db
def test_a_small_number_in_a_date_column_is_not_a_date_in_1900(make):
    driver, (person,) = make(Offline, "李华")
    content = xlsx(driver.headers, [driver.row(person, 日期=2)])

    text = driver.text(driver.upload("名单.xlsx", content))

    assert "第2行「日期」：填写的是“2”，应为日期，如2025-03-18" in text
    assert driver.nothing_written()
