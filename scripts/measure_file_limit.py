"""Measure what the hard per-file limit costs (not a test): 50 small documents read in this process, through
the reused worker process (what ``telusur ingest`` does), and through a new process per file.

    python scripts/measure_file_limit.py [--files 50] [--repeat 3]

Also shows why a worker process is needed: ``signal.setitimer`` cannot cut one long C call (PBKDF2, zlib),
its handler runs only when the call returns.
"""

from __future__ import annotations

import argparse
import hashlib
import signal
import sys
import tempfile
import time
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ingest.formats import detect  # noqa: E402
from ingest.formats.base import ReadOptions  # noqa: E402
from ingest.formats.reading import read_articles  # noqa: E402
from ingest.formats.worker import DocumentWorker  # noqa: E402
from scripts import docmaker  # noqa: E402
from scripts.make_demo_documents import PROFILE, PROFILE_TITLE  # noqa: E402


def documents(folder: Path, count: int) -> list[Path]:
    """``count`` small documents: two-page PDFs, DOCX reports and XLSX lists, in turn."""
    paths = []
    for i in range(count):
        blocks = docmaker.blocks_from_text(f"{PROFILE_TITLE} {i}", PROFILE)
        kind = ("pdf", "docx", "xlsx")[i % 3]
        path = folder / f"dokumen-{i}.{kind}"
        if kind == "pdf":
            docmaker.write_pdf(path, blocks)
        elif kind == "docx":
            docmaker.write_docx(path, blocks)
        else:
            docmaker.write_xlsx(path, {"2024": [["Nama Inovasi", "OPD"]] + [[f"Inovasi {i}-{r}", "Bappeda"]
                                                                            for r in range(30)]})
        paths.append(path)
    return paths


def timed(read_one, paths: list[Path], repeat: int) -> float:
    """Fastest of ``repeat`` passes over ``paths`` (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        for path in paths:
            items = read_one(path)
            if not any(hasattr(item, "text") for item in items):
                raise RuntimeError(f"{path}: {items}")
        best = min(best, time.perf_counter() - started)
    return best


def setitimer_on_c_calls() -> None:
    """Print when a 0.5 s ``setitimer`` alarm actually interrupts long C calls."""
    class Alarm(Exception):
        pass

    def ring(*_: object) -> None:
        raise Alarm

    signal.signal(signal.SIGALRM, ring)
    data = b"\0" * (400 << 20)
    for name, call in (("time.sleep(3)", lambda: time.sleep(3)),
                       ("hashlib.pbkdf2_hmac, 3M rounds", lambda: hashlib.pbkdf2_hmac("sha256", b"x", b"y", 3_000_000)),
                       ("zlib.compress of 400 MB", lambda: zlib.compress(data, 9))):
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        started = time.perf_counter()
        try:
            call()
            how = "ran to its end"
        except Alarm:
            how = "interrupted"
        signal.setitimer(signal.ITIMER_REAL, 0)
        print(f"setitimer 0.5 s, {name}: {how} after {time.perf_counter() - started:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = documents(Path(tmp), args.files)
        options = ReadOptions(seconds_per_file=120)

        def fresh(path: Path) -> list:
            with DocumentWorker() as worker:
                return worker.read(path, detect(path), options)

        inline = timed(lambda p: list(read_articles(p, detect(p), options)), paths, args.repeat)
        with DocumentWorker() as worker:
            worker.read(paths[0], detect(paths[0]), options)  # started once, as in an ingest
            reused = timed(lambda p: worker.read(p, detect(p), options), paths, args.repeat)
        per_file = timed(fresh, paths, args.repeat)
    n = len(paths)
    print(f"{n} small documents (PDF, DOCX, XLSX): in-process {inline * 1000 / n:.1f} ms/file; reused worker "
          f"{reused * 1000 / n:.1f} ms/file (+{(reused - inline) * 1000 / n:.1f}); new process per file "
          f"{per_file * 1000 / n:.1f} ms/file (+{(per_file - inline) * 1000 / n:.1f})")
    setitimer_on_c_calls()


if __name__ == "__main__":
    main()
