"""Ruled tables on PDF text-layer pages: cells from the lines drawn on the page, rows as "column: value" text.

Only pages with at least two horizontal and two vertical rules are searched (``rules`` walks the page's
drawing objects, a fraction of a millisecond): the rest of the page is read as lines as before.

- Rules: stroked paths thinner than ``THIN`` points in one direction (lines), thin filled rectangles (borders
  drawn as fills), and the four edges of stroked rectangles.
- Grid: rules that cross or touch form one table; its rows and columns lie between their distinct
  positions. A cell whose separating rule is missing is merged with its neighbour (merged cells).
- Header: the first row; while a header row has a cell spanning several columns, the next row is a header
  row too (its names are prefixed with the spanning cell's: "Anggaran 2024").
- A vertically merged data cell gives its value to every row it spans (each row stands alone as text).
- Not tables: grids whose cells are mostly empty (a chart's gridlines, a blank form), pages with more than
  ``MAX_RULES`` rules in one direction or ``MAX_OBJECTS`` objects (maps, vector drawings).
"""

from __future__ import annotations

import ctypes
from bisect import bisect_right
from dataclasses import dataclass

from ingest.formats.package import table_rows

THIN = 2.5  # a rule is at most this thick (points)
TOLERANCE = 2.0  # positions closer than this are the same rule
MIN_RULES = 2  # horizontal and vertical rules a page needs before it is searched for tables
MAX_RULES = 400  # more rules in one direction (after joining): a drawing or a map, not tables
MAX_OBJECTS = 20_000  # a page with more drawing and text objects is not searched (a map, a vector drawing)
MIN_FILLED = 0.3  # a grid whose cells are mostly empty (a chart's gridlines, a blank form) is not a table

Char = tuple[str, float, float, float, float, float]  # text, left, bottom, right, top, font size


@dataclass
class Rule:
    """A horizontal (``at`` = y, span in x) or vertical (``at`` = x, span in y) rule."""

    at: float
    start: float
    end: float


@dataclass
class Table:
    """A table found on a page: its box, column names, and data rows with each row's top and bottom."""

    x0: float
    x1: float
    size: float  # the median type size of its text
    columns: list[float]  # x of the column rules (a table continued on the next page has the same ones)
    header: list[str]
    header_box: tuple[float, float]  # top and bottom of the header row(s)
    data: list[tuple[list[str], float, float]]  # (cells, top, bottom) of each row below the header
    named: bool = True  # False: a continued table whose header row repeats the one already read

    def rows(self) -> list[tuple[str, float, float]]:
        """("column: value; …", top, bottom) of each row, the column names first (unless repeated)."""
        kept = [row for row in self.data if any(row[0])]
        lines = table_rows([self.header] + [cells for cells, _, _ in kept])
        boxes = [self.header_box] + [(top, bottom) for _, top, bottom in kept]
        return [(line, *box) for line, box in zip(lines, boxes)][0 if self.named else 1:]

    @property
    def bottom(self) -> float:
        return self.data[-1][2] if self.data else self.header_box[1]

    def continues(self, previous: Table | None, height: float) -> bool:
        """Is this the rest of ``previous``, the last table of the page before (same columns, it ended in the
        bottom quarter, this starts in the top quarter)?"""
        return (previous is not None and len(previous.columns) == len(self.columns)
                and previous.bottom < height / 4 and self.header_box[0] > height * 3 / 4
                and all(abs(a - b) < 2 * TOLERANCE for a, b in zip(previous.columns, self.columns)))

    def under(self, previous: Table) -> None:
        """Read this table under ``previous``'s column names: its first row is data unless it repeats them."""
        self.named = False  # the names were read with the table's start
        if self.header != previous.header:
            self.data.insert(0, (self.header, *self.header_box))
            self.header = previous.header


def rules(page, pdfium_c) -> tuple[list[Rule], list[Rule]]:
    """Horizontal and vertical rules drawn on a page (``page``: a pypdfium2 PdfPage)."""
    horizontal: list[Rule] = []
    vertical: list[Rule] = []
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    fill, stroke = ctypes.c_int(), ctypes.c_int()
    count = pdfium_c.FPDFPage_CountObjects(page)
    for i in range(count if count <= MAX_OBJECTS else 0):
        obj = pdfium_c.FPDFPage_GetObject(page, i)
        if pdfium_c.FPDFPageObj_GetType(obj) != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top)
        pdfium_c.FPDFPath_GetDrawMode(obj, fill, stroke)
        x0, y0, x1, y1 = left.value, bottom.value, right.value, top.value
        if x1 - x0 <= THIN < y1 - y0:
            vertical.append(Rule((x0 + x1) / 2, y0, y1))
        elif y1 - y0 <= THIN < x1 - x0:
            horizontal.append(Rule((y0 + y1) / 2, x0, x1))
        elif stroke.value and x1 - x0 > THIN and y1 - y0 > THIN and pdfium_c.FPDFPath_CountSegments(obj) <= 5:
            horizontal += [Rule(y0, x0, x1), Rule(y1, x0, x1)]
            vertical += [Rule(x0, y0, y1), Rule(x1, y0, y1)]
    return horizontal, vertical


def _merge(found: list[Rule]) -> list[Rule]:
    """Rules on the same line whose spans touch or overlap, joined."""
    merged: list[Rule] = []
    for rule in sorted(found, key=lambda r: (round(r.at / TOLERANCE), r.start)):
        last = merged[-1] if merged else None
        if last and abs(last.at - rule.at) < TOLERANCE and rule.start <= last.end + TOLERANCE:
            last.end = max(last.end, rule.end)
        else:
            merged.append(Rule(rule.at, rule.start, rule.end))
    return merged


def _crosses(h: Rule, v: Rule) -> bool:
    return h.start - TOLERANCE <= v.at <= h.end + TOLERANCE and v.start - TOLERANCE <= h.at <= v.end + TOLERANCE


def _positions(values: list[float]) -> list[float]:
    """Distinct positions (within TOLERANCE), ascending."""
    out: list[float] = []
    for value in sorted(values):
        if not out or value - out[-1] >= TOLERANCE:
            out.append(value)
    return out


def _covered(found: list[Rule], at: float, point: float) -> bool:
    """Is there a rule at ``at`` whose span covers ``point``?"""
    return any(abs(r.at - at) < TOLERANCE and r.start - TOLERANCE <= point <= r.end + TOLERANCE for r in found)


def grids(horizontal: list[Rule], vertical: list[Rule]) -> list[tuple[list[Rule], list[Rule]]]:
    """Groups of crossing rules with at least two horizontal and three vertical positions (a row of two columns
    at least: a header row alone at the foot of a page is the start of a table continued on the next)."""
    h, v = _merge(horizontal), _merge(vertical)
    if len(h) > MAX_RULES or len(v) > MAX_RULES:
        return []
    parent = list(range(len(h) + len(v)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, hr in enumerate(h):
        for j, vr in enumerate(v):
            if _crosses(hr, vr):
                parent[find(i)] = find(len(h) + j)
    groups: dict[int, tuple[list[Rule], list[Rule]]] = {}
    for i, rule in enumerate(h + v):
        groups.setdefault(find(i), ([], []))[0 if i < len(h) else 1].append(rule)
    return [(gh, gv) for gh, gv in groups.values()
            if len(_positions([r.at for r in gh])) >= 2 and len(_positions([r.at for r in gv])) >= 3]


def _cells(h: list[Rule], v: list[Rule], ys: list[float], xs: list[float]) -> list[list[int]]:
    """Cell id of each atomic cell (row from the top, column from the left); merged cells share an id."""
    rows, cols = len(ys) - 1, len(xs) - 1
    parent = list(range(rows * cols))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(rows):
        middle_y = (ys[r] + ys[r + 1]) / 2
        for c in range(cols):
            middle_x = (xs[c] + xs[c + 1]) / 2
            if c + 1 < cols and not _covered(v, xs[c + 1], middle_y):
                parent[find(r * cols + c)] = find(r * cols + c + 1)
            if r + 1 < rows and not _covered(h, ys[r + 1], middle_x):
                parent[find(r * cols + c)] = find((r + 1) * cols + c)
    return [[find(r * cols + c) for c in range(cols)] for r in range(rows)]


def _cell_text(chars: list[Char]) -> str:
    """The text of a cell's characters (in content order), a space where a line ends or a gap opens."""
    out: list[str] = []
    last: Char | None = None
    for char in chars:
        if last is not None and (char[2] < last[2] - last[5] * 0.5 or char[1] - last[3] > char[5]):
            out.append(" ")
        out.append(char[0])
        last = char
    return " ".join("".join(out).split())


def _header_rows(ids: list[list[int]]) -> int:
    """How many rows from the top name the columns: more than one while a header row spans columns."""
    count = 1
    while count < len(ids) - 1 and len(set(ids[count - 1])) < len(ids[count - 1]) \
            and len(set(ids[count])) > len(set(ids[count - 1])):
        count += 1
    return count


def table_of(h: list[Rule], v: list[Rule], chars: list[Char]) -> tuple[Table | None, list[Char]]:
    """The table of one grid and the characters of ``chars`` outside it; no table (and every character)
    when too few of its cells hold text."""
    ys = _positions([r.at for r in h])[::-1]  # top first (PDF y grows upwards)
    xs = _positions([r.at for r in v])
    ids = _cells(h, v, ys, xs)
    inside: dict[int, list[Char]] = {}
    outside: list[Char] = []
    descending = [-y for y in ys]
    for char in chars:
        cx, cy = (char[1] + char[3]) / 2, (char[2] + char[4]) / 2
        if char[0] != "\n" and xs[0] < cx < xs[-1] and ys[-1] < cy < ys[0]:
            r, c = bisect_right(descending, -cy) - 1, bisect_right(xs, cx) - 1
            inside.setdefault(ids[r][c], []).append(char)
        else:
            outside.append(char)
    text = {cell: _cell_text(found) for cell, found in inside.items()}
    if sum(bool(t) for t in text.values()) < max(2, MIN_FILLED * len({c for row in ids for c in row})):
        return None, chars
    grid = [[text.get(cell, "") for cell in row] for row in ids]
    for r, row in enumerate(ids):  # a cell spanning columns gives its text once, in its first column
        grid[r] = [value if c == 0 or row[c - 1] != row[c] else "" for c, value in enumerate(grid[r])]
    heads = _header_rows(ids)
    names = [" ".join(dict.fromkeys(t for t in (text.get(ids[r][c], "") for r in range(heads)) if t))
             for c in range(len(xs) - 1)]
    data = [(grid[r], ys[r], ys[r + 1]) for r in range(heads, len(ys) - 1)]
    sizes = sorted(c[5] for found in inside.values() for c in found)
    size = round(sizes[len(sizes) // 2], 1) if sizes else 0.0
    return Table(xs[0], xs[-1], size, xs, names, (ys[0], ys[heads]), data), outside


def find_tables(page, pdfium_c, chars: list[Char]) -> tuple[list[Table], list[Char]]:
    """The ruled tables of a page, and the characters outside them (all of them when there is none)."""
    horizontal, vertical = rules(page, pdfium_c)
    if len(horizontal) < MIN_RULES or len(vertical) < MIN_RULES:
        return [], chars
    tables: list[Table] = []
    for h, v in grids(horizontal, vertical):
        table, chars = table_of(h, v, chars)
        if table is not None:
            tables.append(table)
    return sorted(tables, key=lambda t: -t.header_box[0]), chars
