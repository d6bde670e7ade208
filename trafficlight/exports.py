"""The matrix as files for the local editor: CSV and XLSX, one row per municipality and section of
the pathway's current version, with codes rather than labels (as the round's decisions export).

The same helpers as `governance.rounds.exports`: the CSV is UTF-8 with a byte order mark and `;`
between the fields (Excel set up for Norwegian), and every text cell a spreadsheet would take for a
formula gets a leading apostrophe, in both files (`csv_cell`, `xlsx_cell`)."""

import csv
import io
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import get_language
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from governance.rounds.exports import CSV_DELIMITER, xlsx_cell
from governance.spreadsheets import csv_cell
from pathways.models import LANGUAGE_CODES, Partnership, Pathway

from .selectors import review_cells

MATRIX_COLUMNS = (
    "municipality",
    "section",
    "section_title",
    "status",
    "comment",
    "marked_version",
    "current_version",
    "marked_by",
    "marked_at",
    "proposal",
    "override",
)


def matrix_rows(partnership: Partnership, pathway: Pathway) -> Iterator[list]:
    """The rows under MATRIX_COLUMNS, municipality by municipality, sections in page order. Four
    queries (the municipalities and `review_cells`' three)."""
    version = pathway.current_version
    assert version is not None
    language = get_language() if get_language() in LANGUAGE_CODES else "nb"
    municipalities = list(partnership.municipalities.all())
    cells = review_cells([version], [m.pk for m in municipalities])[version.pk]
    for municipality in municipalities:
        for cell in cells[municipality.pk]:
            mark = cell.mark
            yield [
                municipality.name,
                cell.section.slug,
                cell.section.title(language),
                cell.status,
                mark.comment if mark else "",
                mark.version.number if mark else "",
                version.number,
                mark.marked_by.get_username() if mark else "",
                timezone.localtime(mark.marked_at).isoformat(timespec="minutes") if mark else "",
                (mark.proposal_id or "") if mark else "",
                mark.override.slug if mark and mark.override else "",
            ]


def matrix_csv_bytes(partnership: Partnership, pathway: Pathway) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER)
    writer.writerow(MATRIX_COLUMNS)
    for row in matrix_rows(partnership, pathway):
        writer.writerow([csv_cell(value) for value in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def matrix_xlsx_bytes(partnership: Partnership, pathway: Pathway) -> bytes:
    """One sheet with the same cells as the CSV, a bold header row that stays in view and filters."""
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet)  # a new workbook has one sheet, and it is a worksheet
    sheet.title = pathway.slug[:31]
    sheet.append(list(MATRIX_COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in matrix_rows(partnership, pathway):
        sheet.append([xlsx_cell(value) for value in row])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
