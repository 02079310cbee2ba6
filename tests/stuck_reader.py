"""A reader of a made-up format (``.uji``) for tests/test_file_limit.py; what it does depends on the file:

- ``macet``: one C call that runs for tens of seconds and never looks at signals (PBKDF2 with many rounds:
  ``signal.setitimer`` could not cut it), then an article: only a killed worker keeps it out of the index;
- ``rusak``: crashes the process reading it (SIGSEGV), as a broken C library would;
- anything else: an article of the file's text.
"""

from __future__ import annotations

import ctypes
import hashlib
from collections.abc import Iterator
from pathlib import Path

from ingest.article import Article, make_article_id
from ingest.formats.base import ReadOptions

ROUNDS = 60_000_000  # about 40 s on this machine's cores


def read(path: Path, options: ReadOptions) -> Iterator[Article]:
    text = path.read_text(encoding="utf-8").strip()
    if text == "macet":
        hashlib.pbkdf2_hmac("sha256", text.encode(), b"telusur", ROUNDS)
    elif text == "rusak":
        ctypes.string_at(0)
    yield Article(article_id=make_article_id("document", str(path)), title=f"Berkas uji {path.stem}",
                  text=f"Berkas uji {path.stem} dibaca sampai selesai: {text}.", origin=str(path))
