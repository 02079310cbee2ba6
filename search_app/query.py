"""Parsing what users type: free text, "exact phrases" and -excluded words."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ingest.analyzer import analyze

PHRASE = re.compile(r'["“”]([^"“”]+)["“”]')
EXCLUDED = re.compile(r"(?:(?<=\s)|^)-(\w[\w-]*)", re.UNICODE)
MAX_QUERY_CHARS = 500


@dataclass(frozen=True)
class ParsedQuery:
    raw: str
    text: str  # what the retrievers see: phrases unquoted, exclusions removed
    phrases: list[str] = field(default_factory=list)
    excluded: list[str] = field(default_factory=list)

    def allows(self, text: str) -> bool:
        """True when ``text`` holds every phrase and none of the excluded words."""
        folded = _fold(text)
        if any(_fold(p) not in folded for p in self.phrases):
            return False
        if not self.excluded:
            return True
        words = set(re.findall(r"\w+", folded)) | set(analyze(text))
        return not any(w.lower() in words or set(analyze(w)) & words for w in self.excluded)


def parse_query(raw: str) -> ParsedQuery:
    """Split a query into retrieval text, required phrases and excluded words."""
    phrases = [" ".join(p.split()) for p in PHRASE.findall(raw) if p.strip()]
    without_phrases = PHRASE.sub(lambda m: " " + m.group(1) + " ", raw)
    excluded = EXCLUDED.findall(without_phrases)
    text = " ".join(EXCLUDED.sub(" ", without_phrases).split())
    return ParsedQuery(raw=raw, text=text, phrases=phrases, excluded=excluded)


def _fold(text: str) -> str:
    return " ".join(text.lower().split())
