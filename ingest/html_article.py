"""Parse one news HTML page (Indonesian or English) into an :class:`Article`.

Order of trust: the page's own structured data (JSON-LD ``NewsArticle``/``Article``, ``og:``/``article:``
meta tags, ``<link rel=canonical>``, microdata ``itemprop=articleBody``), then a small table of body
containers of common Indonesian outlets, then a generic content-density heuristic that scores block
containers by the non-link text of the paragraphs they hold. Boilerplate (navigation, "Baca juga" boxes,
share/ads/comment widgets, photo captions, credit and tag lines) is removed before and after.
"""

from __future__ import annotations

import codecs
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlparse

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from ingest.article import Article, SkipInput, make_article_id
from ingest.dates import parse_date

MIN_BODY_WORDS = 40  # fewer words of body text than this: not an article
ARTICLE_TYPES = {"newsarticle", "article", "reportagenewsarticle", "analysisnewsarticle", "blogposting",
                 "opinionnewsarticle", "backgroundnewsarticle", "reviewnewsarticle", "liveblogposting",
                 "report", "scholarlyarticle", "techarticle"}

# Body containers of common Indonesian outlets: host suffix -> CSS selectors. Tried after structured
# data; a match must still hold MIN_BODY_WORDS of clean text, otherwise the generic method decides.
SITE_BODY_SELECTORS: dict[str, str] = {
    "kompas.com": ".read__content",
    "detik.com": "#detikdetailtext, .detail__body-text, .itp_bodycontent",
    "cnnindonesia.com": "#detikdetailtext, .detail-text",
    "tempo.co": "#isi, .detail-in",
    "republika.co.id": ".artikel, .article-content",
    "sindonews.com": "#content, .detail-desc",
    "tirto.id": ".content-text-editor",
    "liputan6.com": ".article-content-body__item-content",
    "tribunnews.com": ".txt-article",
    "okezone.com": "#contentx",
    "antaranews.com": ".post-content",
    "merdeka.com": ".mdk-body-paragraph",
    "poskotanews.com": ".single-content",
}

_DROP_TAGS = ("script", "style", "noscript", "iframe", "form", "button", "input", "select", "textarea",
              "svg", "canvas", "nav", "footer", "aside", "figure", "figcaption", "ins", "object", "embed",
              "template", "link", "meta", "video", "audio", "picture", "header", "head", "title", "map",
              "dialog")
_BLOCK_TAGS = {"address", "article", "aside", "blockquote", "center", "dd", "details", "div", "dl", "dt",
               "fieldset", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
               "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "thead", "tfoot", "tr",
               "td", "th", "ul", "body", "html"}
_PARA_TAGS = {"p", "h2", "h3", "h4", "h5", "h6", "blockquote", "li", "pre", "dd", "dt"}
_NEGATIVE_CLASSES = {
    "share", "sharing", "social", "sosmed", "comment", "comments", "komentar", "related", "terkait",
    "recommended", "rekomendasi", "popular", "populer", "terpopuler", "trending", "sidebar", "footer",
    "nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "tag", "tags", "topik", "ads", "ad",
    "advert", "advertisement", "iklan", "banner", "promo", "newsletter", "subscribe", "widget", "caption",
    "credit", "copyright", "gpt", "outbrain", "taboola", "disqus", "lihatjg", "linksisip", "baca",
    "bacajuga", "baca-juga", "readmore", "read-also", "author-box", "pagination", "modal", "popup", "cookie",
}
_POSITIVE_CLASSES = {"content", "article", "artikel", "body", "text", "story", "entry", "post", "isi",
                     "berita", "detail", "read", "main"}
_KEEP_TAGS = {"html", "body", "article", "main"}
_RELATED = re.compile(
    r"^\W*(?:(?:baca|lihat|simak|tonton|saksikan|klik|cek)\s+(?:juga|pula|selengkapnya|video|berita)"
    r"|(?:artikel|berita|video)\s+(?:terkait|lainnya|pilihan|menarik)|read\s+(?:also|more)|see\s+also"
    r"|related\b)", re.IGNORECASE)
_CREDIT = re.compile(
    r"^\W*(?:editor|penulis|reporter|pewarta|penyunting|redaktur|sumber|source|foto|fotografer|photo|video"
    r"|tags?|topik|kata\s+kunci|keywords?|ilustrasi|copyright|hak\s+cipta)\s*:", re.IGNORECASE)
_SIGN_OFF = re.compile(r"^\(?\s*[a-z]{2,5}(?:\s*/\s*[a-z]{2,5})+\s*\)?$|^\(\s*[a-z]{2,5}\s*\)$"
                       r"|^\(\s*[\w .-]{1,30}/[\w .-]{1,30}\)$", re.IGNORECASE)
_CONTROL_BYTES = [b for b in range(32) if b not in b"\t\n\r\f\x1b"] + [127]
_TRAILING_SIGN_OFF = re.compile(r"\s*\(\s*[a-z]{2,8}(?:\s*/\s*[a-z]{2,8})+\s*\)\s*$", re.IGNORECASE)
_NOISE = re.compile(r"^(?:advertisement|iklan|scroll to continue.*|ads?|adsbygoogle.*)$", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_TITLE_SEPARATORS = re.compile(r"\s+[|\-–—:»·]\s+|\s+::\s+")
_TLD_LABELS = {"www", "m", "amp", "com", "co", "id", "go", "net", "org", "or", "ac", "sch", "web", "my",
               "info", "tv", "news"}
_BYLINE = re.compile(r"^\s*(?:reporter|penulis|pewarta|oleh|by)\s*:?\s+([^\n|–—-]{3,60})", re.IGNORECASE)


@dataclass
class Para:
    """One text run between block boundaries, with the block element that holds it."""

    text: str
    link_chars: int
    owner: Tag

    @property
    def words(self) -> int:
        return len(_WORD.findall(self.text))

    @property
    def link_density(self) -> float:
        return self.link_chars / max(1, len(self.text))


# --------------------------------------------------------------------------------------------- decoding

def decode_html(raw: bytes) -> str:
    """Bytes -> text: UTF-8 (or a UTF-16 BOM), else the charset the page declares; SkipInput otherwise."""
    if not raw.strip():
        raise SkipInput("empty input: no bytes other than whitespace")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _decode_with(raw, "utf-16")
    else:
        _check_not_binary(raw[:65536])
        text = _decode_utf8_or_declared(raw)
    if not re.search(r"<(?:[a-zA-Z][\w-]*|!doctype|!--)", text[:65536], re.IGNORECASE):
        raise SkipInput("not HTML: no tags found")
    return text


def _check_not_binary(sample: bytes) -> None:
    if b"\x00" in sample:
        raise SkipInput("binary data (NUL bytes), not an HTML page")
    if sum(sample.count(bytes([b])) for b in _CONTROL_BYTES) > len(sample) / 100:
        raise SkipInput("binary data (control bytes), not an HTML page")


def _decode_utf8_or_declared(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        charset = declared_charset(raw)
        if charset is None:
            raise SkipInput("not valid UTF-8 and the page declares no charset") from None
        return _decode_with(raw, charset)


def declared_charset(raw: bytes) -> str | None:
    """The charset named by ``<meta charset>``, an http-equiv content type or an XML declaration."""
    head = raw[:16384].decode("latin-1")
    m = (re.search(r"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", head, re.IGNORECASE)
         or re.search(r"<\?xml[^>]+encoding\s*=\s*[\"']([\w.:-]+)", head, re.IGNORECASE))
    return m.group(1).lower() if m else None


def _decode_with(raw: bytes, charset: str) -> str:
    """Decode strictly with ``charset`` (latin-1/ascii labels mean windows-1252, as browsers do)."""
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        raise SkipInput(f"the page declares an unknown charset {charset!r}") from None
    if name in ("latin-1", "iso8859-1", "ascii", "cp1252"):
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    if name.startswith("utf-16") and not raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        name = "utf-8"  # an ASCII-compatible page cannot really be UTF-16 (WHATWG rule)
    try:
        return raw.decode(name).lstrip("\ufeff")
    except UnicodeDecodeError as exc:
        raise SkipInput(f"bytes are not valid in the declared charset {charset!r}: {exc.reason} "
                        f"at byte {exc.start}") from None


def _is_truncated(text: str) -> bool:
    return not re.search(r"</(?:html|body)\s*>", text, re.IGNORECASE)


# ------------------------------------------------------------------------------------- small helpers

def norm_space(text: str) -> str:
    """Collapse all whitespace (incl. non-breaking spaces) to single spaces."""
    return " ".join(text.split())


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def token_f1(a: str, b: str) -> float:
    """Multiset F1 of lowercased word tokens."""
    ca, cb = Counter(_WORD.findall(a.lower())), Counter(_WORD.findall(b.lower()))
    common = sum((ca & cb).values())
    if not common:
        return 0.0
    precision, recall = common / sum(ca.values()), common / sum(cb.values())
    return 2 * precision * recall / (precision + recall)


def _compact(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _host_labels(url: str) -> list[str]:
    """Distinctive labels of a URL's host: "bola.tempo.co" -> ["bola", "tempo"]."""
    host = urlparse(url).hostname or ""
    return [label for label in host.split(".") if label and label not in _TLD_LABELS]


def _site_label(url: str) -> str:
    """The registrable name of the host: "bola.tempo.co" -> "tempo", "poskotanews.com" -> "poskotanews"."""
    labels = _host_labels(url)
    return labels[-1] if labels else ""


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
    keys = {_compact(n) for n in site_names if _compact(n)} | {_site_label(url)} - {""}
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) < 2:
        return title

    def is_site(segment: str) -> bool:
        seg = _compact(segment)
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
    ca, cb = _compact(_strip_ellipsis(a)), _compact(_strip_ellipsis(b))
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
    avoid = {_site_label(url), _compact(source)} - {""}
    for cand in candidates:
        name = _clean_author(cand)
        if name and not any(a in _compact(name) or _compact(name) in a for a in avoid if len(a) > 2):
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


# -------------------------------------------------------------------------------------- body: cleanup

def clean_tree(soup: BeautifulSoup) -> None:
    """Remove non-content elements in place (scripts, widgets, captions, related-link boxes)."""
    for node in soup.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()
    for tag in soup.find_all(_DROP_TAGS):
        if not tag.decomposed:
            tag.decompose()
    for tag in soup.find_all(True):
        if not tag.decomposed and tag.name not in _KEEP_TAGS and _is_boilerplate_box(tag):
            tag.decompose()
    _drop_related_boxes(soup)
    _drop_image_captions(soup)


def _is_boilerplate_box(tag: Tag) -> bool:
    """A class/id naming a widget; if it also names content, only when short or mostly links."""
    if tag.attrs is None or tag.get("itemprop") == "articleBody":
        return False
    names = [str(c).lower() for c in (tag.get("class") or [])] + [str(tag.get("id") or "").lower()]
    if not any(_names_widget(n) for n in names if n):
        return False
    if not any(part in _POSITIVE_CLASSES for n in names for part in re.split(r"[-_]+", n)):
        return True
    text = norm_space(tag.get_text(" "))
    links = sum(len(norm_space(a.get_text(" "))) for a in tag.find_all("a"))
    return word_count(text) < 80 or links > len(text) / 2


def _names_widget(name: str) -> bool:
    if name in _NEGATIVE_CLASSES:
        return True
    parts = re.split(r"[-_]+", name)
    return parts[0] in _NEGATIVE_CLASSES or parts[-1] in _NEGATIVE_CLASSES


def _block_ancestor(node: NavigableString | Tag) -> Tag | None:
    parent = node.parent
    while parent is not None and parent.name not in _BLOCK_TAGS:
        parent = parent.parent
    return parent


def _drop_related_boxes(soup: BeautifulSoup) -> None:
    """Remove "Baca juga: <link>" style boxes: the smallest short block holding the marker and its link."""
    for marker in soup.find_all(string=_RELATED):
        box = _block_ancestor(marker)
        if box is None or box.decomposed:
            continue
        while (not box.find("a") and box.parent is not None and box.parent.name not in _KEEP_TAGS
               and word_count(box.parent.get_text(" ")) <= 40):
            box = box.parent
        if box.name not in _KEEP_TAGS and word_count(box.get_text(" ")) <= 40:
            box.decompose()


def _drop_image_captions(soup: BeautifulSoup) -> None:
    """Remove the short block around an image (photo + caption + credit), but not a paragraph."""
    for img in soup.find_all("img"):
        if img.decomposed:
            continue
        box = _block_ancestor(img)
        if box is not None and box.name not in _KEEP_TAGS | {"p"} and word_count(box.get_text(" ")) < 30:
            box.decompose()


# ------------------------------------------------------------------------------ body: paragraphs

def paragraphs(root: Tag) -> list[Para]:
    """Text runs of ``root`` split at block elements and ``<br>``, in document order."""
    out: list[Para] = []
    buf: list[str] = []
    link_chars = [0]

    def flush(owner: Tag) -> None:
        text = norm_space("".join(buf))
        if text:
            out.append(Para(text, min(link_chars[0], len(text)), owner))
        buf.clear()
        link_chars[0] = 0

    def walk(node: Tag, owner: Tag, in_link: bool) -> None:
        for child in node.children:
            if isinstance(child, NavigableString):
                if type(child) is NavigableString:  # skips comments, CDATA, doctype
                    buf.append(str(child))
                    link_chars[0] += len(norm_space(str(child))) if in_link else 0
            elif child.name == "br" or child.name == "hr":
                flush(owner)
            elif child.name in _BLOCK_TAGS or _acts_as_block(child):
                flush(owner)
                walk(child, child, in_link)
                flush(child)
            else:
                walk(child, owner, in_link or child.name == "a")

    walk(root, root, False)
    flush(root)
    return out


def _acts_as_block(tag: Tag) -> bool:
    """An inline element (e.g. a ``<span>`` body) that holds block children or paragraph breaks."""
    children = [c for c in tag.children if isinstance(c, Tag)]
    return any(c.name in _BLOCK_TAGS for c in children) or sum(c.name == "br" for c in children) >= 2


def keep_paragraph(para: Para) -> bool:
    """False for boilerplate lines: related links, credits, sign-offs, link-only runs."""
    text, words = para.text, para.words
    if words == 0 or para.link_density > 0.5 or para.owner.name == "h1":
        return False
    if _RELATED.match(text) and words <= 40:
        return False
    if _CREDIT.match(text) and words <= 25:
        return False
    return not (_SIGN_OFF.match(text) or _NOISE.match(text))


def _container(para: Para) -> Tag:
    owner = para.owner
    return owner.parent if owner.name in _PARA_TAGS and owner.parent is not None else owner


def rank_containers(root: Tag) -> list[tuple[float, Tag]]:
    """Block containers scored by the unlinked words of their paragraphs (best first)."""
    scores: dict[int, float] = {}
    tags: dict[int, Tag] = {}
    for para in paragraphs(root):
        if not keep_paragraph(para):
            continue
        score = para.words * (1 - para.link_density) * (1.0 if para.words >= 8 else 0.3)
        box = _container(para)
        for tag, share in ((box, 1.0), (box.parent, 0.5)):
            if tag is not None:
                scores[id(tag)] = scores.get(id(tag), 0.0) + score * share
                tags[id(tag)] = tag
    ranked = [(score * (1 - _link_density(tags[key])), tags[key]) for key, score in scores.items()]
    return sorted(ranked, key=lambda item: -item[0])


def _link_density(tag: Tag) -> float:
    text = norm_space(tag.get_text(" "))
    links = sum(len(norm_space(a.get_text(" "))) for a in tag.find_all("a"))
    return min(1.0, links / max(1, len(text)))


def container_text(tag: Tag) -> list[str]:
    """The clean paragraphs of one container."""
    return [p.text for p in paragraphs(tag) if keep_paragraph(p)]


def _with_siblings(best: Tag, ranked: list[tuple[float, Tag]]) -> list[Tag]:
    """The best container plus same-tag siblings that score at least 30% of it (split bodies)."""
    top = ranked[0][0]
    good = {id(tag) for score, tag in ranked if score >= 0.3 * top and _link_density(tag) < 0.2}
    if best.parent is None:
        return [best]
    return [t for t in best.parent.find_all(best.name, recursive=False) if t is best or id(t) in good]


def generic_body(root: Tag) -> list[str]:
    """Paragraphs of the densest container (and its strong siblings)."""
    ranked = rank_containers(root)
    if not ranked:
        return []
    return [text for tag in _with_siblings(ranked[0][1], ranked) for text in container_text(tag)]


def _site_body(soup: BeautifulSoup, url: str) -> list[str]:
    host = urlparse(url).hostname or ""
    for suffix, selectors in SITE_BODY_SELECTORS.items():
        if host == suffix or host.endswith("." + suffix):
            texts = [container_text(tag) for tag in soup.select(selectors)]
            best = max(texts, key=lambda t: word_count(" ".join(t)), default=[])
            if word_count(" ".join(best)) >= MIN_BODY_WORDS:
                return best
    return []


def _microdata_body(soup: BeautifulSoup) -> list[str]:
    texts = [container_text(tag) for tag in soup.find_all(attrs={"itemprop": "articleBody"})]
    best = max(texts, key=lambda t: word_count(" ".join(t)), default=[])
    return best if word_count(" ".join(best)) >= MIN_BODY_WORDS else []


def _containment(part: str, whole: str) -> float:
    """Share of ``part``'s word tokens (multiset) that also occur in ``whole``."""
    cp, cw = Counter(_WORD.findall(part.lower())), Counter(_WORD.findall(whole.lower()))
    return sum((cp & cw).values()) / max(1, sum(cp.values()))


def _ld_body_paragraphs(ld_body: str, dom_options: list[list[str]]) -> list[str]:
    """JSON-LD articleBody decides what the body is; a DOM version that agrees gives the paragraphs.

    A DOM body that contains nearly all of a shorter articleBody wins too (the articleBody was cut).
    """
    joined = [(" ".join(opt), opt) for opt in dom_options if opt]
    agreeing = [(token_f1(text, ld_body), opt) for text, opt in joined if token_f1(text, ld_body) >= 0.8]
    if agreeing:
        return max(agreeing, key=lambda item: item[0])[1]
    longer = [opt for text, opt in joined if _containment(ld_body, text) >= 0.9 and len(text) > len(ld_body)]
    if longer:
        return longer[0]
    text = BeautifulSoup(ld_body, "lxml").get_text("\n") if "<" in ld_body else ld_body
    paras = [Para(norm_space(line), 0, Tag(name="p")) for line in re.split(r"\n+", text)]
    return [p.text for p in paras if keep_paragraph(p)]


def extract_body(soup: BeautifulSoup, ld_body: str, url: str, use_site_rules: bool = True) -> list[str]:
    """Body paragraphs: JSON-LD articleBody, microdata, site table, then the density heuristic."""
    clean_tree(soup)
    root = soup.body or soup
    options = [_microdata_body(soup), _site_body(soup, url) if use_site_rules else [], generic_body(root)]
    if ld_body:
        return _ld_body_paragraphs(ld_body, options)
    return next((opt for opt in options if word_count(" ".join(opt)) >= MIN_BODY_WORDS), options[-1])


def trim_edges(paras: list[str], title: str) -> list[str]:
    """Drop a leading copy of the headline and trailing all-caps credit lines ("REUTERS | ANTARA")."""
    paras = list(paras)
    if paras and title and _compact(paras[0]) == _compact(title):
        paras.pop(0)
    while paras and word_count(paras[-1]) <= 8 and paras[-1] == paras[-1].upper() and _WORD.search(paras[-1]):
        paras.pop()
    if paras:
        paras[-1] = _TRAILING_SIGN_OFF.sub("", paras[-1])
    return [p for p in paras if p]


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
        if _is_truncated(text):
            raise SkipInput(f"truncated HTML (no closing </html>) with no recoverable article body "
                            f"({words} words)")
        raise SkipInput(f"no article body: {words} words of body text (need {MIN_BODY_WORDS})")
    article_id = make_article_id(meta.url) if meta.url else make_article_id(origin, meta.title)
    return Article(article_id=article_id, title=meta.title, text=body_text, date=meta.date,
                   source=meta.source, url=meta.url, category=meta.category, author=meta.author,
                   origin=origin, extra={"description": meta.description} if meta.description else {})
