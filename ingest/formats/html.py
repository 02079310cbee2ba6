"""Parse one news HTML page (Indonesian or English) into an :class:`Article`.

Order of trust: the page's own structured data (JSON-LD ``NewsArticle``/``Article``, ``og:``/``article:``
meta tags, ``<link rel=canonical>``, microdata ``itemprop=articleBody``), then a small table of body
containers of common Indonesian outlets, then a generic content-density heuristic that scores block
containers by the non-link text of the paragraphs they hold. Boilerplate (navigation, "Baca juga" boxes,
share/ads/comment widgets, photo captions, credit and tag lines) is removed before and after.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from bs4 import BeautifulSoup

from ingest.article import Article, SkipInput, make_article_id
from ingest.formats.base import ReadOptions
from ingest.formats.html_body import MIN_BODY_WORDS, extract_body, trim_edges
from ingest.formats.html_meta import json_ld_objects, read_meta
from ingest.formats.html_text import decode_html, is_truncated, word_count

# -------------------------------------------------------------------------------------------- public

def parse_html(raw: bytes, origin: str, *, use_site_rules: bool = True) -> Article:
    """Parse a news page into an Article; SkipInput (one line: why) when it holds no article.

    ``use_site_rules=False`` disables the outlet selector table (to measure the generic method).
    """
    text = decode_html(raw)
    try:
        soup = BeautifulSoup(text, "lxml")
        meta = read_meta(soup, json_ld_objects(soup))
        body = extract_body(soup, meta.ld_body, meta.url, use_site_rules)
    except RecursionError:
        raise SkipInput("HTML nested too deeply to parse") from None
    body_text = "\n\n".join(trim_edges(body, meta.title))
    words = word_count(body_text)
    if words < MIN_BODY_WORDS:
        if is_truncated(text):
            raise SkipInput(f"truncated HTML (no closing </html>) with no recoverable article body "
                            f"({words} words)")
        raise SkipInput(f"no article body: {words} words of body text (need {MIN_BODY_WORDS})")
    article_id = make_article_id(meta.url) if meta.url else make_article_id(origin, meta.title)
    return Article(article_id=article_id, title=meta.title, text=body_text, date=meta.date,
                   source=meta.source, url=meta.url, category=meta.category, author=meta.author,
                   origin=origin, extra={"description": meta.description} if meta.description else {})


def read(path: Path, options: ReadOptions) -> Iterator[Article]:
    """The article of one HTML file."""
    yield parse_html(path.read_bytes(), str(path))
