"""The served search: what the web page and ``/api/search`` run, and what ``telusur eval --served`` measures.

On top of ``Searcher.search`` (must-match, one excerpt per article and per wire-copy cluster, facets):

- a question in another language (search_app/language.py) is answered by meaning only;
- a long query (a pasted paragraph) is searched by its meaning and its ``KEYWORDS`` most distinctive words;
- query words the index does not know (capitalised names too) are matched, by BM25 and must-match, as the
  nearest word it knows (search_app/spelling.py, ``respelled``); the encoder reads the query as typed;
- zero results is the last resort: when the must-match rule leaves fewer than ``HANDFUL`` results, the
  spelling correction (search_app/spelling.py) is tried, then one query term is enough ("relaxed"), then
  meaning alone, quoted phrases dropped too ("meaning"); ``match`` says which step answered, ``suggestion``
  offers the correction.
"""

from __future__ import annotations

from dataclasses import replace

from ingest.analyzer import analyze_token, normalize, tokenize
from search_app.language import query_language
from search_app.query import ParsedQuery, parse_query
from search_app.search import Filters, Searcher, SearchResponse
from search_app.spelling import speller_for

HANDFUL = 3  # fewer results than this under a step: try the next, looser one
LONG_QUERY_TERMS = 24  # a query with more distinct terms than this is searched by its distinctive words
KEYWORDS = 12  # how many of a long query's words BM25 and must-match see
MATCH_STEPS = ("all", "relaxed", "meaning")



def served_search(searcher: Searcher, query: str, *, k: int = 10, page: int = 1, mode: str = "hybrid",
                  filters: Filters | None = None, sort: str = "relevance", facets: bool = True,
                  highlight: bool = True) -> SearchResponse:
    """One page of the served search for ``query`` (see the module doc)."""
    parsed = parse_query(query)

    def run(p: ParsedQuery, run_mode: str, share: float) -> SearchResponse:
        return searcher.search(p, k=k, page=page, mode=run_mode, filters=filters, sort=sort, facets=facets,
                               group_copies=True, per_article=1, require_match=True, min_share=share,
                               highlight=highlight)

    if not (parsed.text or parsed.phrases):
        return run(parsed, mode, 0.5)
    language = query_language(parsed.text)
    if language != "id" or mode == "dense":
        return _annotate(run(parsed, "dense", 0.0), query, "meaning", mode, language=language)
    parsed = with_keywords(searcher, parsed)
    speller = speller_for(searcher)
    respelled = None if parsed.keywords else speller.correct(parsed.text, names=True)
    if respelled:  # BM25 and must-match read the nearest known spellings; the encoder reads what was typed
        parsed = replace(parsed, keywords=respelled.text)
    correction = speller.correct(query)

    def answer(found: SearchResponse, match: str, searched: str | None = None) -> SearchResponse:
        return _annotate(found, query, match, mode, suggestion=correction.text if correction else None,
                         searched=searched, respelled=respelled.words if respelled else ())

    response = run(parsed, mode, 0.5)
    if response.total >= HANDFUL:
        return answer(response, "all")
    if correction:
        corrected = with_keywords(searcher, parse_query(correction.text))
        better = run(corrected, mode, 0.5)
        if better.total > response.total:
            parsed, response = corrected, better
            if response.total >= HANDFUL:
                return answer(response, "all", correction.text)
    searched = parsed.raw if parsed.raw != query else None
    relaxed = run(parsed, mode, 0.0)
    if relaxed.total >= HANDFUL:
        return answer(relaxed, "relaxed", searched)
    meaning = run(replace(parsed, phrases=[]), "dense", 0.0)  # the last resort drops quoted phrases too
    if meaning.total > relaxed.total:
        return answer(meaning, "meaning", searched)
    return answer(relaxed, "relaxed" if relaxed.total > response.total else "all", searched)


def notices(response: SearchResponse) -> list[str]:
    """The served search's notices as plain lines (the page shows the same, templates/_notices.html)."""
    lines = [f"Tidak ada hasil untuk “{response.query}”; menampilkan hasil untuk “{response.searched}”."
             ] if response.searched else []
    if response.respelled and response.results and not response.searched:
        lines.append(respelled_notice(response.respelled))
    if response.suggestion:
        lines.append(f"Maksud Anda: {response.suggestion}")
    if response.results and response.language != "id":
        lines.append("Pertanyaan ini tampaknya tidak berbahasa Indonesia; menampilkan hasil yang paling mirip "
                     "maknanya.")
    elif response.results and response.match in ("relaxed", "meaning") and response.mode != "dense":
        lines.append("Tidak ada yang memuat semua kata; menampilkan hasil yang "
                     + ("memuat sebagian kata pencarian." if response.match == "relaxed" else "paling mirip maknanya."))
    return lines


def respelled_notice(respelled: list[dict]) -> str:
    """The line saying which typed words were matched as which known words."""
    pairs = ", ".join(f"{r['typed']} → {r['matched']}" for r in respelled)
    return f"Kata yang tidak ada di indeks dicocokkan dengan ejaan terdekat: {pairs}."


def with_keywords(searcher: Searcher, parsed: ParsedQuery) -> ParsedQuery:
    """A long query with ``keywords``: its ``KEYWORDS`` words of highest idf (in the order typed)."""
    tokens = [t for t in dict.fromkeys(tokenize(normalize(parsed.text))) if analyze_token(t)]
    if len({term for t in tokens for term in analyze_token(t)}) <= LONG_QUERY_TERMS:
        return parsed
    lexical = searcher.lexical()
    if lexical is None:
        return parsed
    weights = lexical.idf([analyze_token(t)[0] for t in tokens])
    best = sorted(range(len(tokens)), key=lambda i: -weights[i])[:KEYWORDS]
    return replace(parsed, keywords=" ".join(tokens[i] for i in sorted(best)))


def _annotate(response: SearchResponse, query: str, match: str, mode: str, *, suggestion: str | None = None,
              searched: str | None = None, language: str = "id",
              respelled: tuple[tuple[str, str], ...] = ()) -> SearchResponse:
    """``response`` with the served search's fields; ``query`` and ``mode`` stay the ones asked for (``match``
    and ``searched`` tell what answered)."""
    response.query, response.match, response.mode, response.language = query, match, mode, language
    response.suggestion, response.searched = suggestion, searched
    response.respelled = [{"typed": typed, "matched": matched} for typed, matched in respelled]
    return response
