"""Parsing what users type: free text, "exact phrases" and -excluded words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from ingest.analyzer import analyze
from ingest.settings import setting

PHRASE = re.compile(r'["“”]([^"“”]+)["“”]')
EXCLUDED = re.compile(r"(?:(?<=\s)|^)-(\w[\w-]*)", re.UNICODE)
MAX_QUERY_CHARS = 5000  # a pasted paragraph or two (search_app/served.py searches it by its distinctive words)
NON_WORD = re.compile(r"[^\w ]", re.UNICODE)


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    text: str  # what the retrievers see: phrases unquoted, exclusions removed
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)
    keywords: str = ""  # what BM25 and the must-match rule see instead of ``text`` (a long query's distinctive terms)

    @property
    def lexical_text(self) -> str:
        """The words of lexical retrieval, must-match and highlighting: ``keywords`` if set, else the text."""
        return self.keywords or self.text or " ".join(self.phrases)

    def allows(self, text: str) -> bool:
        """True when ``text`` holds every phrase and none of the excluded words."""
        if not (self.phrases or self.excluded):
            return True
        folded = _fold(text)
        if any(_fold(p) not in folded for p in self.phrases):
            return False
        if not self.excluded:
            return True
        words = set(re.findall(r"\w+", folded)) | set(analyze(text))
        return not any(w.lower() in words or set(analyze(w)) & words for w in self.excluded)


def parse_query(raw: str, *, syntax: bool = True) -> ParsedQuery:
    """Split a query into retrieval text, required phrases and excluded words (``syntax=False``: all plain text,
    for natural-language questions that quote speech or hyphenate, as benchmark queries do)."""
    if not syntax:
        return ParsedQuery(raw=raw, text=" ".join(raw.split()))
    phrases = [" ".join(p.split()) for p in PHRASE.findall(raw) if p.strip()]
    without_phrases = PHRASE.sub(lambda m: " " + m.group(1) + " ", raw)
    excluded = EXCLUDED.findall(without_phrases)
    text = " ".join(EXCLUDED.sub(" ", without_phrases).split())
    return ParsedQuery(raw=raw, text=text, phrases=phrases, excluded=excluded)


def _fold(text: str) -> str:
    return " ".join(text.lower().split())


ACRONYMS_FILE = Path(__file__).with_name("data") / "acronyms_id.tsv"


@cache
def load_acronyms(path: str | None = None) -> tuple[tuple[str, str], ...]:
    """(acronym, expansion) pairs from a TSV file (``TELUSUR_ACRONYMS`` or the shipped list)."""
    source = Path(path or setting("acronyms_file") or ACRONYMS_FILE)
    pairs = []
    for lineno, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        short, sep, long = line.partition("\t")
        if not sep or not short.strip() or not long.strip():
            raise ValueError(f"{source}:{lineno}: expected ACRONYM<TAB>expansion")
        pairs.append((short.strip(), long.strip()))
    return tuple(pairs)


def expand_acronyms(text: str, pairs: tuple[tuple[str, str], ...] | None = None) -> str:
    """Extra words for lexical retrieval: the long form of each acronym in ``text`` and vice versa."""
    folded = " " + _fold(NON_WORD.sub(" ", text)) + " "
    extra = []
    for short, long in pairs if pairs is not None else load_acronyms():
        if f" {short.lower()} " in folded and f" {long.lower()} " not in folded:
            extra.append(long)
        elif f" {long.lower()} " in folded and f" {short.lower()} " not in folded:
            extra.append(short)
    return " ".join(extra)
