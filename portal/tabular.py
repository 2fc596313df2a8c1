"""One reader for every tabular upload: .xlsx, legacy .xls and .csv, as people write them.

An upload declares its columns once (`Column`, `TableSpec`); the header match, the
typed values, the "第n行「列」" messages, the row limit and the downloadable template
all come from that spec.

Reading a file, step by step:
1. `check_upload`: size cap, then the kind judged by content (a zip must be an .xlsx,
   an OLE2 compound file is .xls, anything else must be named .csv).
2. An .xlsx is a zip: `_check_archive` refuses a zip that is not an .xlsx (an .ods,
   an .xlsb), streams every entry with a byte budget and refuses a decompression bomb
   (declared or actual unpacked size, compression ratio of an entry and of the whole
   archive, number of entries) and a part whose cells span a huge area, before any
   parser. What the zip declares is checked in the web or worker process; the
   streaming scan, which costs CPU, runs first thing in the limited child of step 3.
   calamine keeps a sheet as a dense grid, so one value in cell XFD1048576 would ask
   it for half a terabyte; the scan (linear, however the XML is spelled) finds that
   cell first and names it.
3. The parsing runs in a forked child process with a memory and a CPU limit, for
   every upload (`Table`, `portal.limited`): a file the checks above do not
   know (a legacy .xls has no cheap pre-scan at all) ends that child, never the
   server, and is refused with `resource_message()`. There calamine (Rust) parses
   .xlsx and .xls; .csv is decoded as UTF-8 (with or without BOM) or else GB18030
   (a superset of GBK, Excel's "CSV" on a Chinese Windows).
4. The header row is the first of the first HEADER_SEARCH_ROWS rows holding every
   required column (a merged title row above it is skipped); columns are matched by
   name or alias, in any order.
5. Rows are numbered as Excel shows them; empty rows are skipped and do not count
   against the row limit, and reading stops after EMPTY_RUN_LIMIT of them in a row;
   a value beyond the expected columns refuses the row. The typed rows are sent to
   the parent in chunks.
"""

import contextlib
import csv
import datetime
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.actions import Refused
from portal.identity import id_number_from_cell, normalize_id_number, normalize_name
from portal.limited import ReaderFailed, ReaderOutOfMemory, ReaderOutOfTime, run_limited

logger = logging.getLogger(__name__)

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

HEADER_SEARCH_ROWS = 10
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# An .xlsx of a 200,000-row sheet unpacks to about 60 MB; a bomb to gigabytes.
MAX_UNPACKED_BYTES = 160 * 1024 * 1024
MAX_ZIP_ENTRIES = 500
MAX_RATIO = 200  # unpacked / packed, for entries over RATIO_FLOOR bytes
# Declared unpacked size / upload size, for the whole archive (over RATIO_FLOOR bytes):
# a real workbook unpacks to 5-20 times its size.
MAX_ARCHIVE_RATIO = 100
RATIO_FLOOR = 1024 * 1024
# Cells of the first sheet's used area (calamine holds the area densely, 32 bytes a cell).
MAX_SHEET_CELLS = 4_000_000
CHUNK = 1024 * 1024
EXCEL_EPOCH = datetime.date(1899, 12, 30)
MIN_DATE_SERIAL = (datetime.date(2000, 1, 1) - EXCEL_EPOCH).days  # 36526
# Reading stops after this many empty rows in a row (a stray value far below the
# table is not read; a CSV of a million empty lines is not walked to its end).
EMPTY_RUN_LIMIT = 10_000


class TableError(Refused):
    """The file as a whole cannot be taken; the message is for the user, in Chinese."""


# -- the spec -------------------------------------------------------------------------


KINDS = (
    "text",
    "name",
    "id_number",
    "id_text",
    "hours",
    "date",
    "datetime",
    "score",
    "integer",
    "category",
)


@dataclass(frozen=True)
class Column:
    """One expected column: `key` for the code, `header` as the template writes it,
    `aliases` other headers that mean the same (a platform's export, say)."""

    key: str
    header: str
    kind: str = "text"
    required: bool = True
    aliases: tuple[str, ...] = ()
    max_length: int | None = None
    example: Any = ""
    choices: dict | None = None  # category: the words people write → the value
    minimum: int | None = None  # integer
    maximum: int | None = None  # integer

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


SAMPLE_ID_NUMBER = "370102198506150013"  # passes the check digit


def id_number_column(kind: str = "id_number", aliases: tuple[str, ...] = ()) -> Column:
    """The ID-card number column every upload has, under the headers people use."""
    return Column(
        "id_number",
        "身份证号",
        kind,
        aliases=("身份证号码", "公民身份号码", "证件号码", *aliases),
        example=SAMPLE_ID_NUMBER,
    )


def name_column(*, required: bool = True, aliases: tuple[str, ...] = ()) -> Column:
    """A person's name, compared through `normalize_name`."""
    return Column(
        "name", "姓名", "name", required=required, aliases=aliases, max_length=50, example="张三"
    )


@dataclass(frozen=True)
class TableSpec:
    columns: tuple[Column, ...]
    max_rows: int
    title: str = ""
    max_bytes: int = MAX_UPLOAD_BYTES
    max_unpacked: int = MAX_UNPACKED_BYTES

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


# -- messages --------------------------------------------------------------------------


def row_message(number: int, message: str, column: Column | str | None = None) -> str:
    """ "第n行「列」：…" (or "第n行：…" for a problem of the whole row)."""
    if column is None:
        return _("Row %(row)s: %(message)s") % {"row": number, "message": message}
    header = column.header if isinstance(column, Column) else column
    return _("Row %(row)s, column “%(column)s”: %(message)s") % {
        "row": number,
        "column": header,
        "message": message,
    }


def _found(value, expected: str) -> str:
    shown = _shown(value)
    if shown == "":
        return _("the cell is empty; expected %(expected)s") % {"expected": expected}
    return _("found “%(found)s”, expected %(expected)s") % {"found": shown, "expected": expected}


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = str(value).strip()
    return text if len(text) <= 40 else text[:40] + "…"


EXPECTED = {
    "hours": gettext_lazy("a number of hours such as 2 or 1.5"),
    "date": gettext_lazy("a date such as 2025-03-18"),
    "datetime": gettext_lazy("a date such as 2025-03-18 or 2025-03-18 10:00"),
    "score": gettext_lazy("a whole number from 0 to 100 (scores are not rounded)"),
    "integer": gettext_lazy("a whole number"),
}


class Problem(Refused):
    """A value that cannot be read; the message says what was found and expected."""


# -- values ----------------------------------------------------------------------------


def _plain(value) -> str:
    return unicodedata.normalize("NFKC", str(value)).replace("\u200b", "").replace("\ufeff", "")


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not _plain(value).strip())


# The units people write after a number: hours after hours, 分 (points) after a score
# only ("30分" in an hours column is not 30 hours).
_UNITS = {
    "hours": re.compile(r"(个学时|学时|小时|课时|h|H)$"),
    "score": re.compile(r"分$"),
}
# The largest magnitude a cell of hours, a score or a whole number may have. Checked on
# the Decimal's exponent before anything converts it: int(Decimal("9E+1000000")) builds
# a million-digit integer and pins a CPU for minutes.
MAX_ADJUSTED_EXPONENT = 100  # 10**101 and more are refused unread
MAX_NUMBER_TEXT = 64  # characters; a longer "number" is not one


def _number(value, expected: str, kind: str = "hours") -> Decimal:
    if isinstance(value, bool):
        raise Problem(_found(value, expected))
    if isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise Problem(_found(value, expected))
        # A float cell holds full binary precision (0.1 + 0.2 is 0.30000000000000004);
        # Excel shows it, and means it, at 15 significant digits.
        number = Decimal(f"{value:.15g}")
    else:
        text = "".join(_plain(value).split())
        unit = _UNITS.get(kind)
        if unit is not None:
            text = unit.sub("", text)
        if len(text) > MAX_NUMBER_TEXT:
            raise Problem(_found(value, expected))
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise Problem(_found(value, expected)) from None
    if not number.is_finite():
        raise Problem(_found(value, expected))
    if number and number.adjusted() > MAX_ADJUSTED_EXPONENT:
        raise Problem(_found(value, expected))
    return number


_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:(?:\s+|T)(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")


def _moment(value, expected: str) -> datetime.date | datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        # An Excel serial number in a date column (45734 is 2025-03-18). A small number
        # (2, say: 1900-01-01) is a mistake, not a date: no record here is that old.
        if MIN_DATE_SERIAL <= value < 2958466:
            moment = datetime.datetime.combine(EXCEL_EPOCH, datetime.time()) + datetime.timedelta(
                days=float(value)
            )
            return moment if value % 1 else moment.date()
        raise Problem(_found(value, expected))
    text = _plain(value).strip()
    try:  # the push API's form, 2025-06-01T10:00:00+08:00, and plain ISO dates
        return (
            datetime.datetime.fromisoformat(text)
            if "T" in text
            else datetime.date.fromisoformat(text)
        )
    except ValueError:
        pass
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return _moment(float(text), expected)
    match = _DATE.fullmatch(text) or _COMPACT_DATE.fullmatch(text)
    if match is None:
        raise Problem(_found(value, expected))
    parts = [int(p) if p else 0 for p in match.groups()]
    try:
        if len(parts) > 3 and match.group(4):
            return datetime.datetime(*parts[:6])
        return datetime.date(*parts[:3])
    except ValueError:
        raise Problem(_found(value, expected)) from None


def parse_value(column: Column, value):
    """The typed value of one cell, None for an empty one; Problem when unreadable."""
    if _is_blank(value):
        return None
    kind = column.kind
    if kind in ("id_number", "id_text"):
        # id_text: only a number cell is refused; the rest is checked by the caller
        # (a platform's record with a wrong number is rejected on its own).
        try:
            return id_number_from_cell(value)
        except ValidationError as error:
            if kind == "id_text" and error.code != "number_cell":
                return normalize_id_number(value)
            raise Problem(error.messages[0]) from None
    if kind in ("text", "name", "category"):
        text = _shown(value) if isinstance(value, float) else str(value)
        text = normalize_name(text) if kind == "name" else " ".join(_plain(text).split())
        if column.max_length and len(text) > column.max_length:
            raise Problem(
                _("longer than %(max)s characters (%(count)s)")
                % {"max": column.max_length, "count": len(text)}
            )
        if kind == "category":
            words = column.choices or {}
            if text not in words:
                expected = "、".join(f"“{w}”" for w in words)
                raise Problem(_found(value, expected))
            return words[text]
        return text
    if kind == "hours":
        return _number(value, str(EXPECTED["hours"]))
    if kind in ("score", "integer"):
        expected = str(EXPECTED[kind])
        number = _number(value, expected, kind)  # bounded: int() below is cheap
        if number != number.to_integral_value():
            raise Problem(_found(value, expected))
        number = int(number)
        low, high = (0, 100) if kind == "score" else (column.minimum, column.maximum)
        if (low is not None and number < low) or (high is not None and number > high):
            if kind == "integer":
                expected = _("a whole number from %(low)s to %(high)s") % {
                    "low": low,
                    "high": high,
                }
            raise Problem(_found(value, expected))
        return number
    moment = _moment(value, str(EXPECTED[kind]))
    if kind == "date" and isinstance(moment, datetime.datetime):
        return moment.date()
    return moment


# -- rows ------------------------------------------------------------------------------


@dataclass(slots=True)
class Row:
    """A data row: its number as Excel shows it, typed values by key, its problems,
    and (`raw`) the cells that could not be read, as written. Slots: a preview holds
    200,000 of them."""

    number: int
    values: dict[str, Any]
    problems: list[str] = field(default_factory=list)
    raw: dict[str, Any] | None = None

    def problem(self, message: str, column: Column | str | None = None) -> None:
        self.problems.append(row_message(self.number, str(message), column))

    @property
    def ok(self) -> bool:
        return not self.problems


class Repeats:
    """Finds a value seen on an earlier row of the same file: `seen(key, row)` returns
    the earlier row's number (and remembers this one when it is the first)."""

    def __init__(self):
        self._first: dict = {}

    def seen(self, key, number: int) -> int | None:
        if key in self._first:
            return self._first[key]
        self._first[key] = number
        return None


# -- the file --------------------------------------------------------------------------


def check_upload(upload, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """'xlsx', 'xls' or 'csv', judged by content; TableError for anything else."""
    if upload.size > max_bytes:
        raise TableError(
            _("The file is larger than %(limit)s MB.") % {"limit": f"{max_bytes / 2**20:g}"}
        )
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head == OLE2_MAGIC:
        return "xls"
    if (upload.name or "").lower().endswith((".csv", ".txt")) and b"\x00" not in head:
        return "csv"
    raise TableError(_not_a_table())


def _not_a_table() -> str:
    return _("The file is not an Excel workbook (.xlsx, .xls) or a CSV file.")


def _bomb() -> TableError:
    return TableError(
        _(
            "The workbook unpacks to far more data than its size suggests (a damaged or "
            "malicious file); it was not opened. Save it again from Excel or WPS, or split it."
        )
    )


# The pre-scan's tokens. Every quantifier is bounded and no two unbounded ones meet, so
# the scan is linear in the text however it is crafted (an unbounded `[^>]*?` before
# an alternative is quadratic on text without ">": 26 s for a 1.7 KB workbook).
# Names are matched case-insensitively, with any namespace prefix: calamine reads
# `<x:c r="xfd1048576">` as well as `<c r="XFD1048576">`.
_PREFIX = rb"(?:[^\s<>/:=\"']{1,64}:)?"
_TAG_LIMIT = 2048  # characters of attributes a tag is read for
_CELL_TAG = re.compile(rb"<" + _PREFIX + rb"c[\s/>]", re.IGNORECASE)
# A cell whose reference is its first attribute (as Excel, WPS and openpyxl write it),
# and the rest of its tag: a tag that ends in "/" is an empty cell.
_REF_CELL = re.compile(
    rb"<" + _PREFIX + rb"c\s+r\s*=\s*[\"']([a-z]{1,3})(\d{1,7})[\"']([^>]{0,%d})" % _TAG_LIMIT,
    re.IGNORECASE,
)
# A chunk without any of these holds no cell: a few substring searches (far cheaper
# than any pattern) spare a part without cells, such as shared strings, the scan.
_CELL_MARKS = (b"<c", b"<C", b":c", b":C")
_ROW_OR_CELL = re.compile(
    rb"<" + _PREFIX + rb"(row|c)(?=[\s/>])([^>]{0,%d})" % _TAG_LIMIT, re.IGNORECASE
)
_R_ATTR = re.compile(rb"(?<![\w.-])r\s*=\s*[\"']([a-z]{0,3})(\d{0,7})[\"']", re.IGNORECASE)
# Bytes of [Content_Types].xml read to tell an .xlsx from another zip (.ods, .xlsb).
CONTENT_TYPES_LIMIT = 256 * 1024
_XLSX_MAIN = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"


def _column_number(letters: bytes | str) -> int:
    number = 0
    for char in letters.upper():
        number = number * 26 + (char if isinstance(char, int) else ord(char)) - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Extent:
    """The farthest row and column of the cells that hold a value in one part of the
    archive, from the raw XML, read chunk by chunk (`feed`)."""

    def __init__(self):
        self.max_row = self.max_col = 0
        self.far = ""  # the reference of the lowest cell with a value
        self.positional = False
        self.row = self.col = 0  # where the positional count is

    @property
    def cells(self) -> int:
        return self.max_row * self.max_col

    def feed(self, text: bytes) -> None:
        if not self.positional and not any(mark in text for mark in _CELL_MARKS):
            return
        before = self.max_row
        cells = _REF_CELL.findall(text)
        # <c r="XFD1" s="1"/> (a tag ending in "/") is a formatted, empty cell.
        values = [(letters, row) for letters, row, tail in cells if not tail.endswith(b"/")]
        if values:
            letters, row = max(values, key=lambda cell: int(cell[1]))
            if int(row) > self.max_row:
                self.max_row, self.far = int(row), f"{letters.decode().upper()}{int(row)}"
            widest = max({c.upper() for c, _r in values}, key=lambda c: (len(c), c))
            self.max_col = max(self.max_col, _column_number(widest))
        if not self.positional and len(_CELL_TAG.findall(text)) != len(cells):
            # Some cell has no reference, or not as its first attribute: count positions
            # from here on (slower; the row count carries on from the last row seen).
            self.positional, self.row = True, before
        if self.positional:
            self._positional(text)

    def _positional(self, text: bytes) -> None:
        for tag, attrs in _ROW_OR_CELL.findall(text):
            ref = _R_ATTR.search(attrs)
            letters, digits = (ref.group(1), ref.group(2)) if ref else (b"", b"")
            if tag.lower() == b"row":
                self.row = int(digits) if digits else self.row + 1
                self.col = 0
                continue
            if digits:
                self.row = int(digits)
            self.col = _column_number(letters) if letters else self.col + 1
            if not attrs.endswith(b"/"):
                if self.row > self.max_row:
                    self.max_row, self.far = self.row, f"{_column_letters(self.col)}{self.row}"
                self.max_col = max(self.max_col, self.col)


def _is_xlsx(archive: zipfile.ZipFile) -> bool:
    """Whether the zip is an .xlsx: its content types declare a workbook of that kind,
    and its workbook part is there. An .ods, .xlsb or .xlsm is not (calamine would
    read them, past the checks below, which know the .xlsx layout only)."""
    names = {e.filename.replace("\\", "/").lstrip("/").lower(): e for e in archive.infolist()}
    types = names.get("[content_types].xml")
    if types is None or "xl/workbook.xml" not in names:
        return False
    with archive.open(types) as stream:
        declared = stream.read(CONTENT_TYPES_LIMIT)
    return _XLSX_MAIN in declared.lower()


def _check_archive(upload, max_unpacked: int = MAX_UNPACKED_BYTES, *, scan: bool = True) -> None:
    """Refuse a zip that is not an .xlsx, a zip bomb, and a sheet whose used area is
    huge, before any parser runs. `scan=False` checks only what the zip declares (the
    entries, their sizes and ratios, the content types): cheap and bounded, for the
    web or worker process; the scan itself can cost seconds of CPU on a crafted file
    and runs only in the limited child (`Table`).

    Every part is streamed against one byte budget (the declared sizes may lie), and
    every part is scanned for cells, whatever its name: calamine finds sheets through
    the workbook's relationships, matching names loosely (a backslash, another case),
    and a scan that follows only the expected name is walked around. A part without
    cells costs only the scan. This is the cheap first line, for a clear message; the
    second is that no parser runs in the web or worker process (`Table`)."""
    upload.seek(0)
    try:
        archive = zipfile.ZipFile(upload)
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise _bomb()
        declared = sum(e.file_size for e in entries)
        if declared > max_unpacked:
            raise _bomb()
        # The whole archive's ratio: many entries each under RATIO_FLOOR count too.
        if declared > RATIO_FLOOR and declared > MAX_ARCHIVE_RATIO * max(upload.size or 0, 1):
            raise _bomb()
        for entry in entries:
            if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(
                entry.compress_size, 1
            ):
                raise _bomb()
        if not _is_xlsx(archive):
            raise TableError(_not_a_table())
        if not scan:
            return
        budget = max_unpacked
        for entry in entries:
            extent, carry = _Extent(), b""
            with archive.open(entry) as stream:
                while chunk := stream.read(CHUNK):
                    budget -= len(chunk)
                    if budget < 0:
                        raise _bomb()
                    text = carry + chunk
                    # Keep an unfinished tag for the next chunk; a "tag" longer than
                    # the scan reads of one is read here (bounded) and not carried.
                    cut = text.rfind(b"<", max(0, len(text) - 2 * _TAG_LIMIT))
                    carry, text = (text[cut:], text[:cut]) if cut >= 0 else (b"", text)
                    extent.feed(text)
                    _refuse_far(extent)
            if carry:
                extent.feed(carry)
                _refuse_far(extent)
    except TableError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        EOFError,
        ValueError,
        RuntimeError,
        NotImplementedError,
    ) as error:
        raise TableError(_("The file could not be read as an Excel workbook.")) from error
    finally:
        upload.seek(0)


def _refuse_far(extent: _Extent) -> None:
    if extent.cells > MAX_SHEET_CELLS:
        raise TableError(
            _(
                "The sheet has content as far as cell %(cell)s, far beyond the data; "
                "delete what lies outside the table and upload again."
            )
            % {"cell": extent.far or f"{_column_letters(extent.max_col)}{extent.max_row}"}
        )


def check_file(upload, spec: TableSpec, *, scan: bool = True) -> str:
    """The checks that run before any parser: size, kind and, for an .xlsx, the archive
    (steps 1 and 2). `scan=False` leaves out the scan of the archive's parts, which may
    cost seconds of CPU on a crafted file: what a request or a worker runs itself (the
    limited child runs the whole check). Returns the kind; TableError for a file
    refused."""
    kind = check_upload(upload, spec.max_bytes)
    if kind == "xlsx":
        _check_archive(upload, spec.max_unpacked, scan=scan)
    return kind


def _calamine_rows(upload) -> tuple[Iterator[list], int, int]:
    """(rows, first row number, first column number) of the first sheet."""
    from python_calamine import CalamineWorkbook

    upload.seek(0)
    try:
        workbook = CalamineWorkbook.from_filelike(upload)
        sheet = workbook.get_sheet_by_index(0)
    except MemoryError:  # not damage: the caller's memory limit (portal.limited)
        raise
    except Exception as error:  # calamine reports damage in many ways
        raise TableError(_("The file could not be read as an Excel workbook.")) from error
    start_row, start_col = sheet.start or (0, 0)
    return sheet.iter_rows(), start_row + 1, start_col + 1


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030: what Excel and WPS save as CSV."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(_("The CSV file is neither UTF-8 nor GBK/GB18030 text."))


def _csv_rows(upload) -> Iterator[list]:
    upload.seek(0)
    text = decode_csv(upload.read())
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        yield from reader
    except csv.Error as error:
        raise TableError(
            _("The CSV file is damaged near line %(line)s.") % {"line": reader.line_num}
        ) from error


def _header_key(value) -> str:
    text = "".join(_plain(value if value is not None else "").split())
    return text.strip("*＊:：").replace("（必填）", "").replace("(必填)", "").lower()


class _SheetReader:
    """The rows of an upload's first sheet under its header, read lazily IN THIS
    PROCESS: only ever in the limited child process (`Table`); `kind` is what
    `check_file` found."""

    def __init__(self, upload, spec: TableSpec, kind: str):
        self.spec = spec
        if kind == "csv":
            rows, self.first_row, self.first_col = _csv_rows(upload), 1, 1
        else:
            rows, self.first_row, self.first_col = _calamine_rows(upload)
        self._rows = rows
        self.header_row, self.positions = self._find_header()

    def _find_header(self) -> tuple[int, dict[str, int]]:
        names = {}
        for column in self.spec.columns:
            for header in (column.header, *column.aliases):
                names[_header_key(header)] = column
        best: tuple[int, list[Column], int] | None = None
        for offset in range(HEADER_SEARCH_ROWS):
            try:
                cells = next(self._rows)
            except StopIteration:
                break
            except TableError:
                raise
            number = self.first_row + offset
            positions: dict[str, int] = {}
            for index, cell in enumerate(cells):
                column = names.get(_header_key(cell))
                if column is None:
                    continue
                if column.key in positions:
                    raise TableError(
                        _("Row %(row)s: the column “%(column)s” appears twice.")
                        % {"row": number, "column": column.header}
                    )
                positions[column.key] = index
            missing = [c for c in self.spec.columns if c.required and c.key not in positions]
            if not missing:
                self.width = max(
                    (i + 1 for i, c in enumerate(cells) if not _is_blank(c)), default=0
                )
                return number, positions
            if positions and (best is None or len(missing) < len(best[1])):
                best = (number, missing, len(positions))
        listed = "、".join(self.spec.headers)
        if best is None:
            raise TableError(
                _(
                    "No header row was found in the first %(count)s rows; the columns "
                    "are: %(columns)s. Please use the template."
                )
                % {"count": HEADER_SEARCH_ROWS, "columns": listed}
            )
        raise TableError(
            _(
                "Row %(row)s looks like the header but lacks the columns %(missing)s; "
                "the columns are: %(columns)s. Please use the template."
            )
            % {"row": best[0], "missing": "、".join(c.header for c in best[1]), "columns": listed}
        )

    def rows(self) -> Iterator[Row]:
        """Each data row, typed; TableError past the spec's row limit."""
        spec, count, empty = self.spec, 0, 0
        columns = [(c, self.positions.get(c.key)) for c in spec.columns]
        number = self.header_row
        for cells in self._rows:
            number += 1
            if all(_is_blank(c) for c in cells):
                empty += 1
                if empty >= EMPTY_RUN_LIMIT:
                    break
                continue
            empty = 0
            count += 1
            if count > spec.max_rows:
                raise TableError(_("At most %(max)s rows per file.") % {"max": spec.max_rows})
            row = Row(number=number, values={})
            for column, index in columns:
                value = cells[index] if index is not None and index < len(cells) else None
                try:
                    row.values[column.key] = parse_value(column, value)
                except Problem as problem:
                    row.values[column.key] = None
                    row.raw = {**(row.raw or {}), column.key: value}
                    row.problem(str(problem), column)
                    continue
                if row.values[column.key] is None and column.required:
                    row.problem(_("the cell is empty"), column)
            for index in range(self.width, len(cells)):
                if not _is_blank(cells[index]):
                    letter = _column_letters(self.first_col + index)
                    row.problem(
                        _(
                            "column %(letter)s, outside the table, holds “%(found)s”; "
                            "delete what lies outside the table"
                        )
                        % {"letter": letter, "found": _shown(cells[index])}
                    )
                    break
            yield row

    def chunks(self, size: int) -> Iterator[list[Row]]:
        """The data rows in lists of at most `size`; the parsed sheet is let go after
        the last row."""
        chunk: list[Row] = []
        for row in self.rows():
            chunk.append(row)
            if len(chunk) >= size:
                yield chunk
                chunk = []
        self._rows = None
        if chunk:
            yield chunk


def _read_chunks_in_this_process(upload, spec: TableSpec, size: int) -> Iterator[list[Row]]:
    """`read_chunks`, parsed in THIS process: for the limited child only."""
    chunks = _SheetReader(upload, spec, check_file(upload, spec)).chunks(size)
    seen = False
    for chunk in chunks:
        seen = True
        yield chunk
    if not seen:
        raise TableError(_("The file has no data rows."))


# -- reading in a limited child process -------------------------------------------------


def resource_message() -> str:
    return _(
        "The file is too large or malformed: reading it exceeded the server's resource "
        "limits. Check the file, or split it, and upload it again."
    )


class Table:
    """The rows of an upload's first sheet under its header.

    The cheap checks (`check_file(scan=False)`) run here; the scan of an .xlsx's parts
    and the parsing run in a child process with a memory, a CPU and a wall-clock limit
    (`portal.limited.run_limited`), for every upload: a
    file that makes the parser abort or run away ends that child, not the server, and
    reads as TableError(`resource_message()`), nothing written. The child finds the
    header (a TableError about it is raised here), then sends the typed rows in chunks
    of `chunk_rows` as `rows()` or `chunks()` asks for them. A Table read to its end,
    closed (`close`) or dropped ends its child.

    Limits: settings.TABULAR_PARSE_MEMORY_MB more address space than the child starts
    with, settings.TABULAR_PARSE_CPU_SECONDS of CPU.
    """

    def __init__(self, upload, spec: TableSpec, *, chunk_rows: int = 1000):
        self.spec = spec
        self._upload = upload
        check_file(upload, spec, scan=False)

        def produce():
            reader = _SheetReader(upload, spec, check_file(upload, spec))
            yield reader.header_row, reader.positions
            yield from reader.chunks(chunk_rows)

        self._messages = run_limited(
            produce,
            memory_mb=settings.TABULAR_PARSE_MEMORY_MB,
            cpu_seconds=settings.TABULAR_PARSE_CPU_SECONDS,
        )
        try:
            self.header_row, self.positions = self._next()
        except BaseException:
            self.close()
            raise

    def _next(self):
        try:
            return next(self._messages)
        except (ReaderOutOfMemory, ReaderOutOfTime) as error:
            logger.warning("the tabular reader of %r was stopped: %s", self._upload.name, error)
            raise TableError(resource_message()) from None
        except ReaderFailed as error:  # e.g. a panic in calamine on a crafted value
            logger.error("the tabular reader of %r failed:\n%s", self._upload.name, error)
            raise TableError(_("The file could not be read as an Excel workbook.")) from None

    def chunks(self) -> Iterator[list[Row]]:
        """The data rows, in lists of at most `chunk_rows`; TableError past the spec's
        row limit (where it is reached) or when the child is stopped."""
        try:
            while True:
                try:
                    chunk = self._next()
                except StopIteration:
                    return
                yield chunk
        finally:
            self.close()

    def rows(self) -> Iterator[Row]:
        """Each data row, typed; TableError past the spec's row limit."""
        for chunk in self.chunks():
            yield from chunk

    def close(self) -> None:
        """End the child (if it still runs) and rewind the upload."""
        self._messages.close()
        with contextlib.suppress(OSError, ValueError):  # the upload was closed meanwhile
            self._upload.seek(0)


def read_chunks(upload, spec: TableSpec, size: int) -> Iterator[list[Row]]:
    """The data rows of a file in lists of at most `size`, read as the caller asks for
    them, so that a large file never has all its Row objects alive at once. TableError
    when the file has no data rows, or, at the point it is reached, past the spec's
    row limit. Parsed in a limited child process (`Table`)."""
    seen = False
    for chunk in Table(upload, spec, chunk_rows=size).chunks():
        seen = True
        yield chunk
    if not seen:
        raise TableError(_("The file has no data rows."))


def read_table(upload, spec: TableSpec) -> tuple[Table, list[Row]]:
    """Every data row of a file at once; TableError when it has none. Parsed in a
    limited child process (`Table`)."""
    table = Table(upload, spec)
    rows = list(table.rows())
    if not rows:
        raise TableError(_("The file has no data rows."))
    return table, rows


# -- the template ----------------------------------------------------------------------


def template_bytes(spec: TableSpec, example_rows: list[list] | None = None) -> bytes:
    """The upload's template: its header row, a sample row, ID columns formatted as
    text ("@") so that Excel keeps every digit of a number typed into them."""
    from portal.xlsx import workbook_bytes

    rows = example_rows or [[c.example for c in spec.columns]]
    text = {
        index
        for index, column in enumerate(spec.columns)
        if column.kind in ("id_number", "id_text", "text", "name")
    }
    return workbook_bytes([(spec.title, spec.headers, rows)], text_columns=text)


def template_response(
    spec: TableSpec, *, filename: str, fallback: str, example_rows=None
) -> HttpResponse:
    """The template as a download named `filename` (Chinese) or `fallback` (ASCII)."""
    from portal.downloads import download_response

    return download_response(
        template_bytes(spec, example_rows),
        filename=filename,
        fallback=fallback,
        content_type=XLSX_TYPE,
    )


def column_list(spec: TableSpec) -> list[str]:
    """The columns as a page lists them: header, and "（选填）" for optional ones."""
    optional = _("(optional)")
    return [c.header if c.required else f"{c.header}{optional}" for c in spec.columns]


def check_rows(rows: list[Row], check: Callable[[Row], None]) -> list[str]:
    """Run an upload's own checks on every readable row; all problems, in row order."""
    problems = []
    for row in rows:
        if row.ok:
            check(row)
        problems.extend(row.problems)
    return problems


# -- the templates each upload page offers ------------------------------------------


@dataclass(frozen=True)
class UploadTemplate:
    key: str  # also the ASCII stand-in of the download's name
    spec: TableSpec
    roles: tuple[str, ...]  # who may download it (the upload's own roles)
    url_name: str
    name: Any = None  # the download's (lazy) name, if not "<title>模板.xlsx"

    @property
    def filename(self) -> str:
        if self.name:
            return str(self.name)
        return _("%(title)s template.xlsx") % {"title": self.spec.title}

    @property
    def fallback(self) -> str:
        return f"{self.key}-template.xlsx"


TEMPLATES: dict[str, UploadTemplate] = {}


def register_template(key: str, spec: TableSpec, *, roles, url_name: str, name=None) -> None:
    """Offer `spec`'s template under `key` (an upload module registers its own)."""
    TEMPLATES[key] = UploadTemplate(key, spec, tuple(roles), url_name, name)


def template_for(key: str, actor) -> UploadTemplate:
    """The template registered under `key`, for an actor (a Membership, or None for a
    user without a role) whose role may make that upload. Http404 when nothing is
    registered under `key`; PermissionDenied when the actor's role is not one of the
    template's `roles`."""
    entry = TEMPLATES.get(key)
    if entry is None:
        raise Http404
    if getattr(actor, "role", None) not in entry.roles:
        raise PermissionDenied
    return entry
