"""Sentence splitting for Indonesian news text, and packing sentences into passages (pure)."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

# Words followed by a name or number: their period never ends a sentence. Trailing abbreviations
# (dll., dsb., tsb., Tbk., degrees such as M.M. or S.Pd.) end one only when a new sentence starts.
PREFIX_ABBREVIATIONS = frozenset([
    "dr", "drs", "dra", "ir", "h", "hj", "prof", "kh", "moh", "mohd", "moch", "muh", "mhd", "abd", "tgk",
    "pdt", "ust", "bp", "bpk", "sdr", "sdri", "ny", "nn", "tn", "mr", "mrs", "ms", "kol", "jend", "brigjen",
    "mayjen", "letjen", "kapt", "kab", "kec", "kel", "ds", "dsn", "kp", "prov", "jl", "jln", "gg", "no", "pt",
    "cv", "yth", "st", "rp", "vs", "a.n", "u.p", "a.l", "s.d", "d.a", "u.b", "cq",
])
# Abbreviations whose period ends no sentence when a number follows: "6 Agt. 2025", "Telp. 0812".
NUMBER_ABBREVIATIONS = frozenset([
    "jan", "feb", "peb", "mar", "apr", "jun", "jul", "agu", "agt", "ags", "aug", "sep", "sept", "okt", "oct",
    "nov", "nop", "des", "dec", "telp", "tel", "hp", "fax", "hal", "hlm", "tgl", "ps", "psl", "thn",
])

_DEGREE = re.compile(r"^(?:[A-Za-z]{1,4}\.)+[A-Za-z]{1,4}\.?,?$")  # M.M. M.Si. S.Pd. S.Kom. a.n. Ph.D.
_END = re.compile(r"(?:\.{2,}|…|[.?!])+[\"'”’»)\]]*(?=\s|$)")
_OPENERS = "\"'“‘«(["


@dataclass(frozen=True)
class PassageSpan:
    """A passage of an article: its order, text and ``text[start_char:end_char]`` offsets."""

    position: int
    text: str
    start_char: int
    end_char: int


_NEXT_WORD = re.compile(r"\s*(\S+)")
_PREV_WORD = re.compile(r"(\S+)\s*$")
_INDENT = re.compile(r"\s*")


def _starts_sentence(word: str) -> bool:
    """Does ``word`` (the first word after a candidate boundary) begin a new sentence?"""
    if word[0] in _OPENERS:
        return True
    return (word[0].isupper() or word[0].isdigit()) and not _DEGREE.match(word)


def _is_boundary(line: str, m: re.Match[str]) -> bool:
    """Is the punctuation run ``m`` inside ``line`` a sentence end? (Looks at one word either side.)"""
    following = _NEXT_WORD.match(line, m.end())
    if not following:
        return True
    if not _starts_sentence(following[1]):
        return False
    if m.group()[0] == "." and not m.group().startswith(".."):
        previous = _PREV_WORD.search(line, max(0, m.start() - 60), m.start())
        token = previous[1].lstrip(_OPENERS) if previous else ""
        if token.lower() in PREFIX_ABBREVIATIONS or (len(token) == 1 and token.isupper()):  # "B. J. Habibie"
            return False
        if token.lower() in NUMBER_ABBREVIATIONS and following[1][0].isdigit():
            return False
        starts_line = previous is not None and _INDENT.match(line).end() == previous.start()
        if starts_line and token.isdigit() and len(token) <= 3:  # a list marker: "2. Nama peserta"
            return False
    return True


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each sentence in ``text``, whitespace-trimmed; newlines are hard breaks."""
    spans: list[tuple[int, int]] = []
    for line_match in re.finditer(r"[^\n]+", text):
        line, base, start = line_match.group(), line_match.start(), 0
        for m in _END.finditer(line):
            if _is_boundary(line, m):
                spans.append((base + start, base + m.end()))
                start = m.end()
        spans.append((base + start, base + len(line)))
    return [span for span in (_strip(text, s, e) for s, e in spans) if span[0] < span[1]]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    """Narrow ``start:end`` so it neither begins nor ends with whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def split_sentences(text: str) -> list[str]:
    """The sentences of ``text``, in order, whitespace-trimmed."""
    return [text[s:e] for s, e in sentence_spans(text)]


def _words(text: str, start: int, end: int) -> int:
    return len(text[start:end].split())


def _chunks(text: str, start: int, end: int, max_words: int, pattern: str) -> list[tuple[int, int]]:
    """Cut ``start:end`` after each ``pattern`` match, then greedily re-join pieces up to max_words."""
    cuts = [start, *(start + m.end() for m in re.finditer(pattern, text[start:end])), end]
    out: list[tuple[int, int]] = []
    for a, b in (_strip(text, a, b) for a, b in itertools.pairwise(cuts)):
        if a >= b:
            continue
        if out and _words(text, out[-1][0], b) <= max_words:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _units(text: str, max_words: int, long_words: int) -> list[tuple[int, int]]:
    """Sentence spans; a sentence over ``long_words`` is cut at clauses (, ; :), then at spaces."""
    units: list[tuple[int, int]] = []
    for s, e in sentence_spans(text):
        if _words(text, s, e) <= long_words:
            units.append((s, e))
            continue
        for a, b in _chunks(text, s, e, max_words, r"[,;:]\s"):
            too_long = _words(text, a, b) > long_words
            units.extend(_chunks(text, a, b, max_words, r"\s+") if too_long else [(a, b)])
    return units


def _pack(counts: list[int], target: int, low: int, high: int, overlap: int,
          tail: int) -> list[tuple[int, int]]:
    """Greedy [first, last) unit ranges for passages; see split_passages."""
    groups: list[tuple[int, int]] = []
    first = fresh = total = 0  # fresh: first unit not repeated from the previous passage
    for i, n in enumerate(counts):
        if i > fresh and not (total + n <= target or (total < low and total + n <= high)):
            groups.append((first, i))
            first = fresh = i
            while first > i - overlap and sum(counts[first - 1:i]) <= high // 4 \
                    and sum(counts[first - 1:i]) + n <= high:
                first -= 1
            total = sum(counts[first:i])
        total += n
    if groups and sum(counts[fresh:]) < tail:
        groups[-1] = (groups[-1][0], len(counts))
    else:
        groups.append((first, len(counts)))
    return groups


def split_passages(text: str, *, target_words: int = 160, max_words: int = 200, min_words: int = 120,
                   overlap_sentences: int = 1, tail_words: int = 40,
                   long_words: int = 350) -> list[PassageSpan]:
    """Pack whole sentences of ``text`` into passages of about target_words (min_words..max_words).

    Text of at most max_words is one passage. Otherwise a passage grows while it stays within
    target_words, or within max_words while under min_words. The next passage repeats the last
    ``overlap_sentences`` sentences when they are short (at most a quarter of max_words). A sentence
    over max_words is a passage on its own; one over long_words is cut at clauses (, ; :), or spaces.
    A final passage adding fewer than ``tail_words`` new words merges into the previous one (which
    may then exceed max_words). Always ``text[p.start_char:p.end_char] == p.text``.
    """
    units = _units(text, max_words, long_words)
    counts = [_words(text, s, e) for s, e in units]
    if not units:
        return []
    if sum(counts) <= max_words:
        groups = [(0, len(units))]
    else:
        groups = _pack(counts, target_words, min_words, max_words, overlap_sentences, tail_words)
    spans = [(units[a][0], units[b - 1][1]) for a, b in groups]
    return [PassageSpan(i, text[s:e], s, e) for i, (s, e) in enumerate(spans)]
