"""The Flask app: the Indonesian search page, the article page, the Atom feed and the JSON API."""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, abort, jsonify, make_response, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from ingest import jsonsafe
from ingest.regions import region_of, short_label
from ingest.settings import setting
from search_app.answer_routes import answer_blueprint, box_for
from search_app.dates_id import format_date_id, format_number_id
from search_app.documents import (
    LOCK_TIMEOUT,
    MAX_BODY_BYTES,
    InvalidDocuments,
    check_token,
    parse_documents,
    write_documents,
)
from search_app.export import to_csv
from search_app.facets import region_tree, row_regions
from search_app.feed import atom_feed
from search_app.highlight import mark_html, query_terms
from search_app.openapi import openapi_document
from search_app.overview import index_overview
from search_app.params import MAX_EXPORT_K, MAX_PAGE, BadRequest, filter_count, filters_of, search_params, url_args
from search_app.provenance import UNKNOWN_SOURCE, originals_blueprint, paragraph_pages
from search_app.query import MAX_QUERY_CHARS, parse_query
from search_app.ratelimit import RateLimiter, retry_after
from search_app.reader import Reader
from search_app.related import related_articles
from search_app.search import MODES, SORTS, Searcher, SearchResponse, open_searcher
from search_app.search_memo import SearchMemo
from search_app.served import served_search

EXAMPLES = (
    "Berapa inovasi yang dilahirkan Lampung Barat hingga 2024?",
    "Siapa yang membuka Bimtek Inovasi Daerah?",
    "\"pelayanan publik\" digital desa",
    "banjir Padang -APBD",
)
FEED_SIZE = 20
BUSY_RETRY_AFTER = 10  # seconds a writer told 503 (another writer holds the index) is asked to wait
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

log = logging.getLogger("telusur")


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config["SEARCHER"]`` passes a ready searcher (tests), else ``INDEX`` names the index
    directory and the searcher is opened on first use, so the server starts answering at once.
    ``API_TOKEN`` enables POST /api/documents (default: the ``api_token`` setting; empty: off); ``RATE_LIMIT``
    limits each client's /api/ requests (default: the ``rate_limit`` setting; empty: off). Never in debug mode:
    ``FLASK_DEBUG`` in the environment is ignored."""
    app = Flask(__name__)
    app.config.update(INDEX=None, SEARCHER=None, DEFAULT_MODE="hybrid", API_TOKEN=None, RATE_LIMIT=None,
                      READER=None, ANSWERS=None, MAX_CONTENT_LENGTH=MAX_BODY_BYTES, WRITE_LOCK_TIMEOUT=LOCK_TIMEOUT)
    app.config.update(config or {})
    app.debug = False
    limit = app.config["RATE_LIMIT"]
    limiter = RateLimiter.parse(setting("rate_limit") if limit is None else limit)
    if app.config["READER"] is None:
        app.config["READER"] = Reader()
    app.json.ensure_ascii = False
    app.jinja_env.filters.update(tanggal=format_date_id, angka=format_number_id, wilayah=region_label,
                                 web_url=web_url)
    app.jinja_env.globals.update(url_args=url_args, sorts=SORTS, modes=MODES)

    def searcher() -> Searcher:
        if app.config["SEARCHER"] is None:
            app.config["SEARCHER"] = open_searcher(app.config["INDEX"])
        return app.config["SEARCHER"]

    app.register_blueprint(originals_blueprint(lambda: searcher().index))
    searches = app.config["SEARCH_MEMO"] = SearchMemo(run_search)  # the page's searches, for its answer box
    app.register_blueprint(answer_blueprint(searcher, run_search, searches, app))
    app.jinja_env.globals.update(unknown_source=UNKNOWN_SOURCE)

    def api_token() -> str:
        token = app.config["API_TOKEN"]
        return setting("api_token") if token is None else token

    @app.before_request
    def rate_limit():
        if limiter is None or not request.path.startswith("/api/"):
            return None
        wait = limiter.allow(request.remote_addr or "")
        if not wait:
            return None
        seconds = retry_after(wait)
        response = _error(429, f"Terlalu banyak permintaan; coba lagi dalam {seconds} detik.")
        response.headers["Retry-After"] = seconds
        return response

    @app.after_request
    def security_headers(response):
        for name, value in SECURITY_HEADERS.items():  # a route may set its own (the answer frame's framing)
            response.headers.setdefault(name, value)
        return response

    @app.errorhandler(BadRequest)
    def bad_request(err: BadRequest):
        return _error(400, str(err) if request.path.startswith("/api/") else err.page)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        response = _error(err.code or 500, err.description or err.name)
        if err.code == 405:
            response.headers["Allow"] = ", ".join(getattr(err, "valid_methods", None) or ())
        if err.code == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="telusur"'
        return response

    @app.errorhandler(Exception)
    def crash(err: Exception):
        log.exception("unhandled error")
        return _error(500, "Terjadi kesalahan di server. Silakan coba lagi.")

    @app.get("/healthz")
    def healthz():
        index = searcher().index
        return jsonify(status="ok", articles=index.article_count(), passages=index.passage_count())

    @app.get("/")
    def page():
        params = search_params(request.args, app.config["DEFAULT_MODE"])
        active = filter_count(params)
        response = searches(searcher(), params) if params["query"] or active else None
        overview = None if response else index_overview(searcher().index)
        return render_template("search.html", params=params, response=response, examples=EXAMPLES,
                               empty_index=searcher().index.article_count() == 0, active_filters=active,
                               overview=overview, answer_src=answer_src(params, response),
                               regions=region_tree(response.facets["region"]) if response else [],
                               pages=page_numbers(response) if response else [])

    @app.get("/api/search")
    def api_search():
        params = search_params(request.args, app.config["DEFAULT_MODE"], max_k=MAX_EXPORT_K, strict=True)
        fmt = request.args.get("format", "json")
        if fmt not in ("json", "csv"):
            raise BadRequest("parameter format harus json atau csv")
        response = run_search(searcher(), params)
        if fmt == "csv":
            name = _slug(params["query"]) or "saringan"
            return Response("\ufeff" + to_csv(response), mimetype="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="telusur-{name}.csv"'})
        box = box_for(app, response) if answer_wanted(request.args) else None
        return jsonify(response.to_json() | {"answer_box": box.to_json() if box else None})

    @app.get("/feed")
    def feed():
        params = search_params(request.args, app.config["DEFAULT_MODE"], strict=True)
        response = searcher().search(params["query"], k=FEED_SIZE, mode=params["mode"], filters=filters_of(params),
                                     sort="newest", per_article=1, group_copies=True, require_match=True)
        args = url_args(params, sort="relevance", k=10, page=1)
        body = atom_feed(title=feed_title(params), feed_url=url_for("feed", _external=True, **args),
                         page_url=url_for("page", _external=True, **url_args(params, sort="newest", page=1)),
                         results=response.results,
                         article_url=lambda r: url_for("article", article_id=r.article_id, _external=True))
        return Response(body, mimetype="application/atom+xml")

    @app.get("/artikel/<article_id>")
    def article(article_id: str):
        index = searcher().index
        row = _article_or_404(index, article_id)
        span = _passage_span(index.article_passages(article_id), request.args.get("p", ""))
        query = request.args.get("q", "")[:MAX_QUERY_CHARS]
        return render_template("article.html", article=row, paragraphs=marked(paragraphs(row["text"], span), query),
                               query=query, regions=row_regions(row), pages=paragraph_pages(row["text"], row["extra"]),
                               copies=searcher().copies_of(row["cluster_id"] or article_id, article_id),
                               related=related_articles(index, article_id))

    @app.get("/api/artikel/<article_id>")
    def api_article(article_id: str):
        index = searcher().index
        row = _article_or_404(index, article_id)
        return jsonify(article_json(row, searcher(), index))

    @app.get("/api/openapi.json")
    def openapi():
        return jsonify(openapi_document(url_for("page", _external=True).rstrip("/")))

    @app.post("/api/documents")
    def add_documents():
        token = api_token()
        if not token:
            abort(403, description="POST /api/documents nonaktif: belum ada token API "
                                   "(atur TELUSUR_API_TOKEN atau API_TOKEN di konfigurasi).")
        if not check_token(request.headers.get("Authorization"), token):
            abort(401, description="Token API salah atau tidak ada (kirim header Authorization: Bearer <token>).")
        body = json_body()
        try:
            articles = parse_documents(body)
        except InvalidDocuments as err:
            raise BadRequest(str(err)) from None
        try:
            statuses = write_documents(searcher().index, searcher().embedder, articles,
                                       lock_timeout=app.config["WRITE_LOCK_TIMEOUT"])
        except TimeoutError:
            busy = _error(503, "Indeks sedang diperbarui oleh proses lain; coba lagi sebentar lagi.")
            busy.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
            return busy
        added = any(s["status"] == "added" for s in statuses)
        return jsonify(articles=statuses, count=len(statuses)), 201 if added else 200

    return app


def answer_wanted(args) -> bool:
    """The API's ``answer`` parameter: 1 (default) reads the results for a short answer, 0 skips it."""
    value = args.get("answer", "1")
    if value not in ("0", "1"):
        raise BadRequest("parameter answer harus 0 atau 1")
    return value == "1"


def answer_src(params: dict[str, Any], response: SearchResponse | None) -> str | None:
    """Where the page fetches its answer box from (first page of a question with results), else None."""
    if not response or not response.results or response.page != 1 or not params["query"]:
        return None
    return url_for("answers.answer_frame", **url_args(params, page=1))


def json_body() -> object:
    """The request's JSON body, refused with a 400 when it is not JSON or nested too deep (never recursing)."""
    if not request.is_json:
        raise BadRequest("isi permintaan harus JSON (Content-Type: application/json)")
    try:
        return jsonsafe.loads(request.get_data(cache=False))
    except jsonsafe.TooDeep as err:
        raise BadRequest(f"isi permintaan ditolak: {err}") from None
    except ValueError as err:  # JSONDecodeError and undecodable bytes
        raise BadRequest(f"isi permintaan bukan JSON yang sah ({err})") from None


def run_search(searcher: Searcher, params: dict[str, Any]) -> SearchResponse:
    """The page's and the API's search (search_app/served.py): filters, sort, facets, one result per wire-copy
    cluster, relaxed step by step rather than empty."""
    return served_search(searcher, params["query"], k=params["k"], page=params["page"], mode=params["mode"],
                         filters=filters_of(params), sort=params["sort"])


def article_json(row, searcher: Searcher, index) -> dict:
    """An article as the API returns it: metadata, text, regions, wire copies and related articles."""
    keys = ("article_id", "title", "text", "date", "source", "url", "category", "author")
    body = {k: row[k] for k in keys}
    body.update(regions=row_regions(row), cluster_id=row["cluster_id"] or row["article_id"],
                also_published=searcher.copies_of(row["cluster_id"] or row["article_id"], row["article_id"]),
                related=related_articles(index, row["article_id"]))
    return body


def feed_title(params: dict[str, Any]) -> str:
    parts = [f"“{params['query']}”"] if params["query"] else []
    parts += params["sources"] + params["categories"] + [region_label(r) for r in params["regions"]]
    if params["date_from"] or params["date_to"]:
        parts.append(f"{format_date_id(params['date_from']) or '…'} – {format_date_id(params['date_to']) or '…'}")
    return "Telusur: " + " · ".join(parts)


def page_numbers(response: SearchResponse) -> list[int | None]:
    """Page links to show: first, last and two either side of the current one (None marks a gap)."""
    last = min(MAX_PAGE, max(1, -(-response.total // response.k)))
    wanted = sorted({1, last, *range(max(1, response.page - 2), min(last, response.page + 2) + 1)})
    out: list[int | None] = []
    for n in wanted:
        if out and n - out[-1] > 1:
            out.append(None)
        out.append(n)
    return out if last > 1 else []


def web_url(url: str | None) -> str:
    """``url`` if it is an http(s) address, else "" (a stored ``javascript:`` URL never becomes a link)."""
    return url if url and url.lower().startswith(("http://", "https://")) else ""


def region_label(name: str) -> str:
    region = region_of(name)
    return region.label if region else short_label(name)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


def marked(paras: list[tuple[str, bool]], query: str) -> list[tuple[str | Markup, bool]]:
    """Matched paragraphs with the query's words in ``<mark>`` (HTML-escaped); the others as plain text."""
    parsed = parse_query(query)
    terms = query_terms(parsed.text + " " + " ".join(parsed.phrases))
    return [(Markup(mark_html(text, terms)) if matched and terms else text, matched) for text, matched in paras]


def _article_or_404(index, article_id: str):
    """The article's row, or a 404 naming the id."""
    row = index.article(article_id)
    if row is None:
        abort(404, description=f"Artikel {article_id!r} tidak ditemukan.")
    return row


def _passage_span(passages, passage_id: str) -> tuple[int, int] | None:
    for p in passages:
        if p["passage_id"] == passage_id:
            return p["start_char"], p["end_char"]
    return None


def paragraphs(text: str, span: tuple[int, int] | None) -> list[tuple[str, bool]]:
    """The article's paragraphs, each flagged when it overlaps the matched passage's character span."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for para in text.split("\n\n"):
        start = text.index(para, pos)
        pos = start + len(para)
        if para.strip():
            out.append((para.strip(), span is not None and start < span[1] and pos > span[0]))
    return out


def _error(status: int, message: str) -> Response:
    if request.path.startswith("/api/") or request.path == "/healthz":
        return make_response(jsonify(error=message, status=status), status)
    return make_response(render_template("error.html", status=status, message=message), status)
