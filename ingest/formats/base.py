"""The reader interface: what every format module provides, and the options a reader is given."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ingest.article import Article, SkipInput
from ingest.settings import setting

DOCUMENT_CATEGORY = "dokumen"


@dataclass(frozen=True)
class ReadOptions:
    """What the caller decides for every file: default outlet, OCR mode and the per-file limits."""

    source: str = ""  # outlet for files that name none (`--source`, setting `source`)
    ocr: str = "auto"  # auto: pages without a text layer; force: every page; off: never
    seconds_per_file: float = 120.0  # a document taking longer is abandoned (worker.py kills its reader)
    seconds_per_page: float = 60.0  # OCR time limit for one page
    max_unpacked_bytes: int = 200 * 1024 * 1024  # Office zip: total decompressed size allowed
    max_rows: int = 10_000  # spreadsheet rows read per sheet
    max_pixels: int = 60_000_000  # an image larger than this is not decoded
    started: float = field(default_factory=time.monotonic)
    on_page: Callable[[], None] | None = None  # told of each page read (the progress bar; set by the worker)

    def check_time(self, origin: str | Path) -> None:
        """SkipInput when the file's time limit has passed (readers call this between pages)."""
        if time.monotonic() - self.started > self.seconds_per_file:
            raise SkipInput(f"{origin}: took longer than the per-file limit of {self.seconds_per_file:.0f} s")

    def page_read(self, count: int = 1) -> None:
        """Readers of long documents (PDF) call this as pages are done, for the progress bar."""
        if self.on_page is not None:
            for _ in range(count):
                self.on_page()


OCR_MODES = ("auto", "off", "force")


def read_options(*, source: str | None = None, ocr: str | None = None) -> ReadOptions:
    """Reader options from arguments, else the ``source``, ``ocr``, ``file_seconds`` and ``max_rows`` settings."""
    mode = setting("ocr", ocr)
    if mode not in OCR_MODES:
        raise ValueError(f"ocr must be one of {', '.join(OCR_MODES)}, not {mode!r}")
    return ReadOptions(source=setting("source", source), ocr=mode,
                       seconds_per_file=float(setting("file_seconds")), max_rows=int(setting("max_rows")))


class ReadFunction(Protocol):
    def __call__(self, path: Path, options: ReadOptions) -> Iterator[Article | SkipInput]: ...


@dataclass(frozen=True)
class Format:
    """One input format: its name, extensions, how to recognise its bytes, and the module that reads it.

    ``module`` names a module with ``read(path, options)`` yielding articles and skips; it is imported on
    first use so that the command line starts without loading every parser. ``document``: the original file
    is kept in the index and served at ``/berkas/<id>``."""

    name: str
    extensions: tuple[str, ...]
    module: str
    content_type: str
    document: bool = False
