"""The OpenAPI 3 description of the JSON API, served at /api/openapi.json."""

from __future__ import annotations

from ingest.article import ARTICLE_ID, ARTICLE_ID_RULE
from ingest.formats import FORMATS
from ingest.regions import load_gazetteer
from search_app.documents import MAX_DOCUMENTS
from search_app.params import DEFAULT_K, MAX_EXPORT_K, MAX_PAGE
from search_app.query import MAX_QUERY_CHARS
from search_app.search import MODES, SORTS
from search_app.served import MATCH_STEPS


def _param(name: str, description: str, schema: dict, *, repeat: bool = False, required: bool = False) -> dict:
    body = {"name": name, "in": "query", "description": description, "required": required, "schema": schema}
    if repeat:
        body.update(schema={"type": "array", "items": schema}, style="form", explode=True)
    return body


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {status: _json(_ref("Error"), text) for status, text in (
    ("400", "A parameter or the body is invalid; the message names it."), ("404", "Not found."),
    ("500", "Server error (no details are exposed)."))}
ERRORS["429"] = {**_json(_ref("Error"), "Over the per-client rate limit (setting rate_limit, off by default)."),
                 "headers": {"Retry-After": {"description": "Seconds until the next request is allowed.",
                                             "schema": {"type": "integer", "minimum": 1}}}}

# What /berkas/<id> answers with: each document format's type (application/octet-stream when none was kept).
FILE_TYPES = [*dict.fromkeys(f.content_type for f in FORMATS if f.document), "application/octet-stream"]
NONEMPTY = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"}
REGION_NAMES = sorted(load_gazetteer().regions)
FILTERS = [
    _param("date_from", "Earliest publication date (inclusive).", {"type": "string", "format": "date"}),
    _param("date_to", "Latest publication date (inclusive).", {"type": "string", "format": "date"}),
    _param("source", "Outlet; repeat for several (OR).", NONEMPTY, repeat=True),
    _param("category", "Category; repeat for several (OR).", NONEMPTY, repeat=True),
    _param("region", "Official kabupaten/kota or provinsi name (e.g. 'Kabupaten Lampung Barat', 'Lampung'); "
                     "repeat for several (OR).", {"type": "string", "enum": REGION_NAMES}, repeat=True),
    _param("mode", "Ranking.", {"type": "string", "enum": list(MODES), "default": "hybrid"}),
]
QUERY = _param("q", "The question or keywords (\"exact phrase\", -excluded), or a pasted paragraph (searched by "
                    "its meaning and most distinctive words). Required unless a filter is set.",
               {"type": "string", "maxLength": MAX_QUERY_CHARS})

COPY = {"type": "object", "required": ["article_id", "title", "source", "date", "url"], "properties": {
    "article_id": {"type": "string"}, "title": {"type": "string"}, "source": {"type": "string"},
    "date": {"type": "string", "nullable": True}, "url": {"type": "string"}}}
RELATED = {"allOf": [_ref("ArticleRef"), {"type": "object", "properties": {"score": {"type": "number"}}}]}
FACET_VALUE = {"type": "object", "required": ["value", "count", "selected"], "properties": {
    "value": {"type": "string"}, "count": {"type": "integer"}, "selected": {"type": "boolean"},
    "label": {"type": "string", "description": "region: short display name"},
    "kind": {"type": "string", "enum": ["provinsi", "kabupaten", "kota", ""]},
    "province": {"type": "string"}, "date_from": {"type": "string", "format": "date"},
    "date_to": {"type": "string", "format": "date"}}}
RESULT = {"type": "object", "required": ["rank", "score", "article_id", "passage_id", "title", "passage_html"],
          "properties": {
              "rank": {"type": "integer"}, "score": {"type": "number"}, "article_id": {"type": "string"},
              "passage_id": {"type": "string"}, "title": {"type": "string"},
              "date": {"type": "string", "nullable": True}, "source": {"type": "string"}, "url": {"type": "string"},
              "category": {"type": "string"}, "passage": {"type": "string"},
              "passage_html": {"type": "string", "description": "HTML-escaped excerpt; query words in <mark>, the "
                                                                "answer sentence in <mark class=\"answer\">"},
              "snippet_html": {"type": "string", "description": "a short window of passage_html around the "
                                                                "answer, \"…\" where the passage was cut"},
              "answer": {"type": "string", "nullable": True}, "position": {"type": "integer"},
              "more_from_article": {"type": "integer"},
              "regions": {"type": "array", "items": {"type": "string"}},
              "cluster_id": {"type": "string", "description": "wire-copy cluster (the earliest copy's id)"},
              "also_published": {"type": "array", "items": _ref("ArticleRef"),
                                 "description": "the same story in other outlets, earliest first"},
              "page": {"type": "integer", "nullable": True,
                       "description": "documents: page (slide, spreadsheet row) where the passage starts"},
              "page_end": {"type": "integer", "nullable": True, "description": "documents: page where it ends"},
              "page_label": {"type": "string", "description": "\"hal. 12\", \"hal. 12–13\", \"slide 3\", "
                                                              "\"baris 5–9\"; empty for news"},
              "answer_page": {"type": "integer", "nullable": True,
                              "description": "documents: the page of the answer sentence"},
              "file_url": {"type": "string", "description": "the original file (/berkas/<id>, #page=N for a PDF); "
                                                            "empty for news"}}}
SEARCH = {"type": "object", "required": ["query", "mode", "k", "page", "total", "sort", "results"], "properties": {
    "query": {"type": "string"}, "mode": {"type": "string", "enum": list(MODES)}, "k": {"type": "integer"},
    "page": {"type": "integer"}, "total": {"type": "integer", "description": "excerpts in the whole result set"},
    "sort": {"type": "string", "enum": list(SORTS)}, "results": {"type": "array", "items": _ref("Result")},
    "match": {"type": "string", "enum": list(MATCH_STEPS),
              "description": "which step answered: all (the passages hold at least half of the query's terms, or "
                             "one if they are among its nearest by meaning), relaxed (one term is enough), "
                             "meaning (by meaning alone: also every question not in Indonesian)"},
    "suggestion": {"type": "string", "nullable": True,
                   "description": "the query with misspelled words corrected from the index's vocabulary "
                                  "(\"Maksud Anda\")"},
    "searched": {"type": "string", "nullable": True,
                 "description": "the query the results are for when it is not the one sent: the correction, "
                                "used because the query as typed found (almost) nothing"},
    "respelled": {"type": "array", "description": "query words the index does not know (names included), matched "
                                                "by BM25 and the must-match rule as the nearest word it knows; "
                                                "the encoder reads the query as typed",
                  "items": {"type": "object", "required": ["typed", "matched"],
                            "properties": {"typed": {"type": "string"}, "matched": {"type": "string"}}}},
    "language": {"type": "string", "description": "the query's detected language: id, en or jv"},
    "answer_box": _ref("AnswerBox"),
    "facets": {"type": "object", "description": "counts of distinct articles in the query's pool, each facet "
                                                "with the other filters applied",
               "properties": {f: {"type": "array", "items": _ref("FacetValue")}
                              for f in ("source", "category", "region", "year")}}}}
ANSWER_BOX = {"type": "object", "nullable": True,
              "description": "a short answer quoted from one of the first results, or null (no answer good enough, "
                             "not a question, a later page, or answers turned off)",
              "required": ["text", "passage_id", "article_id", "confidence", "start", "end"], "properties": {
                  "text": {"type": "string", "description": "the span, verbatim from the passage"},
                  "passage_id": {"type": "string"}, "article_id": {"type": "string"}, "title": {"type": "string"},
                  "source": {"type": "string"}, "date": {"type": "string", "nullable": True},
                  "page": {"type": "integer", "nullable": True}, "confidence": {"type": "number"},
                  "start": {"type": "integer", "description": "the span's start offset in the passage"},
                  "end": {"type": "integer", "description": "the span's end offset in the passage"}}}
ARTICLE = {"type": "object", "required": ["article_id", "title", "text"], "properties": {
    "article_id": {"type": "string"}, "title": {"type": "string"}, "text": {"type": "string"},
    "date": {"type": "string", "nullable": True}, "source": {"type": "string"}, "url": {"type": "string"},
    "category": {"type": "string"}, "author": {"type": "string"},
    "regions": {"type": "array", "items": {"type": "string"}}, "cluster_id": {"type": "string"},
    "also_published": {"type": "array", "items": _ref("ArticleRef")},
    "related": {"type": "array", "items": RELATED}}}
DOCUMENT = {"type": "object", "required": ["text"], "properties": {
    "id": {"type": "string", "description": f"stable id; the same id updates the article; {ARTICLE_ID_RULE} "
                                             "(empty or absent: derived from url, or title and date)",
           "pattern": rf"^(?:(?!.*\.\.){ARTICLE_ID.pattern})?$", "maxLength": 200, "nullable": True},
    "title": {"type": "string", "nullable": True}, "text": {"type": "string", "minLength": 1, "pattern": r"\S",
                                          "description": "body, paragraphs separated by a blank line"},
    "date": {"anyOf": [{"type": "string", "format": "date", "pattern": "^(19|20)[0-9]{2}-"},
                       {"type": "string", "maxLength": 0}], "nullable": True,
             "description": "ISO date (YYYY-MM-DD, years 1900-2099), or empty; DD/MM/YYYY and the Indonesian long "
                            "form ('12 Agustus 2024') are read too"},
    **{name: {"type": "string", "nullable": True} for name in ("source", "url", "category", "author")}},
    "additionalProperties": True}
STORED = {"type": "object", "required": ["articles", "count"], "properties": {
    "count": {"type": "integer"},
    "articles": {"type": "array", "items": {"type": "object", "properties": {
        "id": {"type": "string"}, "status": {"type": "string", "enum": ["added", "updated", "unchanged"]},
        "regions": {"type": "array", "items": {"type": "string"}},
        "cluster_id": {"type": "string", "nullable": True}}}}}}


def openapi_document(server_url: str) -> dict:
    """The OpenAPI 3.0 document for a server at ``server_url``."""
    search_params = [QUERY, _param("k", "Results per page.", {"type": "integer", "minimum": 1,
                                                              "maximum": MAX_EXPORT_K, "default": DEFAULT_K}),
                     _param("page", "Page number.", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                                                      "default": 1}),
                     _param("sort", "Order.", {"type": "string", "enum": list(SORTS), "default": "relevance"}),
                     *FILTERS,
                     _param("format", "json, or csv to download the result set.",
                            {"type": "string", "enum": ["json", "csv"], "default": "json"}),
                     _param("answer", "1: read the first results for a short answer (answer_box); 0: skip it.",
                            {"type": "integer", "enum": [0, 1], "default": 1})]
    answer_params = [QUERY, *FILTERS]  # the box reads the first page of the search these select
    article_id = {"name": "article_id", "in": "path", "required": True,
                  "schema": {"type": "string", "pattern": rf"^(?!.*\.\.){ARTICLE_ID.pattern}$", "maxLength": 200}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "Telusur API", "version": "1.0.0",
                 "description": "Search Indonesian news and regional-government innovation documents: ranked "
                                "excerpts with the answer highlighted, filters with facet counts, wire-copy "
                                "grouping, articles with related articles, a saved-search Atom feed."},
        "servers": [{"url": server_url or "/"}],
        "paths": {
            "/api/search": {"get": {
                "summary": "Ranked excerpts answering a question", "operationId": "search",
                "parameters": search_params,
                "responses": {"200": {"description": "The result page with facets (or the CSV export).",
                                      "content": {"application/json": {"schema": _ref("SearchResponse")},
                                                  "text/csv": {"schema": {"type": "string"}}}},
                              "400": ERRORS["400"], "429": ERRORS["429"], "500": ERRORS["500"]}}},
            "/api/answer": {"get": {
                "summary": "The short answer alone (what the page's answer box shows)", "operationId": "answer",
                "parameters": answer_params,
                "responses": {"200": _json({"type": "object", "required": ["answer_box"],
                                            "properties": {"answer_box": _ref("AnswerBox")}}, "The answer box."),
                              "400": ERRORS["400"], "429": ERRORS["429"], "500": ERRORS["500"]}}},
            "/jawaban": {"get": {
                "summary": "The answer box as an HTML page (the search page inserts it)", "operationId": "answerPage",
                "parameters": answer_params,
                "responses": {"200": {"description": "HTML.", "content": {"text/html": {"schema": {
                    "type": "string"}}}}, "400": {"description": "Invalid parameters (HTML page)."}}}},
            "/api/artikel/{article_id}": {"get": {
                "summary": "One article with its wire copies and related articles", "operationId": "article",
                "parameters": [article_id],
                "responses": {"200": _json(_ref("Article"), "The article."), "404": ERRORS["404"],
                              "429": ERRORS["429"], "500": ERRORS["500"]}}},
            "/api/documents": {"post": {
                "summary": "Add or update articles (same fields as JSONL ingest)", "operationId": "addDocuments",
                "security": [{"bearer": []}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "oneOf": [_ref("Document"), {"type": "array", "items": _ref("Document"), "minItems": 1,
                                                     "maxItems": MAX_DOCUMENTS}]}}}},
                "responses": {"201": _json(_ref("Stored"), "Stored; at least one article is new."),
                              "200": _json(_ref("Stored"), "Stored; every article existed already."),
                              "400": ERRORS["400"],
                              "401": _json(_ref("Error"), "Missing or wrong bearer token."),
                              "403": _json(_ref("Error"), "Disabled: no API token is configured."),
                              "413": _json(_ref("Error"), "Body too large."),
                              "429": ERRORS["429"],
                              "503": {**_json(_ref("Error"), "Another writer holds the index; retry."),
                                      "headers": {"Retry-After": {"description": "Seconds to wait before retrying.",
                                                                  "schema": {"type": "integer", "minimum": 1}}}},
                              "500": ERRORS["500"]}}},
            "/berkas/{article_id}": {"get": {
                "summary": "The original file of a document article, as ingested", "operationId": "originalFile",
                "parameters": [{**article_id, "schema": {"type": "string", "maxLength": 200,
                                                         "pattern": rf"^(?!.*\.\.){ARTICLE_ID.pattern}$"}}],
                "responses": {"200": {"description": "The file, with its Content-Type (PDF, DOCX, XLSX, …).",
                                      "content": {kind: {"schema": {"type": "string", "format": "binary"}}
                                                  for kind in FILE_TYPES}},
                              "400": {"description": f"An id that is not {ARTICLE_ID_RULE}."},
                              "404": {"description": "No such article, or the article has no kept file."}}}},
            "/feed": {"get": {
                "summary": "Atom feed of the newest articles matching a search", "operationId": "feed",
                "parameters": [QUERY, *FILTERS],
                "responses": {"200": {"description": "An Atom 1.0 feed.",
                                      "content": {"application/atom+xml": {"schema": {"type": "string"}}}},
                              "400": {"description": "Invalid parameters (HTML page)."}}}},
            "/healthz": {"get": {
                "summary": "Liveness and index size", "operationId": "health",
                "responses": {"200": _json({"type": "object", "properties": {
                    "status": {"type": "string"}, "articles": {"type": "integer"},
                    "passages": {"type": "integer"}}}, "The index is readable.")}}},
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"SearchResponse": SEARCH, "AnswerBox": ANSWER_BOX, "Result": RESULT, "FacetValue": FACET_VALUE,
                        "ArticleRef": COPY,
                        "Article": ARTICLE, "Document": DOCUMENT, "Stored": STORED,
                        "Error": {"type": "object", "required": ["error", "status"], "properties": {
                            "error": {"type": "string"}, "status": {"type": "integer"}}}},
        },
    }
