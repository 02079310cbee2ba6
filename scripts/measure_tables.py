"""Compare PDF table readers on generated ruled tables (not a test): this reader (pypdfium2 rules and
characters, ``ingest/formats/tables.py``) against pdfplumber's table finder, for accuracy and speed.

    python scripts/measure_tables.py [--pages 60]

Fixtures (scripts/tablemaker.py): a one-row header; a two-row header whose "Anggaran (Rp juta)" cell spans two
columns; tables running onto the next page without their header repeated. Accuracy: the share of data rows
read exactly as the expected "column: value; …" line (pdfplumber's rows go through the same ``table_rows``,
first row = column names). Speed: pages/s on one core, reading the whole document (this reader: all the text
of every page; pdfplumber: ``extract_tables`` only). Also the cost of looking for tables on pages without
any: the two-column profile read with and without the table finder. pdfplumber is installed for this
comparison only (``pip install pdfplumber``).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import ingest.formats.pdf as pdf_reader  # noqa: E402
from ingest.formats.base import ReadOptions  # noqa: E402
from ingest.formats.package import table_rows  # noqa: E402
from scripts.tablemaker import write_table_pdf  # noqa: E402
from search_app.tools.bench_documents import best_of, one_core, page_count, profile_pdf  # noqa: E402

VARIANTS = {"one-row header": {}, "two-row header, spanning cell": {"split_budget": True},
            "continued, header not repeated": {"repeat_header": False, "rows": 40}}


def plumber_rows(path: Path) -> tuple[list[str], float, float]:
    """pdfplumber's tables of every page as "column: value" lines, and the wall and CPU seconds it took."""
    import pdfplumber

    lines: list[str] = []
    started, cpu = time.perf_counter(), time.process_time()
    with pdfplumber.open(path) as doc:
        for page in doc.pages:
            for table in page.extract_tables():
                lines += table_rows([[cell or "" for cell in row] for row in table])
    return lines, time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60, help="pages of the table-free profile (finder cost)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, one_core():
        for name, options in VARIANTS.items():
            path = Path(tmp) / "tabel.pdf"
            expected = write_table_pdf(path, tables=6, **{"rows": 30, **options})
            pages = page_count(path)
            run = best_of(3, path, ReadOptions(ocr="off"))
            ours = set(run.items[-1].text.split("\n\n"))
            theirs, wall, cpu = plumber_rows(path)
            print(f"{name}: {pages} pages, {len(expected)} rows | this reader {sum(r in ours for r in expected)} "
                  f"exact, {pages / run.wall:.1f} pages/s ({pages / run.cpu:.1f} per CPU s) | pdfplumber "
                  f"{sum(r in set(theirs) for r in expected)} exact, {pages / wall:.1f} pages/s "
                  f"({pages / cpu:.1f} per CPU s)")
        profile = Path(tmp) / "profil.pdf"
        pages = profile_pdf(profile, args.pages)
        with_finder = best_of(3, profile, ReadOptions(ocr="off"))
        found = pdf_reader.find_tables
        pdf_reader.find_tables = lambda page, pdfium_c, chars: ([], chars)
        try:
            without = best_of(3, profile, ReadOptions(ocr="off"))
        finally:
            pdf_reader.find_tables = found
        print(f"two-column profile without tables, {pages} pages: {pages / with_finder.wall:.1f} pages/s "
              f"({pages / with_finder.cpu:.1f} per CPU s) with the table finder, {pages / without.wall:.1f} "
              f"pages/s ({pages / without.cpu:.1f} per CPU s) without")


if __name__ == "__main__":
    main()
