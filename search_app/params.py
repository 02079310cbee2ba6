"""Search parameters: read and validated from a request's query string, and written back into URLs.

The names are a contract shared by the page, the JSON API, the CSV export and the feed:
``q, k, page, sort, date_from, date_to, source, category, region, mode`` (source, category and region may
repeat; values of one facet combine with OR, facets with AND).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from werkzeug.datastructures import MultiDict

from ingest.regions import region_of
from search_app.dates_id import format_number_id
from search_app.query import MAX_QUERY_CHARS
from search_app.search import MODES, SORTS, Filters

DEFAULT_K = 10
MAX_K = 50  # per page on the web page
MAX_EXPORT_K = 500  # per request on the API (CSV/JSON export of a whole result set)
MAX_PAGE = 100
MAX_VALUES = 50  # values of one facet in one request
LISTS = {"source": "sources", "category": "categories", "region": "regions"}


PAGE_MESSAGE = "Alamat pencarian ini tidak valid. Silakan cari lagi dari kotak pencarian."
LABELS = {"k": "Jumlah hasil per halaman", "page": "Nomor halaman", "date_from": "Tanggal awal",
          "date_to": "Tanggal akhir"}


class BadRequest(ValueError):
    """A request parameter out of range; the message names the parameter (for the API), ``page`` says what
    is wrong in plain Indonesian, without parameter names (for the web page)."""

    def __init__(self, message: str, page: str | None = None):
        super().__init__(message)
        self.page = page or PAGE_MESSAGE


def search_params(args: MultiDict, default_mode: str, *, max_k: int = MAX_K, strict: bool = False) -> dict[str, Any]:
    """The search parameters of a query string, validated (BadRequest names the bad one).

    ``strict`` (the JSON API, whose OpenAPI description is the contract): a parameter given empty, an empty
    facet value or a region that is not an official name is refused instead of ignored."""
    if strict:
        _refuse_empty(args)
    raw = args.get("q", "")
    query = raw.strip()
    length = len(raw if strict else query)  # the API counts what was sent, as its maxLength does
    if length > MAX_QUERY_CHARS:
        raise BadRequest(f"parameter q terlalu panjang ({length} karakter; paling banyak {MAX_QUERY_CHARS})",
                         f"Pertanyaan terlalu panjang: {format_number_id(length)} karakter, paling banyak "
                         f"{format_number_id(MAX_QUERY_CHARS)}. Persingkat teksnya, misalnya ambil satu atau dua "
                         "paragraf.")
    mode = args.get("mode", default_mode) or default_mode
    if mode not in MODES:
        raise BadRequest(f"parameter mode harus salah satu dari: {', '.join(MODES)}",
                         "Cara memeringkat tidak dikenal. Pilih salah satu di panel Saring hasil.")
    sort = args.get("sort", "relevance") or "relevance"
    if sort not in SORTS:
        raise BadRequest(f"parameter sort harus salah satu dari: {', '.join(SORTS)}",
                         "Urutan hasil tidak dikenal. Pilih Relevansi, Terbaru atau Terlama.")
    params: dict[str, Any] = {
        "query": query, "k": _int_arg(args, "k", DEFAULT_K, 1, max_k), "page": _int_arg(args, "page", 1, 1, MAX_PAGE),
        "mode": mode, "default_mode": default_mode, "sort": sort,
        "date_from": _date_arg(args, "date_from"), "date_to": _date_arg(args, "date_to")}
    if params["date_from"] and params["date_to"] and params["date_from"] > params["date_to"]:
        params["date_from"], params["date_to"] = params["date_to"], params["date_from"]  # a range given backwards
    for name, key in LISTS.items():
        raw = args.getlist(name)
        values = list(dict.fromkeys(v.strip() for v in raw if v.strip()))
        if len(raw) > MAX_VALUES or any(len(v) > 200 for v in values):
            raise BadRequest(f"parameter {name}: paling banyak {MAX_VALUES} nilai, "
                             f"masing-masing paling panjang 200 karakter",
                             f"Terlalu banyak pilihan saringan (paling banyak {MAX_VALUES}).")
        params[key] = values
    if strict and (unknown := [r for r in params["regions"] if region_of(r) is None]):
        raise BadRequest(f"parameter region: {unknown[0][:60]!r} bukan nama resmi kabupaten/kota atau provinsi")
    return params


def _refuse_empty(args: MultiDict) -> None:
    for name in ("k", "page", "sort", "mode", "date_from", "date_to", "format", *LISTS):
        if any(not value.strip() for value in args.getlist(name)):
            raise BadRequest(f"parameter {name} kosong; isi nilainya atau hilangkan parameternya")


def filters_of(params: dict[str, Any]) -> Filters:
    return Filters(date_from=params["date_from"], date_to=params["date_to"], sources=params["sources"],
                   categories=params["categories"], regions=params["regions"])


def filter_count(params: dict[str, Any]) -> int:
    """How many filter values are set (a date range counts once)."""
    dates = 1 if params["date_from"] or params["date_to"] else 0
    return dates + sum(len(params[key]) for key in LISTS.values())


def url_args(params: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """Query-string arguments for ``params`` with ``changes`` applied; defaults are left out (short URLs)."""
    p = {**params, **changes}
    args: dict[str, Any] = {}
    if p["query"]:
        args["q"] = p["query"]
    for name in ("date_from", "date_to"):
        if p[name]:
            args[name] = p[name]
    for name, key in LISTS.items():
        if p[key]:
            args[name] = list(p[key])
    if p["sort"] != "relevance":
        args["sort"] = p["sort"]
    if p["mode"] != p.get("default_mode", "hybrid"):
        args["mode"] = p["mode"]
    if p["k"] != DEFAULT_K:
        args["k"] = p["k"]
    if p["page"] != 1:
        args["page"] = p["page"]
    return args


def _int_arg(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"parameter {name} harus bilangan bulat, bukan {raw[:20]!r}",
                         f"{LABELS[name]} harus bilangan bulat antara {low} dan {high}.") from None
    if not low <= value <= high:
        raise BadRequest(f"parameter {name} harus antara {low} dan {high}",
                         f"{LABELS[name]} harus antara {low} dan {high}.")
    return value


def _date_arg(args: MultiDict, name: str) -> str | None:
    raw = args.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise BadRequest(f"parameter {name} harus tanggal berformat YYYY-MM-DD, bukan {raw[:20]!r}",
                         f"{LABELS[name]} harus berformat tahun-bulan-tanggal, misalnya 2024-08-06.") from None
