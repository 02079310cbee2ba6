"""An Atom feed (RFC 4287) of the newest articles matching a saved search, for feed readers."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone

from search_app.search import Result

ATOM = "http://www.w3.org/2005/Atom"
WIB = timezone(timedelta(hours=7))  # dates without a time zone are taken as Western Indonesian Time


def atom_time(iso: str | None) -> str | None:
    """An ISO date or date-time as an RFC 3339 timestamp (``2024-09-06`` → ``2024-09-06T00:00:00+07:00``)."""
    if not iso:
        return None
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=WIB)).isoformat()


def atom_feed(*, title: str, feed_url: str, page_url: str, results: Sequence[Result],
              article_url: Callable[[Result], str]) -> bytes:
    """The feed document: ``feed_url`` is its id and self link, ``page_url`` the same search on the web page."""
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", feed_url)
    _text(feed, "title", title)
    times = [t for t in (atom_time(r.date) for r in results) if t]
    _text(feed, "updated", max(times, key=_instant) if times else datetime.now(UTC).isoformat())
    _link(feed, feed_url, "self", "application/atom+xml")
    _link(feed, page_url, "alternate", "text/html")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", "Telusur")
    _text(feed, "generator", "Telusur")
    for r in results:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        url = article_url(r)
        _text(entry, "id", url)
        _text(entry, "title", r.title or "Tanpa judul")
        _text(entry, "updated", atom_time(r.date) or datetime.now(UTC).isoformat())
        if r.date and atom_time(r.date):
            _text(entry, "published", atom_time(r.date))
        _link(entry, url, "alternate", "text/html")
        if r.url.lower().startswith(("http://", "https://")):
            _link(entry, r.url, "related", "text/html")
        if r.source:
            entry_author = ET.SubElement(entry, f"{{{ATOM}}}author")
            _text(entry_author, "name", r.source)
        if r.category:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=r.category)
        _text(entry, "summary", r.answer or r.passage)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element


def _link(parent: ET.Element, href: str, rel: str, media_type: str) -> None:
    ET.SubElement(parent, f"{{{ATOM}}}link", href=href, rel=rel, type=media_type)


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)
