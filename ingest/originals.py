"""Copies of ingested documents kept inside the index, so ``/berkas/<article_id>`` can serve the original.

A copy is named by the SHA-256 of its bytes (``INDEX/berkas/<hex>.<ext>``): the same file read twice is
stored once. The article records the copy's name and content type in ``extra``; the web app looks the name
up by article id and never takes a path from a request.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from pathlib import Path

from ingest.article import Article
from ingest.formats.base import Format

FOLDER = "berkas"
_NAME = re.compile(r"^[0-9a-f]{64}\.[a-z0-9]{1,5}$")


def original_path(index_dir: Path, name: str) -> Path | None:
    """The stored copy called ``name`` (as recorded in an article), or None if the name is not one of ours."""
    if not _NAME.match(name):
        return None
    path = Path(index_dir) / FOLDER / name
    return path if path.is_file() else None


class Originals:
    """The folder of kept originals of one index."""

    def __init__(self, index_dir: Path):
        self.folder = Path(index_dir) / FOLDER

    def keep(self, article: Article, path: Path, fmt: Format) -> None:
        """Copy ``path`` into the folder (once per content) and record the copy on ``article``."""
        digest = hashlib.sha256()
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
        name = f"{digest.hexdigest()}{fmt.extensions[0]}"
        target = self.folder / name
        if not target.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            partial = target.with_suffix(".part")
            shutil.copyfile(path, partial)
            os.replace(partial, target)
        article.extra["file"] = name
        article.extra["content_type"] = fmt.content_type
