"""Measure document reading speed on this machine (not a test): text-layer PDF pages/s on one core, OCR pages/min.

    python scripts/measure_documents.py [--pages 60] [--ocr-pages 6] [--compare-pdfplumber] [--seed DIR]

The PDF is the demo innovation profile's text laid out in two columns (A4, header, footer) until it fills
``--pages`` pages; the scan is its first ``--ocr-pages`` pages rasterised at 200 dpi with noise and skew.
``--seed DIR`` (e.g. ../shared/data/seed): also the OCR accuracy (1 − CER) of that article, laid out as a
two-column PDF and scanned at 200 and 300 dpi.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ingest.formats.base import ReadOptions  # noqa: E402
from ingest.formats.pdf import read  # noqa: E402
from scripts.docmaker import blocks_from_text, char_error_rate, scan_pdf, write_pdf  # noqa: E402
from scripts.make_demo_documents import PROFILE, PROFILE_TITLE  # noqa: E402


def _pdf(folder: Path, pages: int) -> Path:
    path = folder / "profil.pdf"
    paragraphs: list[str] = []
    while True:
        paragraphs += PROFILE
        layout = write_pdf(path, blocks_from_text(PROFILE_TITLE, paragraphs), header="Profil Inovasi Daerah",
                           footer="Pengukuran Telusur")
        if len(layout.pages) >= pages:
            return path


def _timed(path: Path, options: ReadOptions) -> float:
    started = time.perf_counter()
    items = list(read(path, options))
    assert items and hasattr(items[-1], "text"), items
    return time.perf_counter() - started


def ocr_accuracy(seed_dir: Path, folder: Path) -> None:
    """Print 1 − CER of the OCR'd seed article against its text, at 200 and 300 dpi."""
    from ingest.formats.text import parse_text_article

    path = next(seed_dir.glob("*.txt"))
    seed = parse_text_article(path.read_text(encoding="utf-8"), str(path))
    source = folder / "seed.pdf"
    write_pdf(source, blocks_from_text(seed.title, seed.text.split("\n\n")), header="Warta Inovasi Daerah",
              footer="Pengukuran Telusur", page_size=(420.0, 595.0))
    for dpi in (200, 300):
        scan_pdf(source, folder / f"seed-{dpi}.pdf", dpi=dpi)
        article = list(read(folder / f"seed-{dpi}.pdf", ReadOptions(seconds_per_file=3600)))[-1]
        accuracy = 1 - char_error_rate(article.text, f"{seed.title}\n\n{seed.text}")
        print(f"OCR accuracy, seed article scanned at {dpi} dpi: 1 - CER = {accuracy:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--ocr-pages", type=int, default=6)
    parser.add_argument("--compare-pdfplumber", action="store_true")
    parser.add_argument("--seed", type=Path, default=None, help="folder of the seed article (OCR accuracy)")
    args = parser.parse_args()
    import pypdfium2 as pdfium

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        pdf = _pdf(folder, args.pages)
        pages = len(pdfium.PdfDocument(str(pdf)))
        cores = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(cores)})  # text layer: one core
        _timed(pdf, ReadOptions(ocr="off"))  # warm-up (imports)
        seconds = min(_timed(pdf, ReadOptions(ocr="off")) for _ in range(3))
        print(f"text layer (pypdfium2 + layout), 1 core: {pages} pages in {seconds:.2f} s "
              f"= {pages / seconds:.1f} pages/s")
        if args.compare_pdfplumber:
            import pdfplumber

            started = time.perf_counter()
            with pdfplumber.open(pdf) as doc:
                for page in doc.pages:
                    page.extract_text()
            took = time.perf_counter() - started
            print(f"pdfplumber extract_text, 1 core: {pages} pages in {took:.2f} s = {pages / took:.1f} pages/s")
        os.sched_setaffinity(0, cores)
        first = folder / "first.pdf"
        doc = pdfium.PdfDocument(str(pdf))
        part = pdfium.PdfDocument.new()
        part.import_pages(doc, list(range(args.ocr_pages)))
        part.save(str(first))
        scan = folder / "scan.pdf"
        scan_pdf(first, scan, dpi=200)
        seconds = _timed(scan, ReadOptions(ocr="auto", seconds_per_file=3600))
        print(f"OCR (tesseract ind, 300 dpi render, {len(cores)} cores): {args.ocr_pages} pages in {seconds:.1f} s "
              f"= {args.ocr_pages * 60 / seconds:.1f} pages/min")
        if args.seed:
            ocr_accuracy(args.seed, folder)


if __name__ == "__main__":
    main()
