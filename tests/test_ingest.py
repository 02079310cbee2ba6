"""Ingest end to end with the real model and a real Chroma store: idempotence, changes, prune, bad input."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from ingest.pipeline import ingest_paths
from ingest.store import Index
from search_app.cli import main as cli_main
from tests import tiny
from tests.conftest import REPO

PARAGRAPH = (
    "Pemerintah desa {name} membuka layanan surat keterangan secara daring sejak awal tahun. "
    "Warga cukup mengisi formulir di ponsel dan menerima surat dalam dua hari kerja. "
    "Kepala desa menyebut jumlah permohonan naik menjadi {n} berkas per bulan."
)


def _jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def _record(i: int, name: str = "Sukamaju") -> dict:
    text = "\n\n".join(PARAGRAPH.format(name=f"{name} {i}", n=100 + j) for j in range(3))
    return {
        "id": f"desa-{i}",
        "title": f"Layanan daring desa {name} {i}",
        "text": text,
        "date": "2024-05-0" + str(1 + i % 9),
        "source": "Warta Uji",
        "url": f"https://warta.example/{i}",
        "category": "Daerah",
    }


def _ingest(paths, index, embedder, **kw):
    return ingest_paths(paths, index, embedder, show_progress=False, log=lambda line: None, **kw)


def test_second_run_adds_and_embeds_nothing(tmp_path, embedder):
    dump = _jsonl(tmp_path / "a.jsonl", [_record(i) for i in range(4)])
    index = Index(tmp_path / "idx")
    first = _ingest([dump], index, embedder)
    assert first.read == 4 and first.added > 0 and not first.skipped
    second = _ingest([dump], index, embedder)
    assert (second.added, second.removed, second.embedded) == (0, 0, 0)
    assert second.unchanged == first.added == index.passage_count() == index.vectors.count()


def test_changed_article_replaces_its_passages_without_reembedding_the_rest(tmp_path, embedder):
    records = [_record(i) for i in range(3)]
    dump = _jsonl(tmp_path / "a.jsonl", records)
    index = Index(tmp_path / "idx")
    _ingest([dump], index, embedder)
    old_ids = set(index.passage_ids_of("desa-1"))
    records[1]["text"] = "Desa ini kini memakai aplikasi antrean puskesmas keliling. " * 5
    _jsonl(dump, records)
    report = _ingest([dump], index, embedder)
    assert report.read == 3 and report.unchanged_articles == 2
    assert report.added >= 1 and report.removed == len(old_ids)
    assert not old_ids & set(index.passage_ids_of("desa-1"))
    assert index.passage_count() == index.vectors.count()
    assert report.embedded == report.added  # unchanged articles were not re-embedded


def test_prune_removes_articles_whose_source_is_gone(tmp_path, embedder):
    a = _jsonl(tmp_path / "a.jsonl", [_record(1)])
    b = _jsonl(tmp_path / "b.jsonl", [_record(2), _record(3)])
    index = Index(tmp_path / "idx")
    _ingest([tmp_path], index, embedder)
    assert index.article_count() == 3
    a.unlink()
    _jsonl(b, [_record(2)])
    report = _ingest([tmp_path], index, embedder, prune=True)
    assert report.articles_removed == 2
    assert sorted(index.fingerprints()) == ["desa-2"]
    assert index.passage_count() == index.vectors.count()


def test_without_prune_nothing_is_removed(tmp_path, embedder):
    a = _jsonl(tmp_path / "a.jsonl", [_record(1)])
    index = Index(tmp_path / "idx")
    _ingest([a], index, embedder)
    a.unlink()
    _ingest([tmp_path], index, embedder)
    assert index.article_count() == 1


def _bad_inputs(folder: Path) -> dict[str, str]:
    """A folder of broken files; returns file name → a word the skip message must contain."""
    folder.mkdir()
    (folder / "kosong.txt").write_bytes(b"")
    (folder / "biner.html").write_bytes(bytes(range(256)) * 4)
    (folder / "latin1.txt").write_bytes("Judul berita\n\nIsi berita tentang kafe dengan é.".encode("latin-1"))
    (folder / "terpotong.html").write_bytes(b"<html><head><title>Judul</title></head><body><div><p>Berita terpo")
    (folder / "tanpa-isi.html").write_bytes(
        b"<html><head><title>Menu</title></head><body><nav><a href='/'>Beranda</a>"
        b"</nav><footer>Hak cipta</footer></body></html>"
    )
    good = json.dumps(_record(7))
    (folder / "campur.jsonl").write_text(
        f"{good}\nini bukan json\n[1, 2]\n" + json.dumps({"id": "x", "title": "t"}) + "\n", encoding="utf-8"
    )
    (folder / "baris.csv").write_text(
        "id,title,text,date\nc1,Judul satu,Isi berita pertama tentang pasar desa.,2024-01-02\n"
        "c2,Judul dua,,2024-01-03\n",
        encoding="utf-8",
    )
    return {
        "kosong.txt": "empty",
        "biner.html": "binary",
        "latin1.txt": "UTF-8",
        "terpotong.html": "truncated",
        "tanpa-isi.html": "body",
        "campur.jsonl:2": "JSON",
        "campur.jsonl:3": "object",
        "campur.jsonl:4": "text",
        "baris.csv:3": "text",
    }


def test_bad_inputs_are_skipped_with_one_clear_line_each(tmp_path, embedder):
    expected = _bad_inputs(tmp_path / "rusak")
    index = Index(tmp_path / "idx")
    _ingest([_jsonl(tmp_path / "ok.jsonl", [_record(1)])], index, embedder)
    before = index.passage_count()
    report = _ingest([tmp_path / "rusak"], index, embedder)
    assert len(report.skipped) == len(expected), report.skipped
    for where, word in expected.items():
        lines = [s for s in report.skipped if where in s]
        assert len(lines) == 1, (where, report.skipped)
        assert word.lower() in lines[0].lower(), lines[0]
        assert "\n" not in lines[0]
    assert report.read == 2  # the good JSONL line and the good CSV row
    assert index.passage_count() == before + 2  # nothing indexed before was lost


def test_cli_exit_status_says_something_was_skipped(tmp_path, capsys):
    _bad_inputs(tmp_path / "rusak")
    status = cli_main(["ingest", str(tmp_path / "rusak"), "--index", str(tmp_path / "idx"), "--quiet"])
    err = capsys.readouterr().err
    assert status == 1
    assert "skipped" in err and "kosong.txt" in err
    assert (
        cli_main(["ingest", str(tmp_path / "rusak" / "baris.csv"), "--index", str(tmp_path / "idx2"), "--quiet"]) == 1
    )
    ok = _jsonl(tmp_path / "ok.jsonl", [_record(1)])
    assert cli_main(["ingest", str(ok), "--index", str(tmp_path / "idx3"), "--quiet"]) == 0


def test_cli_ingest_with_progress_bar_reports_passages_per_second(tmp_path, capsys):
    dump = _jsonl(tmp_path / "a.jsonl", [_record(i) for i in range(3)])
    assert cli_main(["ingest", str(dump), "--index", str(tmp_path / "idx")]) == 0
    err = capsys.readouterr().err
    assert "passage/s" in err or "passages/s" in err
    assert "3 read" in err and "added" in err


def test_cli_summary_counts_and_the_prune_flag(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TELUSUR_ENCODE_PROCESSES", "1")
    folder = tmp_path / "arsip"
    folder.mkdir()
    records = tiny.records()
    tiny.write_jsonl(folder / "a.jsonl", [*records[:3], tiny.long_record()])
    tiny.write_jsonl(folder / "b.jsonl", records[3:])
    idx = str(tmp_path / "idx")

    def run(*flags: str) -> str:
        assert cli_main(["ingest", str(folder), "--index", idx, "--quiet", *flags]) == 0
        return capsys.readouterr().err

    first = run()
    with sqlite3.connect(tmp_path / "idx" / "articles.sqlite") as db:  # counted here, not by the report
        long = db.execute("SELECT COUNT(*) FROM passages WHERE article_id='panjang-f'").fetchone()[0]
    assert long >= 3  # so that article and passage counts differ below
    assert (f"articles: 6 read, 0 skipped, 0 unchanged, 0 removed | passages: {5 + long} added, 0 unchanged, "
            f"0 removed ({5 + long} embedded") in first
    (folder / "b.jsonl").unlink()
    changed = {"pasar-b": {"text": "Harga alpukat di pasar Wonosari turun tajam pekan ini."}}
    tiny.write_jsonl(folder / "a.jsonl", [*tiny.records(**changed)[:3], tiny.long_record()])
    assert (f"articles: 4 read, 0 skipped, 3 unchanged, 0 removed | passages: 1 added, {2 + long} unchanged, "
            f"1 removed (1 embedded") in run()
    assert Index(idx).article_count() == 6  # without --prune the gone file's articles stay
    assert (f"articles: 4 read, 0 skipped, 4 unchanged, 2 removed | passages: 0 added, {3 + long} unchanged, "
            f"2 removed (0 embedded") in run("--prune")
    assert sorted(Index(idx).fingerprints()) == ["kebun-a", "lereng-c", "panjang-f", "pasar-b"]


def test_htm_pages_are_read_like_html(tmp_path, embedder):
    page = REPO / "corpus" / "html" / "wartadaerah-banyuwangi-desa-melayani.html"
    (tmp_path / "arsip").mkdir()
    (tmp_path / "arsip" / "halaman.htm").write_bytes(page.read_bytes())  # the demo page (written for the project)
    index = Index(tmp_path / "idx")
    report = _ingest([tmp_path / "arsip"], index, embedder)
    assert report.read == 1 and not report.skipped
    (title,) = [r[0] for r in index.db.execute("SELECT title FROM articles")]
    assert "Banyuwangi" in title
