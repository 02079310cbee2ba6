"""Typo tolerance: misspelled query words corrected against the index's own vocabulary.

The vocabulary is every lowercase word of the index's articles (titles and text) with its frequency. A query
word is corrected only when the index does not know it (neither the word nor its analysed term occurs) and it
is a plain lowercase word of at least ``MIN_LENGTH`` letters: names in capitals, acronyms, numbers and words
with digits are left alone. The correction is the vocabulary word at the smallest Damerau-Levenshtein distance
(1 for words up to ``SHORT_WORD`` letters, else 2), the most frequent one on a tie, found with SymSpell
(``symspellpy``: precomputed deletes, so a lookup costs microseconds however large the vocabulary;
scripts/spelling_compare.py measures it against a plain scan of the vocabulary).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from symspellpy import SymSpell, Verbosity

from ingest.analyzer import analyze_token, normalize
from ingest.lexical import LexicalIndex
from ingest.store import Index

WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
MIN_LENGTH = 4  # shorter words are too ambiguous to correct
SHORT_WORD = 7  # words up to this length get at most one edit (longer: two)
MIN_COUNT = 2  # vocabulary words seen once are as likely typos themselves
PREFIX = 7  # SymSpell's prefix length (deletes are generated on the first PREFIX letters)


@dataclass(frozen=True)
class Correction:
    text: str  # the query with its misspelled words replaced
    words: tuple[tuple[str, str], ...]  # (as typed, corrected)


class Speller:
    """Corrections against one vocabulary (word -> frequency, or a function that reads it when first needed)
    and the BM25 index's terms. Queries whose terms the BM25 index all holds never build the vocabulary."""

    def __init__(self, counts: Counter[str] | Callable[[], Counter[str]], lexical: LexicalIndex | None):
        self._read = counts if callable(counts) and not isinstance(counts, Counter) else (lambda: counts)
        self.lexical = lexical
        self._built: tuple[Counter[str], SymSpell] | None = None
        self._lock = threading.Lock()

    def vocabulary(self) -> tuple[Counter[str], SymSpell]:
        """The word counts and their SymSpell dictionary, built on first use (a few seconds at 100k passages)."""
        if self._built is None:
            with self._lock:
                if self._built is None:
                    counts = self._read()
                    symspell = SymSpell(max_dictionary_edit_distance=2, prefix_length=PREFIX)
                    for word, count in counts.items():
                        if count >= MIN_COUNT and len(word) >= MIN_LENGTH - 1:
                            symspell.create_dictionary_entry(word, count)
                    self._built = counts, symspell
        return self._built

    def knows(self, word: str) -> bool:
        """The index holds ``word``'s analysed terms (stopwords analyse to none), or the word itself."""
        terms = analyze_token(word)
        vocab = self.lexical.retriever.vocab_dict if self.lexical and self.lexical.retriever else {}
        if terms and all(t in vocab for t in terms) or not terms:
            return True
        return normalize(word).lower() in self.vocabulary()[0]

    def correctable(self, word: str, first: bool = False, names: bool = False) -> bool:
        """A plain lowercase word (the query's first word, or with ``names`` any word, may be capitalised) the
        index does not know. Acronyms (more than one capital) never are."""
        if len(word) < MIN_LENGTH or not WORD.fullmatch(word):
            return False
        if not (word.islower() or ((first or names) and word[0].isupper() and word[1:].islower())):
            return False
        return not self.knows(word)

    def best(self, word: str) -> str | None:
        """The most likely intended vocabulary word for an unknown ``word`` (lowercase), or None."""
        distance = 1 if len(word) <= SHORT_WORD else 2
        found = self.vocabulary()[1].lookup(word, Verbosity.CLOSEST, max_edit_distance=distance)
        return found[0].term if found else None

    def correct(self, query: str, *, names: bool = False) -> Correction | None:
        """``query`` with each correctable word replaced by its best correction; None if nothing changes.
        ``names``: capitalised words too (for matching, never for a suggestion shown to the user)."""
        changes: list[tuple[str, str]] = []
        first = True

        def fix(match: re.Match) -> str:
            nonlocal first
            word, was_first = match.group(), first
            first = False
            if not self.correctable(word, was_first, names):
                return word
            better = self.best(normalize(word).lower())
            if better is None:
                return word
            if word[0].isupper():
                better = better[0].upper() + better[1:]
            changes.append((word, better))
            return better

        text = WORD.sub(fix, query)
        return Correction(text=text, words=tuple(changes)) if changes else None


def vocabulary(index: Index) -> Counter[str]:
    """Every lowercase word of the index's articles (titles and text) with its number of occurrences."""
    counts: Counter[str] = Counter()
    for title, text in index.db.execute("SELECT title, text FROM articles"):
        counts.update(w.lower() for w in WORD.findall(normalize(f"{title}\n{text}")))
    return counts


_SPELLERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # searcher -> (its BM25 index, speller)
_LOCK = threading.Lock()


def speller_for(searcher) -> Speller:
    """The speller of a searcher's index, rebuilt when its BM25 index was (after an ingest)."""
    lexical = searcher.lexical()
    with _LOCK:
        cached = _SPELLERS.get(searcher)
        if cached is None or cached[0] is not lexical:
            cached = (lexical, Speller(lambda: vocabulary(searcher.index), lexical))
            _SPELLERS[searcher] = cached
        return cached[1]
