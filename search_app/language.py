"""Cheap language detection for queries: Indonesian, or another language to be answered by meaning only.

Counts the query's words that are English (or Javanese) function words against those that are Indonesian
stopwords. The index is Indonesian, so the must-match rule and BM25 only help Indonesian queries; the
multilingual encoder answers the others.
"""

from __future__ import annotations

import re

from ingest.analyzer import is_stopword

ENGLISH = frozenset(str.split("""a an the of and or in on at to for from by with without about into over under
after before is are was were be been being has have had do does did will would can could should may might must shall
what who whom whose which where when why how many much long old first last
this that these those there their they them his her its our your my we you he she it
not no than then also only most more very such as if so but while during between against since until
name named called born died located capital largest biggest highest founded established"""))
JAVANESE = frozenset(str.split("""opo piye sopo kapan neng ning karo sing iku kuwi ora wis arep lan saka marang kanggo
endi pira"""))
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def query_language(text: str) -> str:
    """``"id"`` for an Indonesian query (the default), ``"en"`` or ``"jv"`` when that language's function words
    outnumber Indonesian stopwords and make up a quarter of the words (at least two of them, or one in a query
    of at most three words). Capitalised function words after the first word belong to names and titles
    ("Beauty and the Beast" counts "and", "the"), so they do not count."""
    raw = WORD.findall(text)
    words = [w.lower() for w in raw]
    indonesian = sum(is_stopword(w) and w not in ENGLISH for w in words)
    for code, vocabulary in (("en", ENGLISH), ("jv", JAVANESE)):
        foreign = sum(w.lower() in vocabulary and not is_stopword(w.lower()) and (n == 0 or w.islower())
                      for n, w in enumerate(raw))
        if foreign > indonesian and 4 * foreign >= len(words) and (foreign >= 2 or len(words) <= 3):
            return code
    return "id"
