"""File fuzzing: mutated inputs of every format through ``telusur ingest``; no tracebacks, no hangs, one line each.

    python scripts/fuzz_files.py --files 1000 --seed 7 --work /tmp/fuzz-files

Makes one small good file per format (html, txt, jsonl, csv, pdf, docx, xlsx, pptx, odt, png) with
scripts/docmaker.py, then ``--files`` mutants (bit flips, truncations, zeroed and repeated blocks, wrong
encodings, huge lines, deep nesting; Office and ODF files also with a mutated XML member inside a valid zip),
seeded, and ingests them in batches (one ``telusur ingest`` process per batch, ``TELUSUR_FILE_SECONDS`` per file,
a wall-clock bound per batch). Prints one JSON object: files per format and mutation, batches, exit statuses,
tracebacks, hangs (batches past their bound), files with more than one line, stray stderr lines, and whether
the index still answers; exit 1 if anything is wrong.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scripts import docmaker  # noqa: E402

FORMATS = ("html", "txt", "jsonl", "csv", "pdf", "docx", "xlsx", "pptx", "odt", "png")
TEXT_FORMATS = {"html", "txt", "jsonl", "csv"}
ZIP_FORMATS = {"docx", "xlsx", "pptx", "odt"}
# Text written for this script (not from ../shared/data).
PARAGRAPHS = ["Pemerintah Kabupaten Pringsewu meluncurkan layanan jemput bola untuk dokumen kependudukan di desa.",
              "Petugas datang dengan mobil keliling setiap Selasa dan Kamis; warga cukup membawa kartu keluarga.",
              "Sejak Maret 2024 lebih dari 1.200 akta kelahiran diterbitkan tanpa warga harus ke ibu kota kabupaten."]
TITLE = "Layanan Jemput Bola Dokumen Kependudukan Pringsewu"
EXPECTED_PREFIXES = ("skipped: ", "note: ", "articles: ", "menyiapkan model", "warning: ")
SUMMARY = re.compile(r"^\d+ input\(s\) skipped \(listed above\); exit status 1$")
# A file's line names it; a dump's line also names the record (``path:LINE: reason``): one line per record.
FILE_LINE = re.compile(r"(m\d{5}-[a-z_]+\.[a-z]+)(:\d+(?=:))?")


def make_originals(folder: Path) -> dict[str, Path]:
    """One small good file per format."""
    folder.mkdir(parents=True, exist_ok=True)
    body = "\n\n".join(PARAGRAPHS)
    files = {fmt: folder / f"asli.{fmt}" for fmt in FORMATS}
    files["html"].write_text(f"<!doctype html><html><head><title>{TITLE}</title><meta name='date' "
                             f"content='2024-03-05'></head><body><article><h1>{TITLE}</h1>"
                             + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</article></body></html>", "utf-8")
    files["txt"].write_text(f"{TITLE}\n\nRabu 06 Mar 2024 - 10:00 WIB\n\nMedia : Warta Uji\n\n{body}\n", "utf-8")
    files["jsonl"].write_text("\n".join(json.dumps({"id": f"uji-{n}", "title": f"{TITLE} {n}", "text": p,
                                                    "date": "2024-03-05", "source": "Warta Uji"}, ensure_ascii=False)
                                        for n, p in enumerate(PARAGRAPHS)) + "\n", "utf-8")
    files["csv"].write_text("id,title,text,date,source\n" + "".join(
        f'uji-csv-{n},"{TITLE} {n}","{p}",2024-03-05,Warta Uji\n' for n, p in enumerate(PARAGRAPHS)), "utf-8")
    blocks = docmaker.blocks_from_text(TITLE, ["Latar Belakang", *PARAGRAPHS])
    docmaker.write_pdf(files["pdf"], blocks, columns=1, header="Profil Inovasi", footer="Uji")
    docmaker.write_docx(files["docx"], blocks)
    docmaker.write_xlsx(files["xlsx"], {"2024": [["Nama", "Keterangan"], *[[f"Inovasi {n}", p]
                                                                            for n, p in enumerate(PARAGRAPHS)]]})
    docmaker.write_pptx(files["pptx"], [(TITLE, PARAGRAPHS[:2], PARAGRAPHS[2])], title=TITLE)
    docmaker.write_odt(files["odt"], blocks)
    _write_png(files["png"], PARAGRAPHS[0])
    return files


def _write_png(path: Path, text: str) -> None:
    """A small image of one line of text (OCR'd in about a second)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (900, 60), 255)
    ImageDraw.Draw(image).text((10, 15), text[:70], fill=0, font=ImageFont.load_default(size=22))
    image.save(path)


# --- mutations: each takes the original bytes and a seeded Random and returns new bytes -----------------------

def bit_flips(data: bytes, rnd: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rnd.choice((1, 2, 8, 64))):
        i = rnd.randrange(len(out))
        out[i] ^= 1 << rnd.randrange(8)
    return bytes(out)


def truncation(data: bytes, rnd: random.Random) -> bytes:
    return data[: rnd.randrange(len(data))]


def zeroed_block(data: bytes, rnd: random.Random) -> bytes:
    i = rnd.randrange(len(data))
    n = rnd.randrange(1, 512)
    return data[:i] + b"\x00" * n + data[i + n:]


def repeated_block(data: bytes, rnd: random.Random) -> bytes:
    i = rnd.randrange(len(data))
    block = data[i: i + rnd.randrange(1, 4096)]
    return data[:i] + block * rnd.randrange(2, 50) + data[i:]


def wrong_encoding(data: bytes, rnd: random.Random) -> bytes:
    text = data.decode("utf-8", "replace") + " Ibu kota: Jakarta — “kutipan” café ±"
    codec = rnd.choice(("utf-16", "utf-16-be", "utf-32", "cp1252", "latin-1", "shift_jis", "cp037"))
    raw = text.encode(codec, "replace")
    return raw if rnd.random() < 0.7 else raw + b"\xff\xfe\xc3\x28\xa0\xa1\xed\xa0\x80"


def huge_line(data: bytes, rnd: random.Random) -> bytes:
    """A line of megabytes: one unbroken token, or a long run of words."""
    line = b"A" * rnd.choice((1 << 20, 3 << 20)) if rnd.random() < 0.6 else b"kata " * 40_000
    i = rnd.randrange(len(data))
    return data[:i] + line + data[i:]


def deep_nesting(data: bytes, rnd: random.Random) -> bytes:
    depth = rnd.choice((1_000, 50_000, 200_000))
    opener, closer = rnd.choice(((b"<div>", b"</div>"), (b"[", b"]"), (b'{"a":', b"}"), (b"<<", b">>"),
                                 (b"<w:p><w:r>", b"</w:r></w:p>")))
    i = rnd.randrange(len(data))
    return data[:i] + opener * depth + (closer * depth if rnd.random() < 0.5 else b"") + data[i:]


def inner_member(data: bytes, rnd: random.Random) -> bytes:
    """A valid zip whose largest XML member is mutated (the readers' XML parsers, not the zip layer, see it)."""
    import io

    source = zipfile.ZipFile(io.BytesIO(data))
    names = [n for n in source.namelist() if n.endswith(".xml")]
    target = max(names, key=lambda n: source.getinfo(n).file_size)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dest:
        for info in source.infolist():
            member = source.read(info)
            if info.filename == target:
                member = rnd.choice((bit_flips, truncation, deep_nesting, repeated_block))(member, rnd)
            dest.writestr(info, member)
    return out.getvalue()


MUTATIONS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "bit_flips": bit_flips, "truncation": truncation, "zeroed_block": zeroed_block,
    "repeated_block": repeated_block, "wrong_encoding": wrong_encoding, "huge_line": huge_line,
    "deep_nesting": deep_nesting, "inner_member": inner_member}


def mutations_for(fmt: str) -> list[str]:
    names = [n for n in MUTATIONS if n != "inner_member" or fmt in ZIP_FORMATS]
    return names if fmt in TEXT_FORMATS else [n for n in names if n != "wrong_encoding"]


def make_mutants(originals: dict[str, Path], folder: Path, count: int, seed: int,
                 batch_size: int) -> list[tuple[Path, str, str]]:
    """``count`` mutants, formats in turn, in batch folders; returns (path, format, mutation)."""
    rnd = random.Random(seed)
    made = []
    for n in range(count):
        fmt = FORMATS[n % len(FORMATS)]
        mutation = rnd.choice(mutations_for(fmt))
        data = MUTATIONS[mutation](originals[fmt].read_bytes(), rnd)
        batch = folder / f"batch-{n // batch_size:03d}"
        batch.mkdir(parents=True, exist_ok=True)
        path = batch / f"m{n:05d}-{mutation}.{fmt}"
        path.write_bytes(data)
        made.append((path, fmt, mutation))
    return made


def ingest_batch(batch: Path, index: Path, *, file_seconds: int, bound: float) -> dict:
    """One ``telusur ingest`` process over a batch folder; what it printed, judged."""
    env = {**os.environ, "TELUSUR_FILE_SECONDS": str(file_seconds), "TELUSUR_MAX_ROWS": "2000"}
    started = time.monotonic()
    try:
        run = subprocess.run([sys.executable, "-m", "search_app.cli", "ingest", str(batch), "--index", str(index),
                              "--quiet"], capture_output=True, text=True, timeout=bound, env=env,
                             cwd=Path(__file__).resolve().parent.parent)
    except subprocess.TimeoutExpired as err:
        return {"batch": batch.name, "hang": True, "seconds": round(time.monotonic() - started, 1),
                "stderr_tail": (err.stderr or b"")[-2000:].decode("utf-8", "replace")}
    return judge(batch, run.returncode, run.stderr, time.monotonic() - started)


def judge(batch: Path, returncode: int, stderr: str, seconds: float) -> dict:
    """Exit status 0 or 1, no traceback, at most one line per file, every line of a known kind."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    per_file = collections.Counter(m.group(0) for line in lines for m in [FILE_LINE.search(line)] if m)
    return {"batch": batch.name, "hang": False, "returncode": returncode, "seconds": round(seconds, 1),
            "tracebacks": sum("Traceback" in line for line in lines),
            "files_with_several_lines": sorted(name for name, n in per_file.items() if n > 1),
            "skip_lines": sum(line.startswith("skipped: ") for line in lines),
            "stray_lines": [line[:300] for line in lines
                            if not line.startswith(EXPECTED_PREFIXES) and not SUMMARY.match(line)][:10]}


def index_answers(index: Path) -> bool:
    run = subprocess.run([sys.executable, "-m", "search_app.cli", "search", "jemput bola dokumen kependudukan",
                          "--index", str(index), "--json", "-k", "3"], capture_output=True, text=True, timeout=600,
                         cwd=Path(__file__).resolve().parent.parent)
    return run.returncode == 0 and bool(json.loads(run.stdout)["results"])


def campaign(work: Path, *, files: int, seed: int, batch_size: int, file_seconds: int,
             batch_bound: float) -> dict:
    originals = make_originals(work / "asli")
    index = work / "index"
    first = ingest_batch(work / "asli", index, file_seconds=file_seconds, bound=batch_bound)
    mutants = make_mutants(originals, work / "mutan", files, seed, batch_size)
    batches = [ingest_batch(b, index, file_seconds=file_seconds, bound=batch_bound)
               for b in sorted({p.parent for p, _, _ in mutants})]
    counts = collections.Counter((fmt, mutation) for _, fmt, mutation in mutants)
    problems = {"tracebacks": sum(b.get("tracebacks", 0) for b in batches),
                "hangs": sum(b["hang"] for b in batches),
                "bad_exit": sum(b.get("returncode") not in (0, 1) for b in batches if not b["hang"]),
                "files_with_several_lines": sum(len(b.get("files_with_several_lines", [])) for b in batches),
                "stray_lines": sum(len(b.get("stray_lines", [])) for b in batches)}
    return {"files": len(mutants), "seed": seed, "originals_clean": first.get("returncode") == 0,
            "per_format": dict(collections.Counter(fmt for _, fmt, _ in mutants)),
            "per_mutation": dict(collections.Counter(m for _, _, m in mutants)),
            "per_format_and_mutation": {f"{f}/{m}": n for (f, m), n in sorted(counts.items())},
            "skip_lines": sum(b.get("skip_lines", 0) for b in batches), **problems,
            "index_answers": index_answers(index), "batches": batches}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--files", type=int, default=1000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--work", type=Path, default=Path("/tmp/telusur-fuzz-files"))
    p.add_argument("--batch-size", type=int, default=100)
    p.add_argument("--file-seconds", type=int, default=20, help="TELUSUR_FILE_SECONDS for the ingests")
    p.add_argument("--batch-bound", type=float, default=1800, help="seconds before a batch counts as a hang")
    args = p.parse_args()
    if args.work.exists() and any(args.work.iterdir()):
        raise SystemExit(f"{args.work} is not empty; give a new --work folder")
    result = campaign(args.work, files=args.files, seed=args.seed, batch_size=args.batch_size,
                      file_seconds=args.file_seconds, batch_bound=args.batch_bound)
    print(json.dumps(result, indent=1, ensure_ascii=False))
    bad = result["tracebacks"] or result["hangs"] or result["bad_exit"] or result["files_with_several_lines"]
    return 1 if bad or result["stray_lines"] or not result["index_answers"] or not result["originals_clean"] else 0


if __name__ == "__main__":
    sys.exit(main())
