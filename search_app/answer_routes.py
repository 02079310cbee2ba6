"""The answer box on the web: ``GET /api/answer`` (JSON) and ``GET /jawaban`` (the box as HTML).

The search page does not wait for the reader: it shows the results and then asks ``/jawaban`` for the box (a script
inserts it above the results; without scripts, an ``<iframe>`` inside ``<noscript>`` shows the same server-rendered
box). Both run the page's own search (``run_search``) and read its first results; ``/jawaban`` takes them from the
process's last searches (``search_app/search_memo.py``) when the page has just run the same one.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, jsonify, render_template, request
from markupsafe import Markup, escape

from ingest.settings import setting
from ingest.split import sentence_spans
from search_app.answer import METHODS, AnswerBox, answer_box
from search_app.params import search_params
from search_app.search import Searcher, SearchResponse

FRAME_HEADERS = {"X-Frame-Options": "SAMEORIGIN"}
FRAME_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                "frame-ancestors 'self'; base-uri 'none'; form-action 'self'")


def box_for(app: Flask, response: SearchResponse) -> AnswerBox | None:
    """The answer box of a search's first page (None when answers are off or nothing is good enough)."""
    method = app.config.get("ANSWERS") or setting("answers")
    if method not in METHODS or response.page != 1 or not response.query:
        return None
    return answer_box(response.searched or response.query, response.results, reader=app.config["READER"],
                      method=method)


def answer_context(passage: str, box: AnswerBox) -> Markup:
    """The answer's sentence with the span marked (the text escaped)."""
    start, end = next(((s, e) for s, e in sentence_spans(passage) if s <= box.start < e), (box.start, box.end))
    start, end = min(start, box.start), max(end, box.end)
    return Markup("{}<mark class=\"answer-span\">{}</mark>{}").format(
        passage[start:box.start], passage[box.start:box.end], passage[box.end:end])


Search = Callable[[Searcher, dict], SearchResponse]


def answer_blueprint(searcher_of: Callable[[], Searcher], search: Search, recent_search: Search,
                     app: Flask) -> Blueprint:
    """``/api/answer`` (runs ``search``) and ``/jawaban`` (runs ``recent_search``: the page's search, memoised)."""
    blueprint = Blueprint("answers", __name__)

    def current(run: Search) -> tuple[AnswerBox | None, dict, SearchResponse | None]:
        params = search_params(request.args, app.config["DEFAULT_MODE"], strict=True)
        if not params["query"]:
            return None, params, None
        response = run(searcher_of(), dict(params, page=1))
        return box_for(app, response), params, response

    @blueprint.get("/api/answer")
    def api_answer():
        box, _, _ = current(search)
        return jsonify(answer_box=box.to_json() if box else None)

    @blueprint.get("/jawaban")
    def answer_frame():
        box, params, response = current(recent_search)
        passage = next((r.passage for r in response.results if box and r.passage_id == box.passage_id), "") \
            if response else ""
        body = render_template("answer.html", box=box, params=params,
                               context=answer_context(passage, box) if box else escape(""))
        return body, 200, {**FRAME_HEADERS, "Content-Security-Policy": FRAME_POLICY}

    return blueprint
