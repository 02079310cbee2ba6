"""The Flask app: the Indonesian search page, the article page and the JSON API."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, abort, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from search_app.dates_id import format_date_id
from search_app.query import MAX_QUERY_CHARS
from search_app.search import MODES, Filters, Searcher, open_searcher

MAX_K = 50
MAX_PAGE = 100
EXAMPLES = (
    "Berapa inovasi yang dilahirkan Lampung Barat hingga 2024?",
    "Siapa yang membuka Bimtek Inovasi Daerah?",
    "\"pelayanan publik\" digital desa",
)
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

log = logging.getLogger("telusur")


class BadRequest(ValueError):
    """A request parameter out of range; the message names the parameter."""


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app. ``config["SEARCHER"]`` passes a ready searcher (tests), else ``INDEX`` names the index
    directory and the searcher is opened on first use, so the server starts answering at once."""
    app = Flask(__name__)
    app.config.update(INDEX=None, SEARCHER=None, DEFAULT_MODE="hybrid")
    app.config.update(config or {})
    app.jinja_env.filters["tanggal"] = format_date_id

    def searcher() -> Searcher:
        if app.config["SEARCHER"] is None:
            app.config["SEARCHER"] = open_searcher(app.config["INDEX"])
        return app.config["SEARCHER"]

    @app.after_request
    def security_headers(response):
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.errorhandler(BadRequest)
    def bad_request(err: BadRequest):
        return _error(400, str(err))

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        return _error(err.code or 500, err.description or err.name)

    @app.errorhandler(Exception)
    def crash(err: Exception):
        log.exception("unhandled error")
        return _error(500, "Terjadi kesalahan di server. Silakan coba lagi.")

    @app.get("/healthz")
    def healthz():
        index = searcher().index
        return jsonify(status="ok", articles=index.article_count(), passages=index.passage_count())

    @app.get("/api/search")
    def api_search():
        params = search_params(app.config["DEFAULT_MODE"])
        if not params["query"]:
            raise BadRequest("parameter q (the question) is required")
        return jsonify(run_search(searcher(), params).to_json())

    @app.get("/")
    def page():
        params = search_params(app.config["DEFAULT_MODE"])
        response = run_search(searcher(), params) if params["query"] else None
        index = searcher().index
        return render_template("search.html", params=params, response=response, examples=EXAMPLES,
                               empty_index=index.article_count() == 0, modes=MODES)

    @app.get("/artikel/<article_id>")
    def article(article_id: str):
        row = searcher().index.article(article_id)
        if row is None:
            abort(404, description=f"Artikel {article_id!r} tidak ditemukan.")
        span = _passage_span(searcher().index.article_passages(article_id), request.args.get("p", ""))
        return render_template("article.html", article=row, paragraphs=paragraphs(row["text"], span),
                               query=request.args.get("q", ""))

    return app


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


def _error(status: int, message: str):
    if request.path.startswith("/api/") or request.path == "/healthz":
        return jsonify(error=message, status=status), status
    return render_template("error.html", status=status, message=message), status


def search_params(default_mode: str) -> dict[str, Any]:
    """The search parameters of the current request, validated (BadRequest names the bad one)."""
    args = request.args
    query = args.get("q", "").strip()
    if len(query) > MAX_QUERY_CHARS:
        raise BadRequest(f"parameter q is too long ({len(query)} characters; at most {MAX_QUERY_CHARS})")
    mode = args.get("mode", default_mode) or default_mode
    if mode not in MODES:
        raise BadRequest(f"parameter mode must be one of {', '.join(MODES)}")
    return {"query": query, "k": _int_arg("k", 10, 1, MAX_K), "page": _int_arg("page", 1, 1, MAX_PAGE),
            "mode": mode, "date_from": _date_arg("date_from"), "date_to": _date_arg("date_to"),
            "sources": [s for s in args.getlist("source") if s],
            "categories": [c for c in args.getlist("category") if c]}


def run_search(searcher: Searcher, params: dict[str, Any]):
    filters = Filters(date_from=params["date_from"], date_to=params["date_to"], sources=params["sources"],
                      categories=params["categories"])
    return searcher.search(params["query"], k=params["k"], page=params["page"], mode=params["mode"],
                           filters=filters)


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"parameter {name} must be a whole number, not {raw[:20]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"parameter {name} must be between {low} and {high}")
    return value


def _date_arg(name: str) -> str | None:
    from datetime import date

    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise BadRequest(f"parameter {name} must be a date YYYY-MM-DD, not {raw[:20]!r}") from None
