"""Measure document reading speed on this machine (not a test): the ``documents`` stage of ``telusur bench``
(search_app/tools/bench_documents.py), plus comparisons that need extra packages or the seed article.

    python scripts/measure_documents.py [--pages 60] [--ocr-pages 6] [--compare-pdfplumber] [--seed DIR]

``--compare-pdfplumber``: pdfplumber's ``extract_text`` on the same text-layer PDF (pdfplumber installed for
the comparison only). ``--seed DIR`` (e.g. ../shared/data/seed): also the OCR accuracy (1 − CER) of that
article, laid out as a two-column PDF and scanned at 200 and 300 dpi.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ingest.formats.base import ReadOptions  # noqa: E402
from ingest.formats.pdf import read  # noqa: E402
from scripts.docmaker import blocks_from_text, char_error_rate, scan_pdf, write_pdf  # noqa: E402
from search_app.tools.bench_documents import bench_documents, documents_lines, one_core, profile_pdf  # noqa: E402


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


def pdfplumber_text(pages: int, folder: Path) -> None:
    """pdfplumber's extract_text on the same two-column PDF, one core."""
    import pdfplumber

    pdf = folder / "profil.pdf"
    count = profile_pdf(pdf, pages)
    with one_core():
        started = time.perf_counter()
        with pdfplumber.open(pdf) as doc:
            for page in doc.pages:
                page.extract_text()
        took = time.perf_counter() - started
    print(f"pdfplumber extract_text, 1 core: {count} pages in {took:.2f} s = {count / took:.1f} pages/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=60)
    parser.add_argument("--ocr-pages", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare-pdfplumber", action="store_true")
    parser.add_argument("--seed", type=Path, default=None, help="folder of the seed article (OCR accuracy)")
    args = parser.parse_args()
    results = bench_documents(pages=args.pages, ocr_pages=args.ocr_pages, repeat=args.repeat, log=print)
    print("\n".join(documents_lines(results)))
    with tempfile.TemporaryDirectory() as tmp:
        if args.compare_pdfplumber:
            pdfplumber_text(args.pages, Path(tmp))
        if args.seed:
            ocr_accuracy(args.seed, Path(tmp))


if __name__ == "__main__":
    main()
