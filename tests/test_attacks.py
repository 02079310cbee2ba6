"""An attacker's tour: stored and reflected XSS on every view, ``javascript:`` links, hostile ids on every id
route, oversized and deeply nested bodies, the API token, the rate limit, the security headers.

Attacks covered elsewhere (not repeated here): lone surrogates, deep JSON arrays and hostile ids in POST bodies
and dumps (tests/test_probe_defects.py); a 33 MB body (tests/test_documents_api.py); the query reflected on
the page and the feed (tests/test_app.py, tests/test_export_feed.py); `serve --host` binding elsewhere
(tests/test_server.py); hostile files (tests/test_hostile_documents.py, tests/test_fuzz_files.py).
"""

from __future__ import annotations

import csv
import hmac
import io
import logging
import os
import re
import xml.etree.ElementTree as ET

import pytest

from search_app.documents import MAX_BODY_BYTES
from tests.test_documents_api import AUTH, TOKEN, _app

ATOM = "{http://www.w3.org/2005/Atom}"
# Markup an attacker stores in each field; ``{f}`` names the field so a leak says where it came from.
PAYLOAD = '<script>alert("{f}")</script><img src=x onerror=alert(1)><svg onload=alert(2)>'
ESCAPED = "&lt;script&gt;alert("
INERT = ("<script>alert", "<img src=x", "<svg onload", "onerror=alert(1)>")
EVIL = {"id": "serangan-1", "title": "Jembatan gantung Tanggamus " + PAYLOAD.format(f="title"),
        "text": ("Jembatan gantung Tanggamus diresmikan bupati pada 2024 " + PAYLOAD.format(f="text") + " kemarin.\n\n"
                 "Warga Tanggamus menyeberangi jembatan gantung itu setiap hari menuju pasar."),
        "source": "Media " + PAYLOAD.format(f="source"), "category": "Daerah " + PAYLOAD.format(f="category"),
        "author": "Penulis " + PAYLOAD.format(f="author"), "url": "javascript:alert(document.cookie)",
        "date": "2025-03-04"}
# A wire copy of the first (same body): its source and title are listed as "also published" on the other's pages.
COPY = {**EVIL, "id": "serangan-2", "date": "2025-03-05", "source": "Salinan " + PAYLOAD.format(f="copy-source"),
        "title": "Salinan " + PAYLOAD.format(f="copy-title"), "url": "JavaScript:alert(2)"}
# Stored ``url`` values that must never become links (one article each, found by its own word).
BAD_URLS = ["javascript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)", "\tjavascript:alert(1)",
            "java\nscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
            "//evil.example/x", "jav&#x61;script:alert(1)"]
SAFE_HREF = re.compile(r"^(?:/(?!/)|#|\?|https?://|data:,$)")
QUERY = "jembatan gantung Tanggamus"
QUESTION = "Kapan jembatan gantung Tanggamus diresmikan?"  # its answer sentence holds the text's payload


@pytest.fixture(scope="module")
def evil(tmp_path_factory, embedder):
    """An index holding only the hostile articles, written through the API."""
    client = _app(tmp_path_factory.mktemp("attack-index"), embedder, ANSWERS="rules").test_client()
    links = [{"id": f"tautan-{n}", "title": f"Tautan kincirangin{n}", "url": url,
              "text": f"Kincir angin kincirangin{n} di desa pesisir menghasilkan listrik untuk warga."}
             for n, url in enumerate(BAD_URLS)]
    response = client.post("/api/documents", json=[EVIL, COPY, *links], headers=AUTH)
    assert response.status_code == 201, response.get_json()
    return client


def _html_views(client) -> dict[str, str]:
    """Every HTML view of the hostile articles. To cover a new view (e.g. the answer box), add it here."""
    get = lambda path, **args: client.get(path, query_string=args).get_data(as_text=True)  # noqa: E731
    return {"page": get("/", q=QUERY), "page filtered by source": get("/", source=EVIL["source"]),
            "page filtered by category": get("/", category=EVIL["category"]),
            "article": get("/artikel/serangan-1", q=QUERY, p=""), "copy's article": get("/artikel/serangan-2"),
            "home overview": get("/"), "answer box": get("/jawaban", q=QUESTION)}


def _assert_inert(html: str, where: str) -> None:
    leaked = [s for s in INERT if s in html]
    assert not leaked, f"{where}: unescaped markup {leaked}"


def test_stored_markup_is_escaped_on_every_html_view(evil):
    views = _html_views(evil)
    for where, html in views.items():
        _assert_inert(html, where)
    shown = "\n".join(views.values())  # each field was shown somewhere, escaped (so the check above means something)
    for field in ("title", "text", "source", "category", "author", "copy-source"):
        assert f"{ESCAPED}&#34;{field}&#34;)" in shown or f"{ESCAPED}&quot;{field}&quot;)" in shown, field


def test_stored_markup_in_the_answer_and_excerpt_html_of_the_api_is_escaped(evil):
    body = evil.get("/api/search", query_string={"q": QUESTION}).get_json()
    result = next(r for r in body["results"] if r["article_id"] in ("serangan-1", "serangan-2"))
    assert result["answer"] and "<script>" in result["answer"]  # the raw text is data in JSON...
    for field in ("passage_html", "snippet_html"):  # ...but fields meant for innerHTML are escaped
        _assert_inert(result[field], field)
        assert ESCAPED in result[field] and '<mark class="answer">' in result[field]


def test_stored_markup_in_the_feed_is_text(evil):
    raw = evil.get("/feed", query_string={"q": QUERY}).get_data(as_text=True)
    _assert_inert(raw, "feed")
    entries = ET.fromstring(raw).findall(f"{ATOM}entry")
    titles = {e.findtext(f"{ATOM}title") for e in entries}
    assert EVIL["title"] in titles  # the payload survives as text, not markup
    hrefs = [link.get("href") for e in entries for link in e.findall(f"{ATOM}link")]
    assert hrefs and all(h.startswith(("http://", "https://")) for h in hrefs), hrefs


def test_csv_export_defuses_formulas_and_is_never_rendered_as_html(evil):
    formula = {"id": "serangan-rumus", "title": '=HYPERLINK("http://evil.example","klik") jembatan gantung',
               "source": "@SUM(1+1)", "category": "+cmd|' /C calc'!A0", "url": "-2+3",
               "text": "=1+2 jembatan gantung Tanggamus kembali ramai dikunjungi wisatawan."}
    assert evil.post("/api/documents", json=formula, headers=AUTH).status_code == 201
    response = evil.get("/api/search", query_string={"q": QUERY, "format": "csv", "k": 50})
    assert response.mimetype == "text/csv" and response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    row = next(r for r in rows if r["article_id"] == "serangan-rumus")
    for column in ("title", "source", "category", "url", "passage"):
        assert row[column].startswith("'"), (column, row[column])
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r.values() if cell)


def test_javascript_urls_never_become_links(evil):
    pages = [evil.get("/artikel/serangan-1").get_data(as_text=True),
             evil.get("/artikel/serangan-2").get_data(as_text=True),
             evil.get("/", query_string={"q": QUERY}).get_data(as_text=True)]
    pages += [evil.get(f"/artikel/tautan-{n}").get_data(as_text=True) for n in range(len(BAD_URLS))]
    pages += [evil.get("/", query_string={"q": f"kincirangin{n}"}).get_data(as_text=True)
              for n in range(len(BAD_URLS))]
    hrefs = [h for page in pages for h in re.findall(r"""(?:href|src|action)\s*=\s*["']([^"']*)""", page)]
    unsafe = [h for h in hrefs if not SAFE_HREF.match(h)]
    assert len(hrefs) > 50 and not unsafe, unsafe
    feed = evil.get("/feed", query_string={"q": "kincir angin desa pesisir"}).get_data(as_text=True)
    assert "kincirangin" in feed and "javascript:" not in feed.lower().replace("javascript:alert(1)</", "")


@pytest.mark.parametrize("param", ["q", "source", "category", "region", "date_from", "sort", "mode", "k", "page"])
def test_every_reflected_parameter_is_escaped(evil, param):
    payload = PAYLOAD.format(f=param)
    for path in ("/", "/artikel/serangan-1", "/feed", "/api/search"):
        response = evil.get(path, query_string={param: payload, **({"q": QUERY} if param != "q" else {})})
        assert response.status_code in (200, 400), (path, response.status_code)
        if path == "/api/search":  # JSON carries the text as data: never sniffed as HTML
            assert response.mimetype == "application/json" and response.headers["X-Content-Type-Options"] == "nosniff"
        else:
            _assert_inert(response.get_data(as_text=True), f"{path}?{param}=")


ID_ROUTES = ["/artikel/{}", "/api/artikel/{}", "/berkas/{}"]
HOSTILE_PATHS = ["../articles.sqlite", "..%2Farticles.sqlite", "%2e%2e%2farticles.sqlite", "..%252Farticles.sqlite",
                 "....//....//etc/passwd", "..\\articles.sqlite", "%5c..%5carticles.sqlite", "%00", "a%00.pdf",
                 "%c0%ae%c0%ae%c0%afetc", "%ff%fe", "x" * 5000, "%3Cscript%3Ealert(1)%3C%2Fscript%3E", "..;",
                 "articles.sqlite", "embeddings.sqlite", "chroma", ".", "~", "serangan-1%2F..%2F..", "%20",
                 "serangan-1/../../articles.sqlite", "file:%2F%2F%2Fetc%2Fpasswd"]


@pytest.mark.parametrize("route", ID_ROUTES)
def test_hostile_ids_on_every_id_route_are_refused_without_leaking(evil, route):
    for hostile in HOSTILE_PATHS:
        response = evil.get(route.format(hostile))
        body = response.get_data()
        assert response.status_code in (400, 404), (route, hostile, response.status_code)
        assert b"SQLite format" not in body and b"root:" not in body and b"<script>alert" not in body


def test_json_nesting_bombs_of_every_shape_are_400(evil):
    bombs = ['{"a":' * 100 + "1" + "}" * 100,
             '{"id": "bom-1", "text": "isi", "meta": ' + "[" * 200 + "]" * 200 + "}",
             "[" * 50 + '{"x": ' * 50 + "1" + "}" * 50 + "]" * 50,
             "[" * 10_000_000]  # 10 MB of brackets: refused on size before depth
    for bomb in bombs:
        response = evil.post("/api/documents", data=bomb, headers={**AUTH, "Content-Type": "application/json"})
        assert response.status_code in (400, 413), (bomb[:40], response.status_code)
        assert response.get_json()["status"] == response.status_code


def test_a_body_one_byte_over_the_limit_is_413_and_writes_nothing(evil):
    before = evil.get("/healthz").get_json()["articles"]
    body = b'{"id": "besar", "text": "' + b"a" * (MAX_BODY_BYTES - 26) + b'"}'
    assert len(body) == MAX_BODY_BYTES + 1
    response = evil.post("/api/documents", data=body, headers={**AUTH, "Content-Type": "application/json"})
    assert response.status_code == 413 and response.get_json()["status"] == 413
    assert evil.get("/healthz").get_json()["articles"] == before


def test_the_token_is_compared_in_constant_time_and_never_logged(evil, monkeypatch, caplog):
    from search_app import documents

    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(documents.hmac, "compare_digest", spy)
    caplog.set_level(logging.DEBUG)
    wrong = [TOKEN[:-1], TOKEN + "x", "", "x" * 10_000, TOKEN.upper(), "tökén", TOKEN + "\x00"]
    for given in wrong:
        response = evil.post("/api/documents", json={"text": "x"},
                             headers={"Authorization": f"Bearer {given}".encode().decode("latin-1")})
        assert response.status_code == 401, given
        assert given not in response.get_data(as_text=True) or not given
    for header in (f"bearer {TOKEN}", f"Bearer   {TOKEN}"):
        assert evil.post("/api/documents", json=[], headers={"Authorization": header}).status_code == 400
    assert len(compared) == len(wrong) + 2 and all(b == TOKEN.encode() for _, b in compared)
    assert TOKEN not in caplog.text and not any(TOKEN in str(r.args) for r in caplog.records)


def test_rate_limit_is_off_by_default_and_answers_429_with_retry_after(evil, monkeypatch, tmp_path, embedder):
    from search_app.ratelimit import BadLimit, RateLimiter

    monkeypatch.delenv("TELUSUR_RATE_LIMIT", raising=False)
    assert all(evil.get("/api/openapi.json").status_code == 200 for _ in range(100))  # off: no limit
    monkeypatch.setenv("TELUSUR_RATE_LIMIT", "3/minute")
    client = _app(tmp_path, embedder).test_client()
    assert [client.get("/api/openapi.json").status_code for _ in range(4)] == [200, 200, 200, 429]
    over = client.get("/api/search", query_string={"q": "x"})
    assert over.status_code == 429 and over.get_json()["status"] == 429
    assert 1 <= int(over.headers["Retry-After"]) <= 20 and over.headers["X-Frame-Options"] == "DENY"
    other = client.get("/api/openapi.json", environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert other.status_code == 200  # per client
    assert client.get("/healthz").status_code == 200  # the page and health checks are not limited
    with pytest.raises(BadLimit):
        RateLimiter.parse("banyak")


def test_a_client_may_go_again_after_retry_after():
    from search_app.ratelimit import RateLimiter, retry_after

    now = [0.0]
    limiter = RateLimiter(2, 10.0, clock=lambda: now[0])
    assert limiter.allow("a") == 0 and limiter.allow("a") == 0
    wait = limiter.allow("a")
    assert wait == pytest.approx(5.0) and retry_after(wait) == "5"
    now[0] += 4.9
    assert limiter.allow("a") > 0
    now[0] += 0.2
    assert limiter.allow("a") == 0 and limiter.allow("b") == 0


SECURITY = {"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY"}


@pytest.mark.parametrize("method,path,status", [
    ("get", "/", 200), ("get", "/?q=jembatan", 200), ("get", "/artikel/serangan-1", 200),
    ("get", "/artikel/tidak-ada", 404), ("get", "/api/search?q=jembatan", 200), ("get", "/api/search?k=0", 400),
    ("get", "/api/artikel/serangan-1", 200), ("get", "/feed", 200), ("get", "/api/openapi.json", 200),
    ("get", "/healthz", 200), ("get", "/static/style.css", 200), ("post", "/api/documents", 401),
    ("delete", "/api/search", 405), ("get", "/berkas/serangan-1", 404), ("get", "/berkas/..", 400)])
def test_security_headers_are_on_every_response(evil, method, path, status):
    response = getattr(evil, method)(path)
    assert response.status_code == status
    for name, value in SECURITY.items():
        assert response.headers[name] == value, name
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert "Referrer-Policy" in response.headers


def test_the_app_never_runs_in_debug_mode_and_hides_tracebacks(tmp_path, monkeypatch):
    from search_app.app import create_app

    monkeypatch.setenv("FLASK_DEBUG", "1")
    broken = tmp_path / "bukan-indeks"
    broken.write_text("not an index")  # a file where the index folder should be: opening it fails
    app = create_app({"INDEX": str(broken)})
    assert app.debug is False
    response = app.test_client().get("/healthz")
    assert response.status_code == 500
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "Werkzeug" not in text and str(broken) not in text


def _listening(port: int) -> set[str]:
    """Local addresses (hex, as in /proc/net/tcp*) with a socket listening on ``port``."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, _, hex_port = local.rpartition(":")
                if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


@pytest.mark.server
def test_serve_binds_loopback_by_default_without_debugger_and_never_logs_the_token(demo_index, tmp_path):
    import subprocess
    import urllib.error
    import urllib.request

    from tests.servers import free_port, running, telusur

    secret = "token-rahasia-uji-serve-9f3c"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = {"TELUSUR_API_TOKEN": secret, "FLASK_DEBUG": "1", "FLASK_ENV": "development"}

    def call(path: str, data: bytes | None = None, token: str = secret) -> tuple[int, bytes]:
        request = urllib.request.Request(base + path, data=data, headers={
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    with running(telusur("serve", "--index", str(demo_index.directory), "--port", str(port)), f"{base}/healthz",
                 env=env, log=log):
        assert _listening(port) == {"0100007F"}  # 127.0.0.1 only, never 0.0.0.0 or ::
        status, body = call("/?__debugger__=yes&cmd=resource&f=debugger.js")
        assert b"Werkzeug" not in body and b"debugger" not in body.lower()
        assert call("/console")[0] == 404
        assert call("/api/documents", b"[]")[0] == 400  # the right token, then an invalid body
        assert call("/api/documents", b"[]", token=secret + "-salah")[0] == 401
        big = b'{"text": "' + b"a" * MAX_BODY_BYTES + b'"}'
        assert call("/api/documents", big)[0] == 413
    assert secret not in log.read_text(errors="replace")
    bad = subprocess.run(telusur("serve", "--index", str(demo_index.directory), "--port", str(free_port())),
                         env={**os.environ, "TELUSUR_RATE_LIMIT": "sepuluh"},
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "TELUSUR_RATE_LIMIT" in bad.stderr and "Traceback" not in bad.stderr
