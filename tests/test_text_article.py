"""Plain-text article parsing: header metadata, dateline, place prefix, signature, category."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.article import SkipInput
from ingest.formats.text import article_identity, parse_text_article

SAMPLE = """Pasar Tani Hadir Setiap Sabtu di Alun-Alun

Kamis 14 Agt 2025 - 08:30 WIB
Reporter : Sri Wahyuni
Editor : Bambang Susilo

WONOSARI – Dinas Pertanian membuka pasar tani di alun-alun kota. Petani menjual sayur langsung kepada warga.

“Harga lebih murah karena tanpa perantara,” kata Kepala Dinas, Ir. H. Darmawan, M.Si.

Pasar buka mulai pukul 06.00 hingga 11.00. (wahyu)

Kategori : Ekonomi
"""


def test_sample_article() -> None:
    article = parse_text_article(SAMPLE, "teks/pasar.txt")
    assert article.title == "Pasar Tani Hadir Setiap Sabtu di Alun-Alun"
    assert article.date == "2025-08-14T08:30:00+07:00"
    assert article.author == "Sri Wahyuni"
    assert article.category == "Ekonomi"
    assert article.extra == {"editor": "Bambang Susilo", "signature": "wahyu", "dateline_place": "WONOSARI"}
    assert article.origin == "teks/pasar.txt"
    assert article.text.startswith("WONOSARI – Dinas Pertanian")
    assert article.text.endswith("hingga 11.00.")
    assert article.text.count("\n\n") == 2  # three paragraphs
    for leftover in ("Reporter", "Editor", "Kategori", "(wahyu)", "2025"):
        assert leftover not in article.text


def test_id_ignores_origin_and_title_spacing() -> None:
    a = parse_text_article(SAMPLE, "a/pasar.txt")
    b = parse_text_article(SAMPLE.replace("Pasar Tani Hadir", "Pasar  tani hadir"), "b/lain.txt")
    c = parse_text_article(SAMPLE.replace("14 Agt 2025", "21 Agt 2025"), "a/pasar.txt")
    assert a.article_id == b.article_id
    assert a.article_id != c.article_id
    assert a.article_id == article_identity(a.title, a.date, a.text)


def test_undated_ids_use_body() -> None:
    first = article_identity("Pengumuman", None, "Isi pertama.")
    assert first != article_identity("Pengumuman", None, "Isi kedua.")
    assert first != article_identity("Pengumuman", "2025-08-06", "Isi pertama.")


def test_crlf_bom_and_variant_keys() -> None:
    text = ("\ufeffJembatan Gantung Diperbaiki\r\n\r\nPenulis: Rudi Hartono\r\nSumber : Humas Pemkab\r\n\r\n"
            "Warga gotong royong memperbaiki jembatan gantung di desa.\r\n\r\n(*)\r\n"
            "Kategori :Pembangunan\r\n")
    article = parse_text_article(text, "x.txt")
    assert article.title == "Jembatan Gantung Diperbaiki"
    assert article.date is None
    assert article.author == "Rudi Hartono"
    assert article.category == "Pembangunan"
    assert article.source == "Humas Pemkab"
    assert article.extra == {"signature": "*"}
    assert article.text == "Warga gotong royong memperbaiki jembatan gantung di desa."


def test_unparseable_dateline_is_kept_raw() -> None:
    # 14 Agt 2025 was a Thursday (Kamis), so the dateline contradicts itself
    text = "Judul Berita\n\nSelasa 14 Agt 2025 - 08:30 WIB\n\nIsi berita singkat di sini.\n"
    article = parse_text_article(text, "x.txt")
    assert article.date is None
    assert article.extra["date_raw"] == "Selasa 14 Agt 2025 - 08:30 WIB"
    assert article.text == "Isi berita singkat di sini."


def test_body_dates_and_parentheses_stay_in_body() -> None:
    text = ("Rapat Anggaran\n\nRapat digelar Rabu (6/8/2025) di balai desa.\n\n"
            "Hasilnya diumumkan kemudian. (6/8/2025)\n")
    article = parse_text_article(text, "x.txt")
    assert article.date is None  # a date inside a body paragraph is not the publication date
    assert article.text.startswith("Rapat digelar Rabu")
    assert article.text.endswith("(6/8/2025)")  # a date is not a signature
    assert "signature" not in article.extra and "dateline_place" not in article.extra


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty file"),
    ("  \n\t\n", "empty file"),
    ("Hanya Judul\n\n", "no body"),
    ("Hanya Judul\n\nRabu 06 Aug 2025 - 21:08 WIB\nReporter : Seseorang\n\nKategori : Umum\n", "no body"),
])
def test_skips_with_reason(text: str, reason: str) -> None:
    with pytest.raises(SkipInput, match=reason) as info:
        parse_text_article(text, "kosong.txt")
    assert str(info.value).startswith("kosong.txt: ")
    assert "\n" not in str(info.value)


def test_real_seed_article(shared_data: Path) -> None:
    path = shared_data / "seed" / "000_02fc3cd6c6598f7b.txt"
    raw = path.read_text(encoding="utf-8")
    article = parse_text_article(raw, str(path))
    assert article.title == raw.splitlines()[0].strip()  # the title line, read from the file, not copied here
    assert article.date == "2025-08-06T21:08:00+07:00"
    assert article.author == "Lusiana Purba"
    assert article.category == ""
    assert article.extra["dateline_place"] == "BALIKBUKIT"
    assert article.extra["signature"] == "lusiana"
    assert article.text.startswith("BALIKBUKIT")
    for leftover in ("Reporter", "Kategori", "(lusiana)", "21:08 WIB"):
        assert leftover not in article.text
    assert len(article.text.split("\n\n")) > 5
