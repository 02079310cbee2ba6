"""Write PDFs with ruled tables (reportlab) whose rows are known: fixtures of the PDF table reader.

``write_table_pdf`` lays out paragraphs and tables of innovations (name, OPD, year, budget), with cells that
wrap over several lines, optionally a two-row header whose "Anggaran (Rp juta)" cell spans the 2023 and 2024
columns, and tables long enough to run onto the next page (the header repeated or not). It returns the rows
every table must be read as: "column: value; …" lines (``ingest.formats.package.table_rows``).
"""

from __future__ import annotations

import random
from pathlib import Path

from ingest.formats.package import table_rows

PLACES = ("Liwa", "Pekon Sukamaju", "Balik Bukit", "Sekincau", "Way Tenong", "Batu Brak", "Suoh", "Belalau")
THINGS = ("Jemput Bola Dokumen Kependudukan", "Posyandu Digital", "Lapak Tani Daring", "Sekolah Lapang Kopi",
          "Ambulans Desa", "Kartu Sehat Pekon", "Bank Sampah Pasar", "Literasi Keliling", "Data Stunting Terpadu",
          "Si Tani Cerdas", "Gerobak Baca Anak", "Lumbung Pangan Mandiri", "Sistem Antrean Puskesmas",
          "Perpustakaan Apung", "Pupuk Organik Kolektif", "Klinik Hukum Rakyat", "Dapur Gizi Balita",
          "Sensor Banjir Sungai", "Pasar Ikan Higienis", "Beasiswa Anak Nelayan", "Pelatihan Kriya Bambu",
          "Jaringan Air Bersih Swadaya", "Taman Obat Keluarga", "Pos Ronda Pintar")
OFFICES = ("Dinas Kependudukan dan Pencatatan Sipil", "Dinas Kesehatan", "Dinas Pertanian", "Bappeda",
           "Dinas Pendidikan", "Dinas Lingkungan Hidup")
INTRO = ("Tabel berikut memuat inovasi daerah yang diusulkan perangkat daerah beserta anggaran yang "
         "dialokasikan untuk pelaksanaannya pada tahun berjalan.")


def innovation_rows(count: int, rng: random.Random, *, split_budget: bool) -> list[list[str]]:
    """``count`` rows: number, innovation name, office, year and one or two budgets."""
    pool = [f"{thing} {place}" for thing in THINGS for place in PLACES]
    rng.shuffle(pool)
    rows = []
    for i in range(1, count + 1):
        name = pool[i % len(pool)]
        budget = [f"{rng.randint(20, 900)}", f"{rng.randint(20, 900)}"] if split_budget else \
            [f"Rp {rng.randint(20, 900)} juta"]
        rows.append([str(i), name, rng.choice(OFFICES), str(rng.choice((2022, 2023, 2024))), *budget])
    return rows


def _table(rows: list[list[str]], *, split_budget: bool, repeat_header: bool):
    """A reportlab Table with a grid; cell text wraps (Paragraph); optional two-row header with a span."""
    from reportlab.lib import colors
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, Table, TableStyle

    style = getSampleStyleSheet()["BodyText"]
    style.fontSize, style.leading = 8.5, 10
    cells = [[Paragraph(value, style) if len(value) > 12 else value for value in row] for row in rows]
    if split_budget:
        head = [["No", "Nama Inovasi", "Perangkat Daerah", "Tahun", "Anggaran (Rp juta)", ""],
                ["", "", "", "", "2023", "2024"]]
        spans = [("SPAN", (4, 0), (5, 0))] + [("SPAN", (c, 0), (c, 1)) for c in range(4)]
        widths = [26, 150, 140, 40, 55, 55]
    else:
        head, spans, widths = [["No", "Nama Inovasi", "Perangkat Daerah", "Tahun", "Anggaran"]], [], [26, 160, 150,
                                                                                                        40, 80]
    table = Table(head + cells, colWidths=widths, repeatRows=len(head) if repeat_header else 0)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                               ("BACKGROUND", (0, 0), (-1, len(head) - 1), colors.lightgrey),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"), *spans]))
    return table


def column_names(*, split_budget: bool) -> list[str]:
    """The column names a reader must give (a spanning header cell prefixes the names under it)."""
    return ["No", "Nama Inovasi", "Perangkat Daerah", "Tahun"] + (
        ["Anggaran (Rp juta) 2023", "Anggaran (Rp juta) 2024"] if split_budget else ["Anggaran"])


def expected_rows(rows: list[list[str]], *, split_budget: bool) -> list[str]:
    """The lines a reader must give for a table of ``rows``."""
    return table_rows([column_names(split_budget=split_budget)] + rows)[1:]


def write_table_pdf(path: Path, *, tables: int = 3, rows: int = 12, seed: int = 1,
                    split_budget: bool = False, repeat_header: bool = True) -> list[str]:
    """A PDF of ``tables`` tables of ``rows`` rows between paragraphs; returns every data row's expected line."""
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    rng = random.Random(seed)
    styles = getSampleStyleSheet()
    story: list = [Paragraph("Daftar Inovasi Daerah Kabupaten Lampung Barat", styles["Title"])]
    expected: list[str] = []
    for number in range(1, tables + 1):
        data = innovation_rows(rows, rng, split_budget=split_budget)
        story += [Paragraph(f"Tabel {number}. Inovasi perangkat daerah", styles["Heading2"]),
                  Paragraph(INTRO, styles["BodyText"]), _table(data, split_budget=split_budget,
                                                               repeat_header=repeat_header),
                  Spacer(1, 12), Paragraph(INTRO, styles["BodyText"])]
        expected += expected_rows(data, split_budget=split_budget)
    SimpleDocTemplate(str(path), title="Daftar Inovasi Daerah", invariant=1).build(story)
    return expected
