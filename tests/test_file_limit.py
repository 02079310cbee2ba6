"""The per-file time limit is a hard one: a document whose reading is stuck inside a library call is cut at
the limit with one line, a reader that crashes its process costs one line, and the other files are indexed."""

from __future__ import annotations

import re
import sys

import pypdfium2 as pdfium

from ingest import formats
from ingest.formats.base import Format, ReadOptions
from ingest.pipeline import ingest_paths
from ingest.store import Index
from tests.conftest import REPO
from tests.test_documents import PROFILE

sys.path.insert(0, str(REPO))
from scripts import docmaker  # noqa: E402
from scripts.tablemaker import write_table_pdf  # noqa: E402

STUCK = Format("uji", (".uji",), "tests.stuck_reader", "application/octet-stream", document=True)
LIMIT = 5


def test_a_document_stuck_in_a_library_call_is_cut_at_the_limit(tmp_path, embedder, monkeypatch):
    monkeypatch.setitem(formats._BY_EXTENSION, ".uji", STUCK)
    folder = tmp_path / "dokumen"
    folder.mkdir()
    docmaker.write_pdf(folder / "a-profil.pdf", docmaker.blocks_from_text("Profil Inovasi Jemput Bola", PROFILE))
    (folder / "b-macet.uji").write_text("macet", encoding="utf-8")
    (folder / "c-rusak.uji").write_text("rusak", encoding="utf-8")
    docmaker.write_docx(folder / "d-laporan.docx", docmaker.blocks_from_text("Laporan Bimtek Inovasi", PROFILE))
    (folder / "e-baik.uji").write_text("baik", encoding="utf-8")  # after a kill and a crash: a new worker reads it
    lines: list[str] = []
    index = Index(tmp_path / "index")
    report = ingest_paths([folder], index, embedder, show_progress=False, log=lines.append,
                          embed_cache=tmp_path / "cache.sqlite", options=ReadOptions(seconds_per_file=LIMIT))
    stuck, crashed = (folder / "b-macet.uji").resolve(), (folder / "c-rusak.uji").resolve()
    assert lines == [f"skipped: {stuck}: took longer than the per-file limit of {LIMIT} s",
                     f"skipped: {crashed}: the document reader process died while reading it (killed by SIGSEGV)"]
    assert len(report.skipped) == 2 and report.read == 3
    titles = {row[0] for row in index.db.execute("SELECT title FROM articles")}
    assert titles == {"Profil Inovasi Jemput Bola", "Laporan Bimtek Inovasi", "Berkas uji e-baik"}


def test_the_progress_bar_counts_document_pages_as_the_worker_reads_them(tmp_path, embedder, capsys):
    path = tmp_path / "daftar-inovasi.pdf"
    write_table_pdf(path, tables=3, rows=40)
    pages = len(pdfium.PdfDocument(str(path)))
    ingest_paths([path], Index(tmp_path / "index"), embedder, show_progress=True,
                 embed_cache=tmp_path / "cache.sqlite")
    counts = [int(n) for n in re.findall(r"(\d+) document pages read", capsys.readouterr().err)]
    assert pages >= 3 and set(range(1, pages + 1)) <= set(counts) and max(counts) == pages, counts
