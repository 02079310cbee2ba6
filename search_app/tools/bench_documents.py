"""``telusur bench`` stage ``documents``: how fast documents are read here, on documents generated for it.

- text layer: the demo innovation profile's text in two columns (A4, running header and footer) over
  ``pages`` pages, read by the PDF reader on one core: pages/s (floor 20);
- tables: pages of ruled tables (``scripts/tablemaker.py``), one core: pages/s, and how many of their rows
  were read exactly as "column: value; …";
- OCR: the first ``ocr_pages`` pages of that PDF scanned at 200 dpi (noise, skew), read through Tesseract
  on all cores: pages/minute.

The documents are written with reportlab (the ``test`` extra) by ``scripts/docmaker.py`` of a checkout;
without them, or without Tesseract, the stage says what is missing instead of a number.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.formats.base import ReadOptions
from ingest.formats.pdf import read

REPO = Path(__file__).resolve().parents[2]
GOALS = (("text-layer PDF pages/s, 1 core", ("documents", "text_pages_per_s"), ">=", 20),)
SCAN_DPI = 200


def makers():
    """The document makers of the checkout (scripts/docmaker.py, make_demo_documents.py, tablemaker.py)."""
    if not (REPO / "scripts" / "docmaker.py").exists():
        raise RuntimeError(f"needs a checkout's scripts/ (not found under {REPO})")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from scripts import docmaker, make_demo_documents, tablemaker

    return docmaker, make_demo_documents, tablemaker


def profile_pdf(path: Path, pages: int) -> int:
    """The demo profile's text in two columns, repeated until it fills ``pages`` pages; returns the page count."""
    docmaker, demo, _ = makers()
    copies = 1
    while True:
        layout = docmaker.write_pdf(path, docmaker.blocks_from_text(demo.PROFILE_TITLE, demo.PROFILE * copies),
                                    header="Profil Inovasi Daerah", footer="Pengukuran Telusur")
        if len(layout.pages) >= pages:
            return len(layout.pages)
        copies = max(copies + 1, copies * pages // len(layout.pages))  # scaled up, not one copy at a time


@dataclass
class Timing:
    """One read: wall-clock and CPU seconds of this process (CPU time is what a shared machine does not
    inflate much: OCR's Tesseract processes are not counted in it), and what was read."""

    wall: float
    cpu: float
    items: list


def timed_read(path: Path, options: ReadOptions) -> Timing:
    """Read ``path`` with the PDF reader, timed."""
    started, cpu = time.perf_counter(), time.process_time()
    items = list(read(path, options))
    timing = Timing(time.perf_counter() - started, time.process_time() - cpu, items)
    if not items or not hasattr(items[-1], "text"):
        raise RuntimeError(f"{path}: no article read ({items})")
    return timing


@contextlib.contextmanager
def one_core() -> Iterator[None]:
    """Run the block on one core (CPU affinity), then give the process its cores back."""
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        yield
    finally:
        os.sched_setaffinity(0, cores)


def page_count(path: Path) -> int:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return len(pdf)
    finally:
        pdf.close()


def best_of(repeat: int, path: Path, options: ReadOptions) -> Timing:
    """The fastest of ``repeat`` reads (after one warm-up read)."""
    timed_read(path, options)
    return min((timed_read(path, options) for _ in range(max(1, repeat))), key=lambda run: run.wall)


def bench_documents(*, pages: int, ocr_pages: int, repeat: int, log: Callable[[str], None]) -> dict:
    """Text-layer and table pages/s on one core, OCR pages/min on all cores (see the module docstring)."""
    docmaker, _, tablemaker = makers()
    out: dict = {"cores": len(os.sched_getaffinity(0))}
    with tempfile.TemporaryDirectory(prefix="telusur-bench-docs-") as tmp:
        folder = Path(tmp)
        text = folder / "profil.pdf"
        out["text_pages"] = profile_pdf(text, pages)
        tables = folder / "tabel.pdf"
        expected = tablemaker.write_table_pdf(tables, tables=max(1, pages // 4), rows=30, split_budget=True)
        out["table_pages"] = page_count(tables)
        with one_core():
            for name, path in (("text", text), ("table", tables)):
                run = best_of(repeat, path, ReadOptions(ocr="off"))
                out[f"{name}_seconds"] = round(run.wall, 3)
                out[f"{name}_pages_per_s"] = round(out[f"{name}_pages"] / run.wall, 1)
                out[f"{name}_pages_per_cpu_s"] = round(out[f"{name}_pages"] / max(run.cpu, 1e-6), 1)
        blocks = set(run.items[-1].text.split("\n\n"))
        out["table_rows"] = len(expected)
        out["table_rows_exact"] = sum(row in blocks for row in expected)
        log(f"documents: text layer {out['text_pages_per_s']} pages/s, tables {out['table_pages_per_s']} pages/s")
        out.update(_ocr(text, folder, ocr_pages, docmaker))
    return out


def _ocr(source: Path, folder: Path, pages: int, docmaker) -> dict:
    """OCR pages/min of the first ``pages`` pages of ``source`` scanned at SCAN_DPI, on all cores."""
    import pypdfium2 as pdfium

    from ingest.formats.ocr import OcrUnavailable, check_tesseract

    try:
        check_tesseract()
    except OcrUnavailable as err:
        return {"ocr_pages": 0, "ocr_pages_per_min": None, "ocr_note": str(err)}
    first = folder / "first.pdf"
    doc, part = pdfium.PdfDocument(str(source)), pdfium.PdfDocument.new()
    part.import_pages(doc, list(range(min(pages, len(doc)))))
    part.save(str(first))
    count = len(part)
    part.close()
    doc.close()
    scan = folder / "scan.pdf"
    docmaker.scan_pdf(first, scan, dpi=SCAN_DPI)
    seconds = timed_read(scan, ReadOptions(ocr="auto", seconds_per_file=3600)).wall
    return {"ocr_pages": count, "ocr_seconds": round(seconds, 1), "ocr_pages_per_min": round(count * 60 / seconds, 1),
            "ocr_scan_dpi": SCAN_DPI}


def documents_lines(d: dict | None) -> list[str]:
    """The stage's lines of the report."""
    if not d:
        return []
    ocr = (f"OCR {d['ocr_pages']} scanned pages in {d['ocr_seconds']} s = {d['ocr_pages_per_min']} pages/min "
           f"on {d['cores']} cores" if d.get("ocr_pages_per_min") else f"OCR not measured: {d.get('ocr_note')}")
    return [f"documents text-layer PDF, 1 core: {d['text_pages']} pages in {d['text_seconds']} s = "
            f"{d['text_pages_per_s']} pages/s ({d['text_pages_per_cpu_s']} per CPU second); ruled tables: "
            f"{d['table_pages']} pages = {d['table_pages_per_s']} pages/s ({d['table_pages_per_cpu_s']} per CPU "
            f"second), {d['table_rows_exact']}/{d['table_rows']} rows exact",
            f"          {ocr}"]
