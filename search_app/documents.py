"""POST /api/documents: add or update articles through the API, in the same record format as JSONL/CSV ingest.

The whole body is validated before anything is written. Writers are serialised by the index's writer lock;
each article is written atomically (idempotent Chroma upsert, then one SQLite transaction), so a retried
request converges on the same state, and the BM25 index is rebuilt before the response, so the documents are
searchable at once (the Searcher reloads it when it changes).
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping

from ingest.article import ARTICLE_ID_RULE, Article, SkipInput, valid_article_id
from ingest.embed import Embedder
from ingest.formats.dumps import record_to_article
from ingest.pipeline import API_ORIGIN, Ingester, passage_rows
from ingest.store import Index

ORIGIN = f"{API_ORIGIN}documents"
# One request is bounded so that it is written in seconds, not minutes (~35 passages are embedded a second):
MAX_DOCUMENTS = 50  # articles per request
MAX_PASSAGES = 300  # passages per request, all articles together (~1,500 words of body text make 8-10)
MAX_BODY_BYTES = 4 * 1024 * 1024
STRING_FIELDS = ("id", "title", "text", "date", "source", "url", "category", "author")
LOCK_TIMEOUT = 30.0
VISIBLE = re.compile(r"[^\s\ufeff]")  # body text: something besides white space (as JSON Schema's \S means)


class InvalidDocuments(ValueError):
    """The body is not a valid article or list of articles; the message names the first problem."""


def check_token(header: str | None, token: str) -> bool:
    """True when an ``Authorization: Bearer …`` header carries ``token`` (compared in constant time)."""
    scheme, _, given = (header or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def parse_documents(body: object) -> list[Article]:
    """Articles from a JSON body (one object or a list of them), all validated before any is written."""
    if isinstance(body, Mapping):
        items = [body]
    elif isinstance(body, list):
        items = body
    else:
        raise InvalidDocuments("the body must be a JSON object (one article) or a list of article objects")
    if not items:
        raise InvalidDocuments("the list of articles is empty")
    if len(items) > MAX_DOCUMENTS:
        raise InvalidDocuments(f"at most {MAX_DOCUMENTS} articles per request, not {len(items)}")
    by_id: dict[str, Article] = {}  # an id given twice: the later article updates the earlier, as two requests
    passages = 0
    for n, item in enumerate(items):
        article = _article(item, f"article {n}" if len(items) > 1 else "article")
        by_id.pop(article.article_id, None)
        by_id[article.article_id] = article
        passages += len(passage_rows(article))
        if passages > MAX_PASSAGES:
            raise InvalidDocuments(f"too much text for one request (more than {MAX_PASSAGES} passages by article "
                                   f"{n}); send the articles in several requests")
    return list(by_id.values())


def _article(item: object, where: str) -> Article:
    if not isinstance(item, Mapping):
        raise InvalidDocuments(f"{where}: not a JSON object")
    for name in STRING_FIELDS:
        if item.get(name) is not None and not isinstance(item[name], str):
            raise InvalidDocuments(f"{where}: field {name!r} must be a string")
    try:
        article = record_to_article(item, ORIGIN, where)
    except SkipInput as err:
        raise InvalidDocuments(str(err)) from None
    given_id = item.get("id") or ""
    if given_id and not valid_article_id(given_id):  # exactly as given: no white space around it either
        raise InvalidDocuments(f"{where}: field 'id' must be {ARTICLE_ID_RULE} (got {given_id[:40]!r})")
    if "date_raw" in article.extra:
        raise InvalidDocuments(f"{where}: field 'date' is not a date ({article.extra['date_raw'][:40]!r})")
    if not VISIBLE.search(article.text) or not passage_rows(article):
        raise InvalidDocuments(f"{where}: field 'text' has no body text")
    return article


def write_documents(index: Index, embedder: Embedder, articles: list[Article], *,
                    lock_timeout: float = LOCK_TIMEOUT) -> list[dict]:
    """Store validated articles; per article its id, status (added, updated, unchanged), regions, cluster.

    Raises TimeoutError when another writer holds the index for ``lock_timeout`` seconds."""
    with index.writing(timeout=lock_timeout):
        before = index.fingerprints()
        ingester = Ingester(index, embedder)
        for article in articles:
            ingester.add(article)
        ingester.finish()
    statuses = []
    for a in articles:
        row = index.article(a.article_id)
        status = "added" if a.article_id not in before else (
            "unchanged" if before[a.article_id] == a.fingerprint else "updated")
        statuses.append({"id": a.article_id, "status": status, "regions": a.regions,
                         "cluster_id": row["cluster_id"] if row else None})
    return statuses
