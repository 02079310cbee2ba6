"""Bad and hostile documents beside good ones: one line each naming the file, exit 1, good files indexed."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.test_documents import PROFILE

sys.path.insert(0, str(REPO))
from scripts import docmaker  # noqa: E402

QUESTION = "mobil keliling dokumen kependudukan"


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search_app.cli", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=900, env={**os.environ, **(env or {})})


def _png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels (a decompression bomb's first bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    body = chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


def _zip_bomb(good: Path, target: Path, megabytes: int = 260) -> None:
    """``good`` (an Office zip) with one more member that inflates to ``megabytes`` of zeros."""
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in src.infolist():
            out.writestr(item, src.read(item))
        with out.open("word/media/padding.bin" if good.suffix == ".docx" else "xl/media/padding.bin", "w",
                      force_zip64=True) as member:
            block = b"\x00" * (1 << 20)
            for _ in range(megabytes):
                member.write(block)


def _make_files(good: Path, bad: Path) -> dict[str, str]:
    """Good files in ``good``; hostile ones in ``bad``; returns bad file name -> words its line must hold."""
    import pikepdf

    blocks = docmaker.blocks_from_text("Profil Inovasi Jemput Bola", PROFILE)
    docmaker.write_pdf(good / "profil.pdf", blocks, columns=2, header="Profil Inovasi", footer="Uji")
    docmaker.write_docx(good / "laporan.docx", docmaker.blocks_from_text("Laporan Bimtek Inovasi", PROFILE[3:]))
    docmaker.write_xlsx(good / "daftar.xlsx", {"2024": [["Nama Inovasi", "OPD"], ["Jemput Bola", "Disdukcapil"]]})
    (good / "warta.txt").write_text("Pekon Sukamaju Gelar Musyawarah Inovasi\n\nMedia : Warta Pekon\n\n"
                                    "Warga Pekon Sukamaju menggelar musyawarah untuk memilih usulan inovasi desa "
                                    "yang akan diajukan ke kabupaten tahun depan.\n", encoding="utf-8")
    with pikepdf.open(good / "profil.pdf") as pdf:
        pdf.save(bad / "terkunci.pdf", encryption=pikepdf.Encryption(owner="pemilik", user="rahasia"))
    raw = (good / "profil.pdf").read_bytes()
    (bad / "terpotong.pdf").write_bytes(raw[: len(raw) * 2 // 3])
    pikepdf.new().save(bad / "kosong.pdf")
    with pikepdf.open(good / "profil.pdf") as pdf:  # JavaScript and an embedded file: read the text, ignore them
        pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert('x')"))
        pdf.attachments["lampiran.txt"] = pikepdf.AttachedFileSpec(pdf, b"lampiran tersembunyi")
        pdf.save(good / "dengan-skrip.pdf")
    _zip_bomb(good / "laporan.docx", bad / "bom.docx")
    _zip_bomb(good / "daftar.xlsx", bad / "bom.xlsx")
    rows = [["No", "Nama"]] + [[i, f"baris {i}"] for i in range(1, 2_000)]
    docmaker.write_xlsx(bad / "sejuta.xlsx", {"Data": rows})
    (bad / "raksasa.png").write_bytes(_png_header(30_000, 30_000))
    # ~20 scanned pages: OCR outlasts the 4 s limit even on an idle machine (it is checked between page batches)
    docmaker.write_pdf(bad / "lambat-sumber.pdf", docmaker.blocks_from_text("Profil", PROFILE * 60), columns=1)
    docmaker.scan_pdf(bad / "lambat-sumber.pdf", bad / "lambat.pdf", dpi=150)
    (bad / "lambat-sumber.pdf").unlink()
    return {"terkunci.pdf": "password", "terpotong.pdf": "truncated", "kosong.pdf": "zero pages",
            "bom.docx": "zip bomb", "bom.xlsx": "zip bomb", "sejuta.xlsx": "more than 100 rows",
            "raksasa.png": "pixels", "lambat.pdf": "per-file limit of 4 s"}


@pytest.mark.server
def test_hostile_files_each_get_one_line_and_good_files_are_indexed(tmp_path):
    good, bad, index = tmp_path / "dokumen", tmp_path / "dokumen" / "masalah", tmp_path / "index"
    bad.mkdir(parents=True)
    expected = _make_files(good, bad)
    first = _cli("ingest", str(good / "warta.txt"), "--index", str(index), "--quiet")
    assert first.returncode == 0, first.stderr
    limits = {"TELUSUR_FILE_SECONDS": "4", "TELUSUR_MAX_ROWS": "100"}
    run = _cli("ingest", str(good), "--index", str(index), "--quiet", env=limits)
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    skipped = [line for line in run.stderr.splitlines() if line.startswith("skipped: ")]
    for name, words in expected.items():
        lines = [line for line in skipped if f"/{name}:" in line]
        assert len(lines) == 1 and words in lines[0], (name, skipped)
    assert len(skipped) == len(expected), skipped
    found = _cli("search", QUESTION, "--index", str(index), "--json", "-k", "20")
    assert found.returncode == 0, found.stderr
    results = json.loads(found.stdout)["results"]
    files = {Path(r["file_url"].split("#")[0]).name for r in results if r["file_url"]}
    # the report repeats the profile's text: a wire copy, shown under the profile's result (also_published)
    titles = {r["title"] for r in results} | {c["title"] for r in results for c in r["also_published"]}
    assert "Profil Inovasi Jemput Bola" in titles and "Laporan Bimtek Inovasi" in titles
    assert len(files) >= 3  # profil.pdf, dengan-skrip.pdf, laporan.docx (daftar.xlsx may rank lower)
    warta = _cli("search", "musyawarah inovasi Pekon Sukamaju", "--index", str(index), "--json", "-k", "1")
    top = json.loads(warta.stdout)["results"][0]
    assert top["title"] == "Pekon Sukamaju Gelar Musyawarah Inovasi" and top["source"] == "Warta Pekon"
