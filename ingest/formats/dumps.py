"""Article dumps: JSON Lines and CSV with fields id, title, text, date, source, url, category.

Bad lines or rows become ``SkipInput("path:line: reason")`` items and reading goes on; a file that
cannot be read or is not UTF-8 (a BOM is fine) is one ``SkipInput`` naming the file.
"""

from __future__ import annotations

import codecs
import csv
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path

from ingest import jsonsafe
from ingest.article import ARTICLE_ID_RULE, Article, SkipInput, make_article_id, unencodable_field, valid_article_id
from ingest.dates import parse_date
from ingest.formats.base import ReadOptions
from ingest.formats.text import article_identity

FIELDS = ("id", "title", "text", "date", "source", "url", "category", "author")


def _as_text(value: object) -> str:
    """A field value as a string: None -> "", str as is, anything else as JSON."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def record_to_article(record: Mapping[str, object], origin: str, where: str) -> Article:
    """Build an Article from one dump record; raises SkipInput(f"{where}: ...") without text.

    Unknown fields go to ``extra`` as strings; an unparseable date is kept in extra["date_raw"].
    Without an id: make_article_id(url), or title + date (+ start of text when undated).
    """
    fields = {str(k): _as_text(v) for k, v in record.items() if k is not None}
    if (bad := unencodable_field(fields)) is not None:
        raise SkipInput(f"{where}: field {bad!r} holds a lone surrogate (\\ud800-\\udfff), not valid Unicode text")
    text = re.sub(r"\n{3,}", "\n\n", fields.get("text", "").replace("\r\n", "\n")).strip()
    if not text:
        raise SkipInput(f"{where}: no text" if record.get("text") is None else f"{where}: empty text")
    title = " ".join(fields.get("title", "").split())
    raw_date = fields.get("date", "").strip()
    date = parse_date(raw_date) if raw_date else None
    url = fields.get("url", "").strip()
    extra = {k: v for k, v in fields.items() if k not in FIELDS}
    if raw_date and date is None:
        extra["date_raw"] = raw_date
    article_id = fields.get("id", "").strip()
    if article_id and not valid_article_id(article_id):
        raise SkipInput(f"{where}: field 'id' must be {ARTICLE_ID_RULE} (got {article_id[:40]!r})")
    if not article_id:
        article_id = make_article_id(url) if url else article_identity(title, date, text)
    return Article(article_id=article_id, title=title, text=text, date=date,
                   source=fields.get("source", "").strip(), url=url,
                   category=fields.get("category", "").strip(), author=fields.get("author", "").strip(),
                   origin=origin, extra=extra)


def _unreadable(path: Path) -> SkipInput | None:
    """SkipInput naming the file if it cannot be read or is not UTF-8; checked in chunks."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as f:
            offset = 0
            while chunk := f.read(1 << 20):
                decoder.decode(chunk)
                offset += len(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError as err:
        return SkipInput(f"{path}: not UTF-8 text (invalid byte near offset {offset + err.start})")
    except OSError as err:
        return SkipInput(f"{path}: cannot read ({err.strerror or err})")
    return None


def read_jsonl(path: Path) -> Iterator[Article | SkipInput]:
    """Articles of a JSON Lines dump, one object per line; blank lines are ignored."""
    if problem := _unreadable(path):
        yield problem
        return
    with path.open(encoding="utf-8-sig") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                record = jsonsafe.loads(line)
            except json.JSONDecodeError as err:
                yield SkipInput(f"{where}: not JSON ({err.msg})")
                continue
            except jsonsafe.TooDeep as err:
                yield SkipInput(f"{where}: {err}")
                continue
            if not isinstance(record, dict):
                yield SkipInput(f"{where}: not a JSON object")
                continue
            try:
                yield record_to_article(record, str(path), where)
            except SkipInput as skip:
                yield skip


def read_csv(path: Path) -> Iterator[Article | SkipInput]:
    """Articles of a CSV dump with a header row naming the columns (``text`` required, any case).

    Skip messages give the line where the row starts and its row number (header excluded).
    """
    if problem := _unreadable(path):
        yield problem
        return
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 27))  # article bodies exceed the 128 KiB default
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        try:
            header = reader.fieldnames
        except csv.Error as err:
            yield SkipInput(f"{path}: bad CSV header ({err})")
            return
        if not header:
            yield SkipInput(f"{path}: empty file (a header row is required)")
            return
        names = [name.strip().lower() if name.strip().lower() in FIELDS else name.strip() for name in header]
        if "text" not in names:
            yield SkipInput(f"{path}: no 'text' column in the header row {header[:8]}")
            return
        reader.fieldnames = names
        row_number, start_line = 0, reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as err:
                yield SkipInput(f"{path}:{start_line}: bad CSV row ({err})")
                start_line = reader.line_num + 1
                continue
            row_number += 1
            where = f"{path}:{start_line}: row {row_number}"
            start_line = reader.line_num + 1
            try:
                yield record_to_article(row, str(path), where)
            except SkipInput as skip:
                yield skip


def read(path: Path, options: ReadOptions) -> Iterator[Article | SkipInput]:
    """Articles of a dump: CSV for ``.csv``, else JSON Lines."""
    yield from read_csv(path) if path.suffix.lower() == ".csv" else read_jsonl(path)
