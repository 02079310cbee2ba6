"""Ruled tables in text-layer PDFs are read row by row as "column: value" text, in reading order; a question
about a cell finds the row's passage."""

from __future__ import annotations

import sys

import pypdfium2 as pdfium
import pytest

from ingest.formats.package import table_rows
from ingest.pipeline import ingest_paths
from ingest.store import Index
from search_app.search import Searcher
from tests.conftest import REPO
from tests.test_documents import _articles, _read

sys.path.insert(0, str(REPO))
from scripts.tablemaker import INTRO, THINGS, column_names, write_table_pdf  # noqa: E402

TITLE = "Daftar Inovasi Daerah Kabupaten Lampung Barat"
VARIANTS = {"one-row header": {}, "two-row header with a spanning cell": {"split_budget": True},
            "continued on the next page, header not repeated": {"repeat_header": False, "rows": 40}}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_ruled_pdf_tables_are_read_row_by_row_in_reading_order(tmp_path, variant):
    options = VARIANTS[variant]
    path = tmp_path / "tabel.pdf"
    expected = write_table_pdf(path, tables=3, **{"rows": 12, **options})
    article = _articles(_read(path))[0]
    blocks = article.text.split("\n\n")
    assert [b for b in blocks if b in expected] == expected  # every row, once, in order, a block of its own
    header = table_rows([column_names(split_budget=options.get("split_budget", False))])[0]
    allowed = {TITLE, INTRO, header} | {f"Tabel {n}. Inovasi perangkat daerah" for n in (1, 2, 3)}
    assert set(blocks) - set(expected) <= allowed, set(blocks) - set(expected) - allowed  # no loose cell text
    assert blocks.count(header) == 3  # once per table, also where a table goes on over a page
    for n in (2, 3):  # each table after its heading and introduction, before the next table's heading
        heading = blocks.index(f"Tabel {n}. Inovasi perangkat daerah")
        assert blocks.index(expected[(n - 1) * len(expected) // 3 - 1]) < heading
        assert heading < blocks.index(expected[(n - 1) * len(expected) // 3])
    pdf = pdfium.PdfDocument(str(path))
    drawn = [" ".join(page.get_textpage().get_text_range().split()) for page in pdf]
    for row in expected:  # each row knows the page it is drawn on
        name = row.split("; ")[1].removeprefix("Nama Inovasi: ")
        assert name in drawn[article.page_at(article.text.index(row)) - 1], (row, len(drawn))
    assert len({article.page_at(article.text.index(row)) for row in expected}) >= 2


def test_a_question_about_a_cell_finds_its_row(tmp_path, embedder):
    path = tmp_path / "dokumen" / "daftar-inovasi-lampung-barat.pdf"
    path.parent.mkdir()
    expected = write_table_pdf(path, tables=3, rows=15, seed=7)
    things = [next(t for t in THINGS if t in row) for row in expected]
    row = next(row for row, thing in zip(expected, things) if things.count(thing) == 1)  # its name's only row
    name = row.split("; ")[1].removeprefix("Nama Inovasi: ")
    index = Index(tmp_path / "index")
    report = ingest_paths([REPO / "corpus" / "dokumen", path], index, embedder, show_progress=False,
                          log=lambda line: None, embed_cache=tmp_path / "cache.sqlite")
    assert not report.skipped, report.skipped
    question = f"Berapa anggaran inovasi {name}?"
    first = Searcher(index, embedder).search(question, k=5).results[0]
    assert row in first.passage and "Anggaran: Rp " in row, (question, first.passage)
    assert first.title == "Daftar Inovasi Daerah" and first.page_label.startswith("hal. ")


def test_a_chart_grid_is_read_as_text_not_as_a_table(tmp_path):
    from reportlab.pdfgen.canvas import Canvas

    path = tmp_path / "grafik.pdf"
    canvas = Canvas(str(path), pagesize=(595, 842))
    canvas.setFont("Helvetica", 10)
    canvas.drawString(56, 780, "Grafik jumlah inovasi per tahun menunjukkan kenaikan yang stabil.")
    for i in range(6):  # gridlines of a chart: 5 x 5 cells, data labels in three of them
        canvas.line(100, 400 + i * 60, 500, 400 + i * 60)
        canvas.line(100 + i * 80, 400, 100 + i * 80, 700)
    canvas.drawString(270, 650, "18 inovasi")
    canvas.drawString(350, 650, "25 inovasi")
    canvas.drawString(110, 420, "Awal 2019")
    canvas.drawString(100, 380, "Sumber: Bappeda Kabupaten Lampung Barat")
    canvas.save()
    text = _articles(_read(path))[0].text
    for label in ("18 inovasi", "25 inovasi", "Awal 2019", "Sumber: Bappeda Kabupaten Lampung Barat"):
        assert label in text
    assert ";" not in text
