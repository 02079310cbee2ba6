"""Office files are zip packages: refuse one whose parts would decompress past the limit (a "zip bomb")."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.article import SkipInput
from ingest.formats.base import ReadOptions


def check_package(path: Path, options: ReadOptions) -> None:
    """SkipInput when ``path`` is not a readable zip, or its members' declared sizes exceed the limit.

    The declared sizes are what a reader would inflate; a bomb that lies about them fails zipfile's own size
    check while reading."""
    try:
        with zipfile.ZipFile(path) as package:
            total = sum(member.file_size for member in package.infolist())
    except (zipfile.BadZipFile, OSError) as err:
        raise SkipInput(f"{path}: damaged or truncated {path.suffix.lstrip('.').upper() or 'Office'} file "
                        f"(not a readable zip package: {err})") from None
    if total > options.max_unpacked_bytes:
        raise SkipInput(f"{path}: unpacks to {total / 2**20:.0f} MB, over the limit of "
                        f"{options.max_unpacked_bytes / 2**20:.0f} MB (a zip bomb?)")


def table_rows(rows: list[list[str]]) -> list[str]:
    """Table rows as "column: value; column: value" text (the first row names the columns)."""
    if not rows:
        return []
    header = [" ".join(cell.split()) for cell in rows[0]]
    if len(rows) == 1 or not any(header):
        return ["; ".join(c for c in (" ".join(cell.split()) for row in rows for cell in row) if c)]
    out = ["; ".join(h for h in header if h)]
    for row in rows[1:]:
        cells = [f"{name}: {' '.join(value.split())}" if name else " ".join(value.split())
                 for name, value in zip(header + [""] * len(row), row) if value.strip()]
        if cells:
            out.append("; ".join(cells))
    return out
