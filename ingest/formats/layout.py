"""Page layout to reading order (pure): lines with positions → blocks, as a reader of the page reads them.

- Two columns: a page is cut into bands at lines that cross the middle; within a band the left column is
  read before the right one.
- Running headers and footers: lines near the top or bottom edge that repeat (digits ignored) on at least
  half of the pages, and lone page numbers there, are dropped.
- Lines of a paragraph are joined; a word hyphenated across a line end is joined again (a repeated word,
  "kupu-kupu", keeps its hyphen).
- Headings: lines in larger type than the body text become blocks of their own (``heading=True``).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

EDGE = 0.09  # top and bottom share of a page where running headers and footers live
SOFT_HYPHEN = "\ufffe"  # what PDFium puts where a word was hyphenated at a line end
_PAGE_NUMBER = re.compile(r"^\W*(?:hal(?:aman)?\.?|page|hlm\.?)?\s*[-–]?\s*\d{1,4}\s*[-–]?\s*"
                          r"(?:(?:/|dari|of)\s*\d{1,4})?\W*$", re.IGNORECASE)


@dataclass
class Line:
    """A line of text on a page, in PDF points (y grows upwards)."""

    text: str
    x0: float
    x1: float
    bottom: float
    top: float
    size: float
    group: tuple | None = None  # OCR: the paragraph Tesseract put the line in (its lines are joined)
    row: bool = False  # a table row ("column: value; …"): a block of its own, never a heading


@dataclass
class Block:
    """A paragraph or heading of a document, with the page it starts on and where later pages begin in it."""

    page: int
    text: str
    heading: bool = False
    size: float = 0.0
    breaks: list[tuple[int, int]] = field(default_factory=list)  # (offset in text, page) of later pages


def _normal(text: str) -> str:
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def running_lines(pages: list[tuple[float, list[Line]]]) -> set[str]:
    """Normalised texts of lines at the page edges that repeat on at least half the pages (two at least)."""
    if len(pages) < 2:
        return set()
    seen: Counter[str] = Counter()
    for height, lines in pages:
        seen.update({_normal(line.text) for line in lines if _at_edge(line, height)})
    return {text for text, count in seen.items() if count >= max(2, len(pages) / 2)}


def _at_edge(line: Line, height: float) -> bool:
    return line.top >= height * (1 - EDGE) or line.bottom <= height * EDGE


def reading_order(lines: list[Line], width: float) -> list[Line]:
    """Lines of one page in reading order: bands split by full-width lines, left column before right."""
    middle = width / 2
    ordered: list[Line] = []
    band: list[Line] = []

    def flush() -> None:
        left = [ln for ln in band if ln.x0 < middle]
        right = [ln for ln in band if ln.x0 >= middle]
        for column in (left, right):
            ordered.extend(sorted(column, key=lambda ln: (-ln.top, ln.x0)))
        band.clear()

    for line in sorted(lines, key=lambda ln: (-ln.top, ln.x0)):
        if line.x0 < middle - 4 < middle + 4 < line.x1:  # crosses the gutter: full width
            flush()
            ordered.append(line)
        else:
            band.append(line)
    flush()
    return ordered


def join_lines(previous: str, line: str) -> str:
    """Append a line to a paragraph: a hyphenated word is joined, otherwise one space."""
    stripped = previous.rstrip()
    if stripped.endswith((SOFT_HYPHEN, "-")) and len(stripped) > 1 and stripped[-2].isalpha() \
            and line[:1].islower():
        fragment = re.search(r"(\w+)\W$", stripped)
        if fragment and line.startswith(fragment[1]):  # "kupu-" + "kupu": a repeated word keeps its hyphen
            return f"{stripped[:-1]}-{line}"
        return stripped[:-1] + line
    return f"{stripped} {line}" if stripped else line


def _is_running(text: str, repeated: set[str]) -> bool:
    """A running header/footer: a repeated edge line, a page number, or repeated lines run together
    with a page number (OCR may read a footer's left and right parts as one line)."""
    normal = _normal(text)
    if normal in repeated or _PAGE_NUMBER.match(text):
        return True
    rest = normal
    for line in sorted(repeated, key=len, reverse=True):
        rest = rest.replace(line, " ")
    return rest != normal and (not re.search(r"\w", rest) or bool(_PAGE_NUMBER.match(rest.replace("#", "1"))))


def _body_size(pages: list[tuple[float, list[Line]]]) -> float:
    sizes: Counter[float] = Counter()
    for _, lines in pages:
        for line in lines:
            sizes[round(line.size, 1)] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def blocks_of_pages(pages: list[tuple[float, float, list[Line]]], first_page: int = 1) -> list[Block]:
    """Blocks of a document from its pages' (width, height, lines): reading order, edges dropped, joined.

    A paragraph that runs on into the next column or page (no final punctuation, next line in lower case)
    stays one block; ``breaks`` records where a new page begins inside it."""
    sized = [(height, lines) for _, height, lines in pages]
    repeated = running_lines(sized)
    body = _body_size(sized)
    blocks: list[Block] = []
    previous: Line | None = None
    previous_page = first_page
    for number, (width, height, lines) in enumerate(pages, start=first_page):
        kept = [ln for ln in lines if not (_at_edge(ln, height) and _is_running(ln.text, repeated))]
        for line in reading_order(kept, width):
            text = " ".join(line.text.split())
            if not text:
                continue
            heading = body > 0 and line.size >= body * 1.15 and not line.row
            last = blocks[-1] if blocks else None
            if last is not None and previous is not None and last.heading == heading \
                    and not line.row and not previous.row and (
                    ((_continues(previous, line) or _same_group(previous, line)) and previous_page == number)
                    or _flows_on(last, previous, line)):
                joined = join_lines(last.text, text)
                if number != (last.breaks[-1][1] if last.breaks else last.page):
                    last.breaks.append((len(joined) - len(text), number))
                last.text = joined
            else:
                blocks.append(Block(number, text, heading, line.size))
            previous, previous_page = line, number
    for block in blocks:
        block.text = block.text.replace(SOFT_HYPHEN, "-")
    return blocks


def _continues(previous: Line, line: Line) -> bool:
    """Is ``line`` the next line of ``previous``'s paragraph (same column, same type, regular spacing)?"""
    gap = previous.bottom - line.top
    same_column = abs(previous.x0 - line.x0) < max(previous.size, line.size) * 6 or line.x0 < previous.x1
    return _same_type(previous, line) and -line.size * 0.5 < gap < line.size * 0.8 and same_column


def _flows_on(block: Block, previous: Line, line: Line) -> bool:
    """Does a paragraph cut by a column or page end go on with ``line`` (its last sentence is unfinished)?"""
    return (_same_type(previous, line) and not block.heading and previous.bottom - line.top < 0
            and not block.text.rstrip().endswith((".", "!", "?", ":", "”", '"', "’", ")")))


def _same_type(a: Line, b: Line) -> bool:
    """Same type size, within 15% (OCR'd sizes come from word boxes and vary a little)."""
    return abs(a.size - b.size) < max(0.6, 0.15 * max(a.size, b.size))


def _same_group(a: Line, b: Line) -> bool:
    return a.group is not None and a.group == b.group
