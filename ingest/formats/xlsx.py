"""XLSX reader (openpyxl, read-only): one article per sheet, one unit per row as "column: value" text.

The first non-empty row of a sheet names the columns; each later row becomes a line such as
"Nama Inovasi: SIPADU; OPD: Dinas Kesehatan; Tahun: 2023", and its row number is its "page" (shown as
"baris 12"). At most ``ReadOptions.max_rows`` rows (setting ``max_rows``, default 10,000) are read per sheet;
the rest is reported in one line.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

from ingest.article import Article, SkipInput
from ingest.formats.base import ReadOptions
from ingest.formats.document import build_article, file_title, meaningful_title
from ingest.formats.layout import Block
from ingest.formats.package import check_package


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return " ".join(str(value).split())


def sheet_blocks(sheet, options: ReadOptions, path: Path) -> tuple[list[Block], bool]:
    """Blocks of one sheet (a row each, the header row first) and whether the row limit cut it."""
    header: list[str] = []
    out: list[Block] = []
    for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > options.max_rows:
            return out, True
        if number % 1000 == 0:
            options.check_time(path)
        cells = [_cell(v) for v in row]
        if not any(cells):
            continue
        if not header:
            header = cells
            out.append(Block(number, "; ".join(c for c in cells if c), heading=True))
            continue
        parts = [f"{name}: {value}" if name else value for name, value in zip(header + [""] * len(cells), cells)
                 if value]
        out.append(Block(number, "; ".join(parts)))
    return out, False


def read(path: Path, options: ReadOptions) -> Iterator[Article | SkipInput]:
    """One article per non-empty sheet of an XLSX workbook."""
    import openpyxl

    check_package(path, options)
    workbook = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    try:
        title = workbook.properties.title or ""
        base = title if meaningful_title(title, path) else file_title(path)
        created = workbook.properties.created.date().isoformat() if workbook.properties.created else None
        for sheet in workbook.worksheets:
            blocks, cut = sheet_blocks(sheet, options, path)
            if cut:
                yield SkipInput(f"{path}: sheet {sheet.title!r} has more than {options.max_rows:,} rows; "
                                f"only the first {options.max_rows:,} were read (row limit)")
            if blocks:
                yield build_article(blocks, path, heading=f"{base} — {sheet.title}", meta_date=created,
                                    part=sheet.title, page_kind="baris")
    finally:
        workbook.close()
