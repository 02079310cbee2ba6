"""Metadata of a news page: JSON-LD, meta tags, canonical URL; title, date, author, outlet, category."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup

from ingest.dates import parse_date
from ingest.formats.html_body import MIN_BODY_WORDS
from ingest.formats.html_text import compact_text, norm_space, site_label, word_count

ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                 "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "liveblogposting",
                 "report", "scholarlyarticle", "techarticle"}

_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»·]\s+|\s+::\s+")
_BYLINE = re.compile(r"^\s*(?:reporter|penulis|pewarta|oleh|by)\s*:?\s+([^\n|–—-]{3,60})", re.IGNORECASE)


def _meta(soup: BeautifulSoup, *keys: str) -> list[str]:
    """Non-empty contents of meta tags whose property/name/itemprop is in ``keys``, in ``keys`` order."""
    rank = {k.lower(): i for i, k in enumerate(keys)}
    found: list[tuple[int, str]] = []
    for tag in soup.find_all("meta"):
        ranks = [rank[key] for a in ("property", "name", "itemprop") if (key := str(tag.get(a) or "").lower())
                 in rank]
        content = norm_space(str(tag.get("content") or ""))
        if ranks and content:
            found.append((min(ranks), content))
    return [content for _, content in sorted(found, key=lambda f: f[0])]


# ------------------------------------------------------------------------------------------- JSON-LD

def json_ld_objects(soup: BeautifulSoup) -> list[dict]:
    """Every JSON-LD object on the page, flattened out of lists and ``@graph``."""
    objects: list[dict] = []
    for script in soup.find_all("script", type=re.compile(r"ld\+json", re.IGNORECASE)):
        text = script.string or script.get_text()
        text = re.sub(r"^\s*(?:<!--|//\s*<!\[CDATA\[)|(?:-->|//\s*\]\]>)\s*$", "", text.strip())
        try:
            data = json.loads(text, strict=False)
        except ValueError:
            continue  # malformed JSON-LD is common; the meta tags still serve
        objects.extend(_flatten_ld(data))
    return objects


def _flatten_ld(data: object) -> Iterator[dict]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten_ld(item)
    elif isinstance(data, dict):
        yield data
        for key in ("@graph", "mainEntity"):
            if isinstance(data.get(key), (list, dict)):
                yield from _flatten_ld(data[key])


def _ld_types(obj: dict) -> set[str]:
    kinds = obj.get("@type") or []
    return {str(k).lower() for k in (kinds if isinstance(kinds, list) else [kinds])}


def _ld_text(value: object) -> str:
    """A JSON-LD value as plain text: strings, {name: ...} objects and lists of them."""
    if isinstance(value, str):
        return norm_space(BeautifulSoup(value, "lxml").get_text(" ") if "<" in value else value)
    if isinstance(value, dict):
        return _ld_text(value.get("name") or value.get("@id") or "")
    if isinstance(value, list):
        return ", ".join(t for t in (_ld_text(v) for v in value) if t)
    return ""


# ------------------------------------------------------------------------------------------ metadata

@dataclass
class PageMeta:
    """Metadata collected from the untouched document."""

    title: str
    url: str
    date: str | None
    author: str
    source: str
    category: str
    description: str
    ld_body: str


def read_meta(soup: BeautifulSoup, ld: list[dict]) -> PageMeta:
    """Title, URL, date, author, site name, category and description from structured data first."""
    articles = [o for o in ld if _ld_types(o) & ARTICLE_TYPES]
    url = _canonical_url(soup, articles)
    section_like = _section_like_site_names(soup, url)
    source = _site_name(soup, articles, url, section_like)
    return PageMeta(
        title=_title(soup, articles, url, source),
        url=url,
        date=_date(soup, articles),
        author=_author(soup, articles, url, source),
        source=source,
        category=_category(soup, articles, ld, section_like),
        description=next(iter(_meta(soup, "og:description", "description", "twitter:description")), ""),
        ld_body=_ld_body(articles),
    )


def _first_ld(articles: list[dict], *keys: str) -> list[str]:
    return [text for obj in articles for key in keys if (text := _ld_text(obj.get(key)))]


def _canonical_url(soup: BeautifulSoup, articles: list[dict]) -> str:
    og = _meta(soup, "og:url")
    candidates = [str(link.get("href") or "") for link in soup.find_all("link", href=True)
                  if "canonical" in [r.lower() for r in (link.get("rel") or [])]]
    candidates += og
    for obj in articles:
        page = obj.get("mainEntityOfPage")
        candidates.append(_ld_text(page.get("@id") if isinstance(page, dict) else page))
        candidates.append(_ld_text(obj.get("url")))
    base = og[0] if og else ""
    for cand in candidates:
        parts = urlparse(urljoin(base, cand.strip()) if cand.strip() else "")
        if parts.scheme in ("http", "https") and parts.netloc and parts.path.strip("/"):
            return parts.geturl().rstrip("#")  # a bare home page is not this article's address
    return ""


def _section_like_site_names(soup: BeautifulSoup, url: str) -> list[str]:
    """og:site_name values that are really a section of the URL path (e.g. "nasional")."""
    path = {seg.lower() for seg in urlparse(url).path.split("/") if seg}
    return [name for name in _meta(soup, "og:site_name") if name.lower() in path]


def _site_name(soup: BeautifulSoup, articles: list[dict], url: str, section_like: list[str]) -> str:
    publishers = [_ld_text(obj.get("publisher")) for obj in articles]
    metas = [n for n in _meta(soup, "og:site_name", "application-name") if n not in section_like]
    for name in publishers + metas:
        if name and not name.lower().startswith("http"):
            return name
    host = urlparse(url).hostname or ""
    return host.removeprefix("www.")


def strip_site_affix(title: str, site_names: list[str], url: str) -> str:
    """Remove a leading/trailing " - Kompas.com" / " | Republika Online" style site segment."""
    keys = {compact_text(n) for n in site_names if compact_text(n)} | {site_label(url)} - {""}
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title

    def is_site(segment: str) -> bool:
        seg = compact_text(segment)
        short = len(seg) > 2 and len(segment.split()) <= 5
        return short and any(k in seg or seg in k for k in keys if len(k) > 2)

    seps = _TITLE_SEPARATORS.findall(title)
    if is_site(parts[-1]):
        return title[: len(title) - len(parts[-1]) - len(seps[-1])].strip()
    if is_site(parts[0]):
        return title[len(parts[0]) + len(seps[0]):].strip()
    return title


def _title(soup: BeautifulSoup, articles: list[dict], url: str, source: str) -> str:
    """The headline: the highest-priority candidate that another independent candidate confirms."""
    sites = [source, *_meta(soup, "og:site_name"), *[_ld_text(o.get("publisher")) for o in articles]]
    groups = [_first_ld(articles, "headline", "name"), _meta(soup, "og:title"), _meta(soup, "twitter:title"),
              [norm_space(h.get_text(" ")) for h in soup.find_all("h1")][:5],
              [norm_space(soup.title.get_text(" "))] if soup.title else []]
    groups = [[strip_site_affix(t, sites, url) for t in group if t] for group in groups]
    for i, group in enumerate(groups):
        others = [t for j, g in enumerate(groups) if j != i for t in g]
        for cand in group:
            agreeing = [o for o in others if _titles_agree(cand, o)]
            if agreeing:
                return _untruncated(cand, agreeing)
    return next((t for group in groups for t in group), "")


def _titles_agree(a: str, b: str) -> bool:
    ca, cb = compact_text(_strip_ellipsis(a)), compact_text(_strip_ellipsis(b))
    return len(ca) >= 8 and len(cb) >= 8 and (ca.startswith(cb) or cb.startswith(ca))


def _strip_ellipsis(text: str) -> str:
    return re.sub(r"\s*(?:\.{3,}|…)\s*$", "", text)


def _untruncated(title: str, agreeing: list[str]) -> str:
    """Prefer a longer, complete version of a title cut with an ellipsis."""
    if _strip_ellipsis(title) == title:
        return title
    complete = [t for t in agreeing if _strip_ellipsis(t) == t and len(t) > len(_strip_ellipsis(title))]
    return max(complete, key=len) if complete else title


def _date(soup: BeautifulSoup, articles: list[dict]) -> str | None:
    candidates = _first_ld(articles, "datePublished", "dateCreated")
    candidates += _meta(soup, "article:published_time", "og:published_time", "datePublished",
                        "publishdate", "publish-date", "pubdate", "date", "dc.date.issued", "dc.date",
                        "content_publisheddate", "article_date_original", "sailthru.date", "parsely-pub-date",
                        "dtk:publishdate")
    candidates += [str(t.get("datetime") or t.get("content") or t.get_text(" "))
                   for t in soup.find_all(attrs={"itemprop": "datePublished"})]
    candidates += [str(t.get("datetime")) for t in soup.find_all("time", datetime=True)]
    candidates += _visible_dates(soup)
    found = [iso for cand in candidates if (iso := parse_date(cand))]
    if not found:
        return None
    with_time = [iso for iso in found if iso[:10] == found[0][:10] and "T" in iso]
    return found[0] if "T" in found[0] or not with_time else with_time[0]


def _visible_dates(soup: BeautifulSoup) -> list[str]:
    """Short texts of date-classed elements outside links and lists (a last resort)."""
    found: list[str] = []
    for tag in soup.find_all(True, class_=re.compile(r"date|time|tanggal|waktu|publish", re.IGNORECASE)):
        text = norm_space(tag.get_text(" "))
        outside = not tag.find_parent(["a", "li", "nav", "header", "footer", "aside"])
        if text and word_count(text) <= 14 and outside:
            found.append(text)
    return found[:20]


def _author(soup: BeautifulSoup, articles: list[dict], url: str, source: str) -> str:
    candidates = _meta(soup, "content_author", "dtk:author", "parsely-author", "sailthru.author", "byl")
    candidates += _first_ld(articles, "author", "creator")
    candidates += _meta(soup, "author", "article:author")
    candidates += [m.group(1) for s in soup.find_all(string=_BYLINE) if (m := _BYLINE.match(str(s)))]
    avoid = {site_label(url), compact_text(source)} - {""}
    for cand in candidates:
        name = _clean_author(cand)
        if name and not any(a in compact_text(name) or compact_text(name) in a for a in avoid if len(a) > 2):
            return name
    return ""


def _clean_author(text: str) -> str:
    if re.search(r"https?:|www\.|@|/", text):
        return ""
    names = list(dict.fromkeys(n.strip() for n in re.split(r",|\band\b|\bdan\b", norm_space(text))))
    names = [n for n in names if n and word_count(n) <= 6 and n.lower() not in ("admin", "administrator")]
    return ", ".join(names)


def _category(soup: BeautifulSoup, articles: list[dict], ld: list[dict], section_like: list[str]) -> str:
    candidates = _meta(soup, "article:section", "section", "category", "content_category")
    candidates += _first_ld(articles, "articleSection")
    candidates += _breadcrumb_sections(ld)
    candidates += section_like
    return next((c for c in candidates if c and not c.lower().startswith("http")), "")


def _breadcrumb_sections(ld: list[dict]) -> list[str]:
    """The first non-home entry of a JSON-LD BreadcrumbList."""
    found: list[str] = []
    for obj in ld:
        items = obj.get("itemListElement") if "breadcrumblist" in _ld_types(obj) else None
        names = [_ld_text(i.get("item") if isinstance(i.get("item"), dict) else i) for i in items or []
                 if isinstance(i, dict)]
        found += [n.replace("_", " ") for n in names[1:2] if n and len(names) >= 3]
    return found


def _ld_body(articles: list[dict]) -> str:
    """A JSON-LD articleBody that looks complete (not cut with an ellipsis, long enough)."""
    for obj in articles:
        body = obj.get("articleBody")
        text = body.strip() if isinstance(body, str) else ""
        if word_count(text) >= MIN_BODY_WORDS and not re.search(r"(?:\.{3}|…)\s*$", text):
            return text
    return ""


