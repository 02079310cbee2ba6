"""Input formats: one module per format behind one interface (``base.Format``) and this registry.

A file's format is recognised from its first bytes (PDF, images, Office zip packages) before its
extension, so a PDF saved as ``.txt`` or with no extension is read as a PDF. Adding a format is adding
a module with ``read(path, options)`` and one line in ``FORMATS``.
"""

from __future__ import annotations

import importlib
import re
import zipfile
from pathlib import Path

from ingest.formats.base import Format, ReadFunction

FORMATS: tuple[Format, ...] = (
    Format("html", (".html", ".htm"), "ingest.formats.html", "text/html; charset=utf-8"),
    Format("text", (".txt",), "ingest.formats.text", "text/plain; charset=utf-8"),
    Format("jsonl", (".jsonl", ".ndjson"), "ingest.formats.dumps", "application/x-ndjson"),
    Format("csv", (".csv",), "ingest.formats.dumps", "text/csv; charset=utf-8"),
    Format("pdf", (".pdf",), "ingest.formats.pdf", "application/pdf", document=True),
    Format("docx", (".docx",), "ingest.formats.docx",
           "application/vnd.openxmlformats-officedocument.wordprocessingml.document", document=True),
    Format("xlsx", (".xlsx",), "ingest.formats.xlsx",
           "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", document=True),
    Format("pptx", (".pptx",), "ingest.formats.pptx",
           "application/vnd.openxmlformats-officedocument.presentationml.presentation", document=True),
    Format("odt", (".odt",), "ingest.formats.odt", "application/vnd.oasis.opendocument.text", document=True),
    Format("png", (".png",), "ingest.formats.image", "image/png", document=True),
    Format("jpeg", (".jpg", ".jpeg"), "ingest.formats.image", "image/jpeg", document=True),
    Format("tiff", (".tif", ".tiff"), "ingest.formats.image", "image/tiff", document=True),
)
_BY_NAME = {f.name: f for f in FORMATS}
_BY_EXTENSION = {ext: f for f in FORMATS for ext in f.extensions}
_MAGIC = ((b"%PDF-", "pdf"), (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"II*\x00", "tiff"),
          (b"MM\x00*", "tiff"))
_ZIP_MEMBERS = (("word/document.xml", "docx"), ("xl/workbook.xml", "xlsx"), ("ppt/presentation.xml", "pptx"))


def extensions() -> list[str]:
    """Every extension a reader claims, for messages."""
    return sorted(_BY_EXTENSION)


def _sniff_zip(path: Path) -> str | None:
    """The Office format a zip package holds (OOXML part names, or the ODF ``mimetype`` member)."""
    try:
        with zipfile.ZipFile(path) as package:
            names = set(package.namelist())
            if "mimetype" in names and package.read("mimetype")[:64] == b"application/vnd.oasis.opendocument.text":
                return "odt"
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    return next((name for member, name in _ZIP_MEMBERS if member in names), None)


def sniff(path: Path) -> str | None:
    """The format named by the file's first bytes, if they name one."""
    try:
        with path.open("rb") as f:
            head = f.read(1024)
    except OSError:
        return None
    if re.search(rb"%PDF-\d", head):  # the header may follow a little junk (readers search the first 1 KiB)
        return "pdf"
    found = next((name for magic, name in _MAGIC if head.startswith(magic)), None)
    if found is None and head.startswith(b"PK\x03\x04"):
        found = _sniff_zip(path)
    return found


def detect(path: Path) -> Format | None:
    """The format of ``path``: from its content where that is recognisable, else from its extension."""
    name = sniff(path)
    return _BY_NAME[name] if name else _BY_EXTENSION.get(path.suffix.lower())


def reader(fmt: Format) -> ReadFunction:
    """The ``read`` function of a format's module (imported on first use)."""
    return importlib.import_module(fmt.module).read
