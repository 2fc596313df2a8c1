"""The tabular reader defends the server: bombs and huge sheets are refused before any
spreadsheet parser sees them, cheaply; every upload has a byte cap."""

import io
import tracemalloc
import zipfile

import pytest
import python_calamine
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.urls import reverse
from openpyxl import Workbook

from credits.models import OfflineUpload
from credits.offline_upload import COLUMNS
from credits.offline_upload import SPEC as OFFLINE_SPEC
from learning.models import ImportJob
from portal.actions import Refused
from portal.models import Membership
from portal.tabular import TEMPLATES, Problem, Table, TableError, parse_value, template_for
from tests.factories import id_number_for

BOMB_MESSAGE = "该工作簿解压后的数据量远超其文件大小"
MB = 1024 * 1024


def small_workbook() -> bytes:
    workbook = Workbook()
    workbook.active.append(COLUMNS)
    workbook.active.append([id_number_for(1), "张三", "专业科目", 6, "2025-03-18", "培训", "1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_part(part: str, chunks) -> bytes:
    """The small workbook with `part` replaced by the streamed `chunks`, deflated."""
    source, out = zipfile.ZipFile(io.BytesIO(small_workbook())), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename == part:
                continue
            target.writestr(item, source.read(item.filename))
        with target.open(part, "w", force_zip64=True) as stream:
            for chunk in chunks:
                stream.write(chunk)
    return out.getvalue()


def sheet_bomb(megabytes=210) -> bytes:
    row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * (MB // len(row))
    head = b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    return with_part(
        "xl/worksheets/sheet1.xml",
        [head, *(block for _ in range(megabytes)), b"</sheetData></worksheet>"],
    )


def shared_strings_bomb(megabytes=210) -> bytes:
    item = b"<si><t>" + b"A" * 1000 + b"</t></si>"
    block = item * (MB // len(item))
    head = b'<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    return with_part("xl/sharedStrings.xml", [head, *(block for _ in range(megabytes)), b"</sst>"])


@pytest.fixture
def parser_spy(monkeypatch, tmp_path):
    """Record any call of the spreadsheet parser (calamine's and openpyxl's entry
    points), in the server process or in the reading child forked from it: calls are
    written to a file, and `parser_spy()` lists them."""
    log = tmp_path / "parser-calls"
    log.write_text("")

    def record(name):
        with log.open("a") as calls:
            calls.write(name + "\n")

    class Spy:
        @staticmethod
        def from_filelike(*args, **kwargs):
            record("calamine")
            raise AssertionError("the parser ran")

    monkeypatch.setattr(python_calamine, "CalamineWorkbook", Spy)
    monkeypatch.setattr("openpyxl.load_workbook", lambda *a, **k: record("openpyxl") or 1 / 0)
    return lambda: log.read_text().split()


def refuse(content: bytes, spec=OFFLINE_SPEC) -> tuple[str, int]:
    """The refusal's message and the peak of Python memory allocated meanwhile."""
    upload = SimpleUploadedFile("bomb.xlsx", content)
    tracemalloc.start()
    try:
        with pytest.raises(TableError) as refused:
            Table(upload, spec)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return str(refused.value), peak


@pytest.mark.parametrize("make_bomb", [sheet_bomb, shared_strings_bomb], ids=["sheet", "strings"])
def test_a_decompression_bomb_is_refused_before_any_parser_runs(make_bomb, parser_spy):
    content = make_bomb()
    assert len(content) < 2 * MB  # a small upload that unpacks to over 200 MB

    message, peak = refuse(content)

    assert BOMB_MESSAGE in message
    assert parser_spy() == []
    assert peak < 32 * MB


def test_a_value_far_outside_the_table_is_refused_before_the_parser(parser_spy):
    workbook = Workbook()
    workbook.active.append(COLUMNS)
    workbook.active.cell(row=1_000_000, column=3, value="x")
    buffer = io.BytesIO()
    workbook.save(buffer)

    message, _peak = refuse(buffer.getvalue())

    assert "工作表在远离数据的单元格C1000000处仍有内容" in message
    assert parser_spy() == []


@pytest.mark.django_db
def test_the_offline_page_refuses_a_bomb_and_stores_nothing(client, hr_a, parser_spy):
    client.force_login(hr_a)
    upload = SimpleUploadedFile("线下学时.xlsx", sheet_bomb())

    response = client.post(reverse("credits:offline_upload"), {"file": upload})

    assert BOMB_MESSAGE in response.content.decode()
    assert not OfflineUpload.objects.exists()
    assert parser_spy() == []


@pytest.mark.django_db
def test_platform_imports_have_a_size_cap(client, province_hr):
    from learning.models import Platform

    client.force_login(province_hr)
    big = SimpleUploadedFile("export.csv", b"a," * (33 * MB))

    response = client.post(
        reverse("learning:import_upload"),
        {"platform": Platform.objects.get(code="sdou").pk, "file": big},
        follow=True,
    )

    assert "文件超过64MB。" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_parser_spy_sees_a_parse_in_the_reading_child(parser_spy):
    """The spy above would miss nothing: a good file, parsed in the forked child,
    is recorded."""
    workbook = Workbook()
    workbook.active.append(COLUMNS)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(TableError):
        Table(SimpleUploadedFile("good.xlsx", buffer.getvalue()), OFFLINE_SPEC)
    assert parser_spy() == ["calamine"]


@pytest.mark.parametrize(
    ("written", "expected"),
    [("2", "2"), ("2.5", "2.5"), ("2学时", "2"), ("２.５", "2.5"), (2.5, "2.5"), (6, "6")],
)
def test_hours_as_people_write_them(written, expected):
    assert str(parse_value(OFFLINE_SPEC.column("hours"), written)) == expected


def test_the_readers_refusals_are_refusals_the_user_may_read():
    assert issubclass(TableError, Refused)
    assert issubclass(Problem, Refused)


@pytest.mark.django_db
def test_an_upload_template_is_for_the_roles_of_its_upload(cast):
    key, entry = next(iter(TEMPLATES.items()))
    allowed = next(m for m in Membership.objects.all() if m.role in entry.roles)
    assert template_for(key, allowed) is entry
    outside = next(m for m in Membership.objects.all() if m.role not in entry.roles)
    with pytest.raises(PermissionDenied):
        template_for(key, outside)
    with pytest.raises(PermissionDenied):
        template_for(key, None)
    with pytest.raises(Http404):
        template_for("no-such-upload", allowed)
