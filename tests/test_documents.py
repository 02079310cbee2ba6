"""Document readers on real files made at test time (reportlab, python-docx, odfpy, openpyxl, python-pptx)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from ingest.article import SkipInput
from ingest.formats import detect
from ingest.formats.base import ReadOptions
from ingest.formats.html_text import token_f1
from ingest.formats.text import parse_text_article
from ingest.pipeline import read_articles
from tests.conftest import REPO

sys.path.insert(0, str(REPO))
from scripts import docmaker  # noqa: E402
from scripts.docmaker import char_error_rate as cer  # noqa: E402

HEADER = "Warta Inovasi Daerah — Edisi Uji Telusur"
FOOTER = "Dokumen uji, bukan untuk diedarkan"

# Text written for these tests (not from ../shared/data).
PROFILE = [
    "Latar Belakang",
    "Pelayanan administrasi kependudukan di desa-desa terpencil selama ini memakan waktu lama karena warga "
    "harus datang ke ibu kota kabupaten. Perjalanan pulang pergi dapat menghabiskan sehari penuh dan biaya "
    "transportasi yang memberatkan keluarga petani.",
    "Tujuan Inovasi",
    "Inovasi Jemput Bola Dokumen Kependudukan mendekatkan pelayanan kepada masyarakat dengan mobil keliling "
    "yang dilengkapi perangkat perekaman dan pencetakan. Petugas mendatangi balai desa sesuai jadwal bulanan "
    "yang diumumkan melalui kepala pekon dan media sosial pemerintah kabupaten.",
    "Hasil yang Dicapai",
    "Sepanjang tahun berjalan, layanan keliling menerbitkan ribuan dokumen kependudukan dan memangkas waktu "
    "tunggu warga secara signifikan. Kepuasan masyarakat meningkat berdasarkan survei indeks kepuasan yang "
    "dilaksanakan oleh dinas terkait bersama perguruan tinggi setempat.",
]


def _read(path: Path, **options) -> list:
    return list(read_articles(path, detect(path), ReadOptions(**options)))


def _articles(items: list) -> list:
    return [i for i in items if not isinstance(i, SkipInput)]


@pytest.fixture(scope="module")
def seed_article(shared_data):
    path = next((shared_data / "seed").glob("*.txt"))
    return parse_text_article(path.read_text(encoding="utf-8"), str(path))


@pytest.fixture(scope="module")
def seed_pdf(tmp_path_factory, seed_article):
    """The seed article as a two-column A5 PDF with running header, footer and page numbers."""
    folder = tmp_path_factory.mktemp("seed-pdf")
    blocks = docmaker.blocks_from_text(seed_article.title, seed_article.text.split("\n\n"))
    layout = docmaker.write_pdf(folder / "seed.pdf", blocks, header=HEADER, footer=FOOTER, page_size=(420, 595))
    assert len(layout.pages) >= 2 and layout.hyphenated
    return folder / "seed.pdf", layout


def test_formats_are_recognised_by_content(tmp_path, seed_pdf):
    pdf = seed_pdf[0].read_bytes()
    (tmp_path / "laporan.txt").write_bytes(pdf)
    (tmp_path / "tanpa-ekstensi").write_bytes(pdf)
    docmaker.write_docx(tmp_path / "a.docx", docmaker.blocks_from_text("Judul", PROFILE))
    (tmp_path / "a.docx").rename(tmp_path / "salah-nama.xlsx")
    docmaker.write_xlsx(tmp_path / "b.xlsx", {"S": [["a", "b"], [1, 2]]})
    docmaker.write_pptx(tmp_path / "c.pptx", [("Judul", ["isi"], "")])
    docmaker.write_odt(tmp_path / "d.odt", docmaker.blocks_from_text("Judul", PROFILE))
    (tmp_path / "catatan.md").write_text("# bukan format yang dibaca\n")
    assert detect(tmp_path / "laporan.txt").name == "pdf"
    assert detect(tmp_path / "tanpa-ekstensi").name == "pdf"
    assert detect(tmp_path / "salah-nama.xlsx").name == "docx"
    assert [detect(tmp_path / n).name for n in ("b.xlsx", "c.pptx", "d.odt")] == ["xlsx", "pptx", "odt"]
    assert detect(tmp_path / "catatan.md") is None
    article = _articles(_read(tmp_path / "laporan.txt"))[0]
    assert "132 inovasi" in article.text and article.category == "dokumen"


def test_two_column_pdf_reads_in_order_without_running_lines(seed_pdf, seed_article):
    path, layout = seed_pdf
    article = _articles(_read(path))[0]
    source = f"{seed_article.title}\n\n{seed_article.text}"
    assert token_f1(article.text, source) >= 0.98
    words = re.findall(r"\w+", article.text.lower())
    expected = re.findall(r"\w+", source.lower())
    assert words == expected  # the same words in the same order: columns read left then right
    for line in (HEADER, FOOTER, "Halaman 1", "Halaman 2"):
        assert line not in article.text
    for word in layout.hyphenated:
        assert word in article.text, word
    assert article.title == seed_article.title  # the largest type on page 1
    offset = article.text.index("132 inovasi")
    assert article.page_at(offset) == layout.page_of("132 inovasi")


def test_pdf_metadata_title_wins_when_meaningful_and_signature_date_beats_file_date(tmp_path):
    blocks = docmaker.blocks_from_text("Profil Inovasi Jemput Bola", PROFILE + ["Liwa, 12 Agustus 2024"])
    docmaker.write_pdf(tmp_path / "a.pdf", blocks, columns=1, meta_title="Profil Inovasi Daerah Lampung Barat 2024")
    docmaker.write_pdf(tmp_path / "b.pdf", blocks, columns=1, meta_title="Microsoft Word - profil_final.docx")
    a, b = (_articles(_read(tmp_path / n))[0] for n in ("a.pdf", "b.pdf"))
    assert a.title == "Profil Inovasi Daerah Lampung Barat 2024"
    assert b.title == "Profil Inovasi Jemput Bola"
    assert a.date == b.date == "2024-08-12"


def test_docx_headings_tables_and_pages(tmp_path):
    import docx

    document = docx.Document()
    document.core_properties.title = "Laporan Bimtek Inovasi Daerah 2025"
    document.add_heading("Laporan Bimtek", 0)
    document.add_paragraph(PROFILE[1])
    document.add_page_break()
    document.add_heading("Daftar Peserta", 1)
    table = document.add_table(rows=3, cols=2)
    for r, row in enumerate([("Nama", "Instansi"), ("Siti Aminah", "Dinas Kesehatan"), ("Joko", "Bappeda")]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.save(str(tmp_path / "laporan.docx"))
    article = _articles(_read(tmp_path / "laporan.docx"))[0]
    assert article.title == "Laporan Bimtek Inovasi Daerah 2025"
    assert "Nama: Siti Aminah; Instansi: Dinas Kesehatan" in article.text
    assert article.page_at(article.text.index("Siti Aminah")) == 2
    assert article.page_at(article.text.index("Pelayanan administrasi")) == 1


def test_odt_headings_and_table_rows(tmp_path):
    blocks = docmaker.blocks_from_text("Profil Inovasi Jemput Bola", PROFILE)
    docmaker.write_odt(tmp_path / "profil.odt", blocks, table=[["Tahun", "Dokumen"], ["2024", "4.210"]])
    article = _articles(_read(tmp_path / "profil.odt"))[0]
    assert article.title == "Profil Inovasi Jemput Bola"
    assert "Tahun: 2024; Dokumen: 4.210" in article.text
    assert "mobil keliling" in article.text


def test_xlsx_rows_become_column_value_units_with_row_numbers(tmp_path):
    rows = [["No", "Nama Inovasi", "Perangkat Daerah", "Tahun"],
            [1, "Jemput Bola Dokumen", "Disdukcapil", 2023], [2, "Lapak Tani Daring", "Dinas Pertanian", 2024]]
    docmaker.write_xlsx(tmp_path / "inovasi.xlsx", {"Daftar 2024": rows, "Kosong": []})
    items = _read(tmp_path / "inovasi.xlsx")
    [article] = _articles(items)
    assert "Daftar 2024" in article.title
    line = "No: 2; Nama Inovasi: Lapak Tani Daring; Perangkat Daerah: Dinas Pertanian; Tahun: 2024"
    assert line in article.text
    assert article.page_at(article.text.index(line)) == 3 and article.extra["page_kind"] == "baris"


def test_xlsx_row_limit_is_stated_and_the_first_rows_are_kept(tmp_path):
    rows = [["No", "Nama"]] + [[i, f"Inovasi nomor {i}"] for i in range(1, 30)]
    docmaker.write_xlsx(tmp_path / "besar.xlsx", {"Data": rows})
    items = _read(tmp_path / "besar.xlsx", max_rows=10)
    skips = [str(i) for i in items if isinstance(i, SkipInput)]
    assert len(skips) == 1 and "more than 10 rows" in skips[0] and "besar.xlsx" in skips[0]
    [article] = _articles(items)
    assert "Inovasi nomor 9" in article.text and "Inovasi nomor 10" not in article.text


def test_pptx_slides_and_notes_with_slide_numbers(tmp_path):
    docmaker.write_pptx(tmp_path / "bimtek.pptx", [
        ("Bimtek Inovasi Daerah", ["Tujuan: menumbuhkan budaya inovasi"], "Sambutan pembukaan oleh Sekda"),
        ("Capaian Kabupaten", ["Inovasi tercatat di indeks inovasi daerah"], "Tekankan peran setiap OPD")])
    article = _articles(_read(tmp_path / "bimtek.pptx"))[0]
    assert article.extra["page_kind"] == "slide"
    assert article.page_at(article.text.index("Capaian Kabupaten")) == 2
    assert article.page_at(article.text.index("Tekankan peran setiap OPD")) == 2
    assert article.page_at(article.text.index("Sambutan pembukaan")) == 1


def test_cer_counts_edits():
    assert cer("inovasi", "inovasi") == 0
    assert cer("inovas1", "inovasi") == pytest.approx(1 / 7)
    assert cer("novasi", "inovasi") == pytest.approx(1 / 7)


@pytest.mark.parametrize("dpi", [200, 300])
def test_scanned_pdf_is_read_by_ocr_accurately(tmp_path, seed_pdf, seed_article, dpi):
    path, layout = seed_pdf
    docmaker.scan_pdf(path, tmp_path / "pindaian.pdf", dpi=dpi)
    items = _read(tmp_path / "pindaian.pdf")
    assert not [i for i in items if isinstance(i, SkipInput)]
    [article] = _articles(items)
    source = f"{seed_article.title}\n\n{seed_article.text}"
    accuracy = 1 - cer(article.text, source)
    assert accuracy >= 0.97, accuracy
    assert HEADER not in article.text and "Halaman" not in article.text
    assert article.page_at(article.text.index("132 inovasi")) == layout.page_of("132 inovasi")


def test_scanned_pages_are_skipped_with_one_line_when_ocr_is_off(tmp_path, seed_pdf):
    docmaker.scan_pdf(seed_pdf[0], tmp_path / "pindaian.pdf", dpi=100)
    items = _read(tmp_path / "pindaian.pdf", ocr="off")
    pages = ", ".join(str(n) for n in range(1, len(seed_pdf[1].pages) + 1))
    assert [str(i) for i in items] == [f"{tmp_path / 'pindaian.pdf'}: page(s) {pages} have no text layer and OCR "
                                       f"is off (--ocr off)"]


def test_image_is_read_through_ocr(tmp_path):
    from PIL import Image

    docmaker.write_pdf(tmp_path / "p.pdf", docmaker.blocks_from_text("Profil Inovasi Jemput Bola", PROFILE[:2]),
                       columns=1)
    docmaker.scan_pdf(tmp_path / "p.pdf", tmp_path / "scan.pdf", dpi=300, skew=0.3)
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(tmp_path / "scan.pdf"))
    pdf[0].render(scale=300 / 72).to_pil().save(tmp_path / "halaman.png", dpi=(300, 300))
    pdf.close()
    article = _articles(_read(tmp_path / "halaman.png"))[0]
    assert 1 - cer(article.text, "\n\n".join(["Profil Inovasi Jemput Bola", *PROFILE[:2]])) >= 0.97
    assert Image.open(tmp_path / "halaman.png").size[0] > 2000


def test_folders_report_unsupported_files_and_the_source_option_names_the_outlet(tmp_path):
    from ingest.pipeline import discover

    (tmp_path / "sub").mkdir()
    text = "Musyawarah Pekon Sukamaju\n\nWarga memilih usulan inovasi desa untuk tahun depan.\n"
    (tmp_path / "warta.txt").write_text(text, encoding="utf-8")
    for name in ("catatan.md", "sub/foto.webp", "sub/arsip.zip", "data.bin", "x.doc", "y.rtf"):
        (tmp_path / name).write_bytes(b"bukan format yang dibaca\n")
    (tmp_path / ".tersembunyi.md").write_text("x")
    found = discover([tmp_path])
    assert [p.name for p, _ in found.files] == ["warta.txt"] and not found.problems
    assert len(found.unsupported) == 6
    line = found.unsupported_line(shown=3)
    assert line.startswith("6 file(s) of unsupported type not read: ") and line.count(str(tmp_path)) == 3
    assert "and 3 more" in line and ".pdf" in line
    [article] = _articles(_read(tmp_path / "warta.txt", source="Warta Pekon"))
    assert article.source == "Warta Pekon" and article.category == ""
    [unnamed] = _articles(_read(tmp_path / "warta.txt"))
    assert unnamed.source == ""  # text exports take no folder name: the web page says "sumber tidak diketahui"
