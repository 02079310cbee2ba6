"""Where a result came from: its page ("hal. 12", "slide 3", "baris 5–9"), the page markers of a document's
text, and ``GET /berkas/<article_id>``, which serves the original file kept in the index.

The file is found through the article's record (the name of its copy under ``INDEX/berkas``); nothing in the
request is used as a path, and ids holding anything but letters, digits, ``-``, ``_`` and ``:`` are refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from ingest.article import valid_article_id
from ingest.originals import original_path

if TYPE_CHECKING:
    from flask import Blueprint

UNKNOWN_SOURCE = "sumber tidak diketahui"


def page_label(page: int | None, page_end: int | None, kind: str | None) -> str:
    """"hal. 12", "hal. 12–13", "slide 3", "baris 5–9"; "" without a page."""
    if page is None:
        return ""
    span = f"{page}–{page_end}" if page_end is not None and page_end != page else str(page)
    return f"{kind or 'hal.'} {span}"


def answer_page(pages_json: str | None, start_char: int, passage: str, answer: str | None) -> int | None:
    """The page holding the answer sentence of a passage (which may span pages); None without pages."""
    pages = json.loads(pages_json or "[]")
    if not pages:
        return None
    at = start_char + max(0, passage.find(answer) if answer else 0)
    here = [page for offset, page in pages if offset <= at]
    return here[-1] if here else pages[0][1]


def file_url(article_id: str, content_type: str | None, page: int | None) -> str:
    """The link to the original file, at the page for a PDF (``#page=N``); "" when none was kept."""
    if not content_type:
        return ""
    anchor = f"#page={page}" if page is not None and content_type == "application/pdf" else ""
    return f"/berkas/{article_id}{anchor}"


def paragraph_pages(text: str, extra_json: str) -> list[str]:
    """For each paragraph of ``text`` (as the article page splits it), the page label where a new page starts
    there, else ""."""
    extra = json.loads(extra_json or "{}")
    pages = json.loads(extra.get("pages", "[]"))
    kind = extra.get("page_kind", "hal.")
    if not pages:
        return []
    out: list[str] = []
    pos, shown = 0, None
    for para in text.split("\n\n"):
        start = text.index(para, pos)
        pos = start + len(para)
        if not para.strip():
            continue
        here = [page for offset, page in pages if offset <= start]
        page = here[-1] if here else None
        out.append(page_label(page, None, kind) if page is not None and page != shown else "")
        shown = page if page is not None else shown
    return out


def originals_blueprint(index_of: Callable[[], object]) -> Blueprint:
    """``GET /berkas/<article_id>``: the original file of a document article, with its Content-Type."""
    from flask import Blueprint, abort, send_file

    blueprint = Blueprint("berkas", __name__)

    @blueprint.get("/berkas/<article_id>")
    def original(article_id: str):
        if not valid_article_id(article_id):
            abort(400, description="Nomor berkas tidak sah.")
        index = index_of()
        row = index.article(article_id)
        if row is None:
            abort(404, description=f"Berkas {article_id!r} tidak ditemukan.")
        extra = json.loads(row["extra"] or "{}")
        path = original_path(index.directory, extra.get("file", ""))
        if path is None:
            abort(404, description="Artikel ini tidak berasal dari berkas dokumen yang disimpan.")
        return send_file(path, mimetype=extra.get("content_type") or "application/octet-stream",
                         download_name=extra.get("file_name") or path.name, as_attachment=False, max_age=3600)

    return blueprint
