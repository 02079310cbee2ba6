"""OCR of page images with Debian's Tesseract and its Indonesian model (``tesseract-ocr-ind``).

Tesseract is run as a process per page (``tesseract IMAGE stdout -l ind tsv``) with one thread each
(``OMP_THREAD_LIMIT=1``), as many at a time as there are cores, each killed at the per-page time limit. Its
TSV output gives every word with its box; words are grouped into ``layout.Line`` objects so scanned pages go
through the same reading-order, header/footer and hyphenation rules as text-layer pages.
"""

from __future__ import annotations

import csv
import functools
import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from statistics import median

from ingest.formats.layout import Line

LANGUAGE = "ind"
MIN_CONFIDENCE = 10  # words Tesseract is less sure of than this are speckles, not text


class OcrUnavailable(Exception):
    """Tesseract or its Indonesian model is not installed; the message says what to install."""


@functools.lru_cache(maxsize=1)
def check_tesseract() -> str:
    """The tesseract executable, or OcrUnavailable naming the Debian packages to install."""
    exe = shutil.which("tesseract")
    if exe is None:
        raise OcrUnavailable("OCR needs Tesseract: apt-get install tesseract-ocr tesseract-ocr-ind")
    listed = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30).stdout.split()
    if LANGUAGE not in listed:
        raise OcrUnavailable("OCR needs Tesseract's Indonesian model: apt-get install tesseract-ocr-ind")
    return exe


def _lines_of_tsv(tsv: str, dpi: float, height_px: int) -> list[Line]:
    """Words of Tesseract's TSV grouped by (block, paragraph, line), in PDF points with y growing upwards."""
    groups: dict[tuple[str, str, str], list[dict[str, str]]] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        if row.get("level") == "5" and (row.get("text") or "").strip() and float(row["conf"]) >= MIN_CONFIDENCE:
            groups.setdefault((row["block_num"], row["par_num"], row["line_num"]), []).append(row)
    scale = 72.0 / dpi
    paragraph_size: dict[tuple[str, str], float] = {}
    for key in {k[:2] for k in groups}:  # one type size per paragraph: word heights vary with their letters
        heights = [int(w["height"]) for k, words in groups.items() if k[:2] == key for w in words]
        paragraph_size[key] = round(median(heights) * scale, 1)
    lines = []
    for key, words in groups.items():
        left = min(int(w["left"]) for w in words)
        right = max(int(w["left"]) + int(w["width"]) for w in words)
        top = min(int(w["top"]) for w in words)
        bottom = max(int(w["top"]) + int(w["height"]) for w in words)
        lines.append(Line(" ".join(w["text"] for w in words), left * scale, right * scale,
                          (height_px - bottom) * scale, (height_px - top) * scale, paragraph_size[key[:2]],
                          group=(id(groups), *key[:2])))
    return lines


def ocr_image(image, dpi: float, timeout: float) -> list[Line]:
    """Lines of one page image (a PIL image); TimeoutError past ``timeout`` seconds."""
    exe = check_tesseract()
    with tempfile.TemporaryDirectory(prefix="telusur-ocr-") as tmp:
        path = Path(tmp) / "page.png"
        image.save(path, dpi=(dpi, dpi))
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run([exe, str(path), "stdout", "-l", LANGUAGE, "--dpi", str(int(dpi)), "tsv"],
                                  capture_output=True, text=True, timeout=timeout, env=env)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"OCR of a page took longer than {timeout:.0f} s") from None
    if done.returncode != 0:
        raise RuntimeError(f"tesseract failed: {done.stderr.strip().splitlines()[-1:] or done.returncode}")
    return _lines_of_tsv(done.stdout, dpi, image.size[1])


def ocr_images(images: Sequence[tuple[object, float]], timeout: float) -> list[list[Line] | Exception]:
    """``ocr_image`` of each (image, dpi), on all cores; a page that fails gives its exception instead of lines."""
    def one(item: tuple[object, float]) -> list[Line] | Exception:
        try:
            return ocr_image(item[0], item[1], timeout)
        except (TimeoutError, RuntimeError, OSError) as err:
            return err

    if len(images) == 1:
        return [one(images[0])]
    with ThreadPoolExecutor(max_workers=min(len(images), os.cpu_count() or 1)) as pool:
        return list(pool.map(one, images))
