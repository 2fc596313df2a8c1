"""Excel in and out: one writer for every export, one reader for every upload."""

import io
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes(sheets: Iterable[tuple[str, Sequence[str], Iterable[Sequence]]]) -> bytes:
    """Write (title, headers, rows) sheets in streaming mode: bold frozen header,
    column widths from the headers, hours with one decimal place."""
    workbook = Workbook(write_only=True)
    for title, headers, rows in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.freeze_panes = "A2"
        for index, header in enumerate(headers, 1):
            width = max(10, min(40, 2 * len(str(header)) + 4))
            sheet.column_dimensions[get_column_letter(index)].width = width
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = Font(bold=True)
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in rows:
            sheet.append([_cell(sheet, value) for value in row])
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


def xlsx_response(filename: str, sheets) -> HttpResponse:
    response = HttpResponse(workbook_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


class UnreadableWorkbook(ValueError):
    """The upload is not a workbook openpyxl can read (damaged, truncated, not xlsx)."""


def read_rows(upload, max_rows: int, columns: int) -> tuple[list, list[list], bool]:
    """(header row, data rows, too_many) of the first sheet, at most `columns` wide.

    Blank rows are skipped but counted, so that a file claiming a million empty rows
    is cut off early instead of keeping a worker busy for minutes.
    """
    scan_limit = max_rows + 1000
    upload.seek(0)
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
        try:
            rows = workbook.worksheets[0].iter_rows(max_col=columns, values_only=True)
            header = [("" if v is None else str(v).strip()) for v in next(rows, ())]
            data, too_many = [], False
            for scanned, row in enumerate(rows, 1):
                if scanned > scan_limit:
                    too_many = True
                    break
                if all(v is None or str(v).strip() == "" for v in row):
                    continue
                if len(data) == max_rows:
                    too_many = True
                    break
                data.append(list(row))
            return header, data, too_many
        finally:
            workbook.close()
    except UnreadableWorkbook:
        raise
    except Exception as error:
        # openpyxl reports a damaged file in many ways (zip, XML, missing parts).
        raise UnreadableWorkbook(str(error)) from error
