"""HTML bytes to text (UTF-8, BOM or declared charset), and small text helpers shared by the HTML reader."""

from __future__ import annotations

import codecs
import re
from collections import Counter
from urllib.parse import urlparse

from ingest.article import SkipInput

_CONTROL_BYTES = [b for b in range(32) if b not in b"\t\n\r\f\x1b"] + [127]
_WORD = re.compile(r"\w+")
_TLD_LABELS = {"www", "m", "amp", "com", "co", "id", "go", "net", "org", "or", "ac", "sch", "web", "my",
               "info", "tv", "news"}


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


def is_truncated(text: str) -> bool:
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


def compact_text(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())


def _host_labels(url: str) -> list[str]:
    """Distinctive labels of a URL's host: "bola.tempo.co" -> ["bola", "tempo"]."""
    host = urlparse(url).hostname or ""
    return [label for label in host.split(".") if label and label not in _TLD_LABELS]


def site_label(url: str) -> str:
    """The registrable name of the host: "bola.tempo.co" -> "tempo", "poskotanews.com" -> "poskotanews"."""
    labels = _host_labels(url)
    return labels[-1] if labels else ""
