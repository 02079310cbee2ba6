"""JSONL and CSV dumps: good records become Articles, bad lines become SkipInput and reading goes on."""

from __future__ import annotations

import csv
import itertools
import json
from pathlib import Path

from ingest.article import Article, SkipInput
from ingest.formats.dumps import read_csv, read_jsonl
from ingest.formats.text import article_identity

GOOD = {"id": "berita-1", "title": "Bazar Murah  Jelang Lebaran",
        "text": "Pemkot menggelar bazar murah.\n\nWarga antre.", "date": "Senin, 14/04/2025 09:30 WIB",
        "source": "kabarkota", "url": "https://kabarkota.example/bazar",
        "category": "Ekonomi", "penulis_foto": "Andi", "halaman": 2}


def _split(items: list[Article | SkipInput]) -> tuple[list[Article], list[str]]:
    return [i for i in items if isinstance(i, Article)], [str(i) for i in items if isinstance(i, SkipInput)]


def test_jsonl_good_and_bad_lines(tmp_path: Path) -> None:
    path = tmp_path / "dump.jsonl"
    lines = [
        json.dumps(GOOD),
        "",  # blank: ignored silently
        "{bukan json",
        json.dumps(["daftar", "bukan", "objek"]),
        json.dumps({"id": "tanpa-teks", "title": "Judul saja"}),
        json.dumps({"id": "teks-kosong", "text": "   "}),
        json.dumps({"title": "Tanpa Id", "text": "Isi berita.", "date": "minggu lalu", "url": "https://k.example/a"}),
        json.dumps({"title": "Tanpa Url", "text": "Isi lain.", "date": "2025-08-06"}),
    ]
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    articles, skips = _split(list(read_jsonl(path)))
    assert skips == [f"{path}:3: not JSON (Expecting property name enclosed in double quotes)",
                     f"{path}:4: not a JSON object", f"{path}:5: no text", f"{path}:6: empty text"]
    first, no_id, no_url = articles
    assert first.article_id == "berita-1"
    assert first.title == "Bazar Murah Jelang Lebaran"
    assert first.text == "Pemkot menggelar bazar murah.\n\nWarga antre."
    assert first.date == "2025-04-14T09:30:00+07:00"
    assert (first.source, first.category) == ("kabarkota", "Ekonomi")
    assert first.url == "https://kabarkota.example/bazar"
    assert first.extra == {"penulis_foto": "Andi", "halaman": "2"}
    assert first.origin == str(path)
    assert no_id.date is None and no_id.extra == {"date_raw": "minggu lalu"}
    assert no_id.article_id != no_url.article_id
    assert len(no_id.article_id) == 16
    assert no_url.article_id == article_identity("Tanpa Url", "2025-08-06", "Isi lain.")


def test_jsonl_ids_without_id_are_stable(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "sub.jsonl"
    a.write_text(json.dumps({"title": "Judul", "text": "Satu."}) + "\n", encoding="utf-8")
    b.write_text(json.dumps({"title": "Judul", "text": "Satu.", "extra": 1}) + "\n", encoding="utf-8")
    assert next(read_jsonl(a)).article_id == next(read_jsonl(b)).article_id


def test_non_utf8_dump_fails_as_a_whole(tmp_path: Path) -> None:
    path = tmp_path / "latin.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + '{"text": "kafe caf\xe9"}\n'.encode("latin-1"))
    items = list(read_jsonl(path))
    assert len(items) == 1 and isinstance(items[0], SkipInput)
    assert str(items[0]).startswith(f"{path}: not UTF-8")
    missing = list(read_jsonl(tmp_path / "tidak-ada.jsonl"))
    assert len(missing) == 1 and "cannot read" in str(missing[0])


def test_csv_rows(tmp_path: Path) -> None:
    path = tmp_path / "dump.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "Title", " TEXT ", "date", "url", "wilayah"])
        writer.writerow(["c1", "Sungai Meluap", "Air naik setinggi lutut.\n\nWarga mengungsi.",
                         "6 Agustus 2025", "https://x.example/1", "Jambi"])
        writer.writerow(["c2", "Tanpa Isi", "", "2025-08-07", "", ""])
        writer.writerow(["c3", "Baris Pendek"])
        writer.writerow(["", "Tanpa Id", "Isi ada.", "", "https://x.example/3", ""])
    articles, skips = _split(list(read_csv(path)))
    # the first row spans lines 2-4 (a quoted multi-line text), so the next rows start on lines 5 and 6
    assert skips == [f"{path}:5: row 2: empty text", f"{path}:6: row 3: no text"]
    first, no_id = articles
    assert first.article_id == "c1"
    assert first.text == "Air naik setinggi lutut.\n\nWarga mengungsi."
    assert first.date == "2025-08-06"
    assert first.extra == {"wilayah": "Jambi"}
    assert no_id.article_id not in ("", "c1") and len(no_id.article_id) == 16
    assert no_id.date is None and "date_raw" not in no_id.extra


def test_csv_needs_header_with_text(tmp_path: Path) -> None:
    headerless = tmp_path / "tanpa-header.csv"
    headerless.write_text("k1,Judul,Isi berita\n", encoding="utf-8")
    items = list(read_csv(headerless))
    assert len(items) == 1 and isinstance(items[0], SkipInput)
    assert "no 'text' column" in str(items[0]) and str(headerless) in str(items[0])
    empty = tmp_path / "kosong.csv"
    empty.write_text("", encoding="utf-8")
    assert [str(i) for i in read_csv(empty)] == [f"{empty}: empty file (a header row is required)"]


def test_csv_long_text_field(tmp_path: Path) -> None:
    path = tmp_path / "panjang.csv"
    body = "Kalimat panjang tentang pembangunan desa. " * 5000  # ~210 KB, over csv's default field limit
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([["title", "text"], ["Panjang", body]])
    (article,) = list(read_csv(path))
    assert isinstance(article, Article) and article.text == body.strip()


def test_real_indosum_first_50(shared_data: Path) -> None:
    path = shared_data / "indosum-news" / "corpus.jsonl"
    items = list(itertools.islice(read_jsonl(path), 50))
    articles, skips = _split(items)
    assert skips == [] and len(articles) == 50
    with path.open(encoding="utf-8") as f:
        raw = [json.loads(line) for line in itertools.islice(f, 50)]
    assert [a.article_id for a in articles] == [r["id"] for r in raw]
    assert len({a.article_id for a in articles}) == 50
    for article, record in zip(articles, raw):
        assert article.title == " ".join(record["title"].split()) and article.text
        assert article.date == record["date"]  # already ISO dates in this dump
        assert article.source == record["source"] and article.url == record["url"]
        assert article.extra == {"date_source": record["date_source"]}
