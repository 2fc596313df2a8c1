"""Excel out: one writer for every export (uploads are read by portal.tabular)."""

import io
import re
from collections.abc import Collection, Iterable, Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from portal.downloads import download_response

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Excel refuses these in a sheet title (openpyxl raises ValueError), and a title of
# more than 31 characters; a title may not start or end with an apostrophe.
TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]+")
TITLE_LENGTH = 31


def sheet_title(text) -> str:
    """`text` as a sheet title Excel, WPS and openpyxl accept: the characters
    `[]:*?/\\` become "_", at most 31 characters, never empty. A class or unit
    name is free text ("云计算:运维?班", "Java/Python 班") and must still export."""
    title = TITLE_FORBIDDEN.sub("_", str(text)).strip().strip("'")[:TITLE_LENGTH]
    return title.strip().strip("'") or "Sheet"


def workbook_bytes(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]],
    *,
    text_columns: Collection[int] = (),
) -> bytes:
    """Write (title, headers, rows) sheets in streaming mode: bold frozen header,
    column widths from the headers, hours with one decimal place. Titles may be any
    text: they pass through `sheet_title`. The columns in `text_columns` (0-based)
    are formatted as text ("@"), cells and whole column, so that Excel keeps every
    digit of an ID number typed into them later (upload templates)."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=sheet_title(title))
        sheet.freeze_panes = "A2"
        for index, header in enumerate(headers, 1):
            width = max(10, min(40, 2 * len(str(header)) + 4))
            sheet.column_dimensions[get_column_letter(index)].width = width
            if index - 1 in text_columns:
                sheet.column_dimensions[get_column_letter(index)].number_format = "@"
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = Font(bold=True)
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append(
                [
                    _text_cell(sheet, value) if index in text_columns else _cell(sheet, value)
                    for index, value in enumerate(row)
                ]
            )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(sheet, value):
    """Hours (floats) show one decimal place; text that a spreadsheet would run as a
    formula (platform-supplied names, say) is kept as text; the rest as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, float):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "0.0"
        return cell
    return value


def _text_cell(sheet, value):
    cell = WriteOnlyCell(sheet, value=None if value is None else str(value))
    cell.number_format = "@"
    return cell


def xlsx_response(filename: str, sheets, *, fallback: str = "") -> HttpResponse:
    """The sheets as an xlsx download named `filename` (Chinese, as a rule), with the
    ASCII `fallback` name for clients that cannot read it."""
    return xlsx_file_response(workbook_bytes(sheets), filename=filename, fallback=fallback)


def xlsx_file_response(content: bytes, *, filename: str, fallback: str = "") -> HttpResponse:
    """An xlsx already written (by `workbook_bytes`) as a download."""
    return download_response(content, filename=filename, fallback=fallback, content_type=XLSX_TYPE)
