"""Body text of a news page: boilerplate removal, paragraphs, and choosing the content container."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlparse

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from ingest.formats.html_text import compact_text, norm_space, token_f1, word_count

MIN_BODY_WORDS = 40  # fewer words of body text than this: not an article

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
_TRAILING_SIGN_OFF = re.compile(r"\s*\(\s*[a-z]{2,8}(?:\s*/\s*[a-z]{2,8})+\s*\)\s*$", re.IGNORECASE)
_NOISE = re.compile(r"^(?:advertisement|iklan|scroll to continue.*|ads?|adsbygoogle.*)$", re.IGNORECASE)
_WORD = re.compile(r"\w+")


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


# -------------------------------------------------------------------------------------- body: cleanup

def clean_tree(soup: BeautifulSoup) -> None:
    """Remove non-content elements in place (scripts, widgets, captions, related-link boxes)."""
    for node in soup.find_all(string=lambda s: isinstance(s, Comment)):
        node.extract()
    for tag in soup.find_all(_DROP_TAGS):
        if not _decomposed(tag):
            tag.decompose()
    for tag in soup.find_all(True):
        if not _decomposed(tag) and tag.name not in _KEEP_TAGS and _is_boilerplate_box(tag):
            tag.decompose()
    _drop_related_boxes(soup)
    _drop_image_captions(soup)


def _decomposed(tag: Tag) -> bool:
    """``tag.decomposed`` without its cost: on a live tag, bs4 looks the missing ``_decomposed`` attribute up as a
    child tag name (a search of the whole subtree), which made cleaning a deeply nested page quadratic."""
    return bool(tag.__dict__.get("_decomposed", False))


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
        if box is None or _decomposed(box):
            continue
        while (not box.find("a") and box.parent is not None and box.parent.name not in _KEEP_TAGS
               and word_count(box.parent.get_text(" ")) <= 40):
            box = box.parent
        if box.name not in _KEEP_TAGS and word_count(box.get_text(" ")) <= 40:
            box.decompose()


def _drop_image_captions(soup: BeautifulSoup) -> None:
    """Remove the short block around an image (photo + caption + credit), but not a paragraph."""
    for img in soup.find_all("img"):
        if _decomposed(img):
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
    if paras and title and compact_text(paras[0]) == compact_text(title):
        paras.pop(0)
    while paras and word_count(paras[-1]) <= 8 and paras[-1] == paras[-1].upper() and _WORD.search(paras[-1]):
        paras.pop()
    if paras:
        paras[-1] = _TRAILING_SIGN_OFF.sub("", paras[-1])
    return [p for p in paras if p]


