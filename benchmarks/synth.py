"""Write a realistic synthetic data package of N records, for benchmarks at 1k to 1M.

    .venv/bin/python benchmarks/synth.py --n 100000 --out /tmp/atlas-100k [--validate] [--build]

The package has the curated package's exact layout (``datapackage.json`` copied from
``data/``, one CSV per table, ``sources/`` with the source text, ``external/buzzfeed_2021/``
with the real BuzzFeed facility list), so the same code runs on it as on the curated data:
:func:`layers.records.load.load_records`, :func:`layers.records.validate.validate_package` and
:func:`layers.build.assemble.build_layers` (and the app, with ``ATLAS_DATA_DIR`` pointing at it).

What is in it (``n`` records = rows over all tables but ``sources``):

- places (8 %): a real county, prefecture or Kazakhstan region name the geocoder must
  resolve (no coordinates given) for a third of them, the others a point drawn uniformly inside
  the real polygon of a district (``geo.load_districts``) with ``precision=exact``. Districts
  are drawn with fixed, skewed weights (a few counties hold most of the places); four places
  in five are in Xinjiang, one in five in Kazakhstan.
- people (22 %): Kazakh / Uyghur style names (given name, patronymic, family name), some with
  aliases, sex, role, a home place; 10 % restricted, 3 % private.
- sites (4 %), population reports (25 %), detentions (33 %), events (8 %), dated 2014-2022
  in EDTF (years, months, ranges, ``~`` approximate dates).
- one synthetic source text in which every row's quote (80-300 characters) is a paragraph.

Everything is drawn from a seeded generator: the same ``n`` and ``seed`` give the same files.
The people are invented; the place names are real so the geocoder and the district polygons
do real work.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import logging
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import geo  # noqa: E402

__all__ = ["SHARES", "SOURCE_FILE", "SOURCE_ID", "SynthPackage", "write_package"]

logger = logging.getLogger(__name__)

SOURCE_ID = "synthetic-testimony"
SOURCE_FILE = "synthetic-testimony.txt"
FACILITIES = REPO / "data" / "external" / "buzzfeed_2021" / "all_locations_2021-07-20.tsv"
FIRST_YEAR, LAST_YEAR = 2014, 2022

#: Share of the ``n`` records that each table gets.
SHARES: dict[str, float] = {
    "places": 0.08,
    "people": 0.22,
    "sites": 0.04,
    "population_reports": 0.25,
    "detentions": 0.33,
    "events": 0.08,
}

_GIVEN_F = (
    "Aigerim", "Gulnar", "Sayragul", "Dinara", "Aynur", "Mehriban", "Gulbahar", "Zulfiya",
    "Ainur", "Bakhytgul", "Raziya", "Patigul", "Nurila", "Madina", "Asiya", "Zeynep",
    "Gulzira", "Kalbinur", "Mihrigul", "Tursunay", "Zumrat", "Aysulu", "Saule", "Botagoz",
)
_GIVEN_M = (
    "Kairat", "Serikzhan", "Nurlan", "Erbakit", "Abduweli", "Ilham", "Murat", "Yerzhan",
    "Baurzhan", "Orynbek", "Dilshat", "Memet", "Ablikim", "Tursun", "Adil", "Askar",
    "Bekzat", "Rakhima", "Zhenis", "Kadyr", "Yusup", "Omir", "Talgat", "Azat",
)
_FAMILY = (
    "Samarkan", "Bilash", "Auelkhan", "Sauytbai", "Koksebek", "Tohti", "Ayup", "Kurban",
    "Mamet", "Nurmakhan", "Zhakupbek", "Yasin", "Abdulla", "Osman", "Dawut", "Tursun",
    "Kassym", "Seitkazy", "Omarbek", "Niyaz", "Rozi", "Mahmut", "Yunus", "Sadyk",
    "Beisenbek", "Tokhtar", "Mukhametkali", "Esen", "Sultan", "Zhumabai",
)
_CAMP_WORDS = (
    "vocational training centre", "re-education camp", "detention centre", "prison",
    "closed school", "labour camp", "transformation-through-education centre",
)
_SITE_KINDS = ("camp", "camp", "camp", "prison", "detention_centre", "forced_labour", "other")
_EVENT_KINDS = (
    "arrest", "border_arrest", "trial", "sentence", "release", "testimony", "travel", "protest",
)
_OUTCOMES = ("released", "released", "transferred", "sentenced", "unknown", "ongoing")
_QUALIFIERS = ("exact", "about", "about", "at_least", "over")
_MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)
_FILLER = (
    "They told us that we had to learn Chinese and sing the songs every morning.",
    "Nobody was allowed to speak Kazakh or to pray, and the guards watched us day and night.",
    "Our relatives were not told where we were held or for how long.",
    "We were counted three times a day and the lights were never switched off.",
    "Some of the older people could not stand and were taken away.",
    "Every week there were new people brought in from the villages nearby.",
)

_TABLES = ("sources", "places", "people", "sites", "population_reports", "detentions", "events")


@dataclass(frozen=True)
class SynthPackage:
    """A written synthetic package.

    Attributes
    ----------
    path : pathlib.Path
        The package directory (``datapackage.json``, the CSVs, ``sources/``, ``external/``).
    source_dir : pathlib.Path
        Where the source text is (``path / "sources"``), for ``validate_package``.
    rows : dict
        Rows written per table.
    """

    path: Path
    source_dir: Path
    rows: dict[str, int]

    @property
    def records(self) -> int:
        """Return the rows of every table but ``sources``."""
        return sum(n for table, n in self.rows.items() if table != "sources")


def _sizes(n: int) -> dict[str, int]:
    sizes = {table: max(round(n * share), 4) for table, share in SHARES.items()}
    sizes["sites"] = max(sizes["sites"], 4)
    return sizes


def _district_weights(districts: Any, rng: np.random.Generator) -> tuple[Any, np.ndarray]:
    """Return the districts places are drawn from and their (skewed) probabilities."""
    pick = districts[districts["level"].isin(["county", "region"])].reset_index(drop=True)
    weights = rng.lognormal(mean=0.0, sigma=1.2, size=len(pick))
    in_kz = (pick["country"] == "KZ").to_numpy()
    weights[in_kz] *= 0.2 / weights[in_kz].sum()
    weights[~in_kz] *= 0.8 / weights[~in_kz].sum()
    return pick, weights / weights.sum()


def _points_inside(polygon: Any, count: int, rng: np.random.Generator) -> np.ndarray:
    """Return ``count`` (lon, lat) points drawn uniformly inside ``polygon``."""
    west, south, east, north = polygon.bounds
    shapely.prepare(polygon)
    found: list[np.ndarray] = []
    have = 0
    while have < count:
        batch = max(32, 2 * (count - have))
        xs = rng.uniform(west, east, batch)
        ys = rng.uniform(south, north, batch)
        inside = shapely.contains_xy(polygon, xs, ys)
        chosen = np.column_stack([xs[inside], ys[inside]])
        found.append(chosen)
        have += len(chosen)
    return np.concatenate(found)[:count].round(5)


def _name(rng: np.random.Generator, female: bool) -> str:
    given = _GIVEN_F if female else _GIVEN_M
    father = _GIVEN_M[int(rng.integers(len(_GIVEN_M)))]
    suffix = "qyzy" if female else "uly"
    family = _FAMILY[int(rng.integers(len(_FAMILY)))]
    middle = f" {father}{suffix}" if rng.random() < 0.4 else ""
    return f"{given[int(rng.integers(len(given)))]}{middle} {family}"


def _year(rng: np.random.Generator, low: int = FIRST_YEAR, high: int = LAST_YEAR) -> int:
    return int(rng.integers(low, high + 1))


def _edtf(rng: np.random.Generator, year: int) -> str:
    roll = rng.random()
    if roll < 0.5:
        return str(year)
    if roll < 0.8:
        return f"{year}-{int(rng.integers(1, 13)):02d}"
    if roll < 0.9:
        return f"{year}~"
    return f"{year}-{int(rng.integers(21, 25))}"  # a season


def _sentence(rng: np.random.Generator, core: str) -> str:
    """Return a quote of realistic length (80-300 characters) built around ``core``."""
    text = core
    while len(text) < 80 or (len(text) < 200 and rng.random() < 0.5):
        text += " " + _FILLER[int(rng.integers(len(_FILLER)))]
    return text[:300].rstrip()


class _Writer:
    """Collects rows per table and every quote for the source text."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: dict[str, list[dict[str, Any]]] = {t: [] for t in _TABLES}
        self.quotes: list[str] = []

    def add(self, table: str, row: dict[str, Any]) -> None:
        quote = row.get("quote")
        if quote:
            self.quotes.append(str(quote))
        row.setdefault("source_id", SOURCE_ID)
        self.rows[table].append(row)

    def write(self, descriptor: dict[str, Any]) -> dict[str, int]:
        fields = {
            res["name"]: [f["name"] for f in res["schema"]["fields"]]
            for res in descriptor["resources"]
        }
        for table in _TABLES:
            with (self.path / f"{table}.csv").open("w", encoding="utf-8", newline="") as out:
                writer = csv.DictWriter(out, fieldnames=fields[table], lineterminator="\n")
                writer.writeheader()
                for row in self.rows[table]:
                    writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
        return {table: len(rows) for table, rows in self.rows.items()}


def write_package(out: Path, n: int, *, seed: int = 1) -> SynthPackage:
    """Write a synthetic data package of about ``n`` records to ``out`` (created or emptied).

    Parameters
    ----------
    out : pathlib.Path
        Directory to write (its previous package files are overwritten).
    n : int
        Records over all tables but ``sources`` (at least 50).
    seed : int
        Seed of the generator.

    Returns
    -------
    SynthPackage
        Where it is and how many rows each table has.

    Raises
    ------
    ValueError
        If ``n`` is below 50.
    """
    import json

    if n < 50:
        msg = f"n={n!r} is too small for a package with every table (at least 50)"
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    out = Path(out)
    source_dir = out / "sources"
    source_dir.mkdir(parents=True, exist_ok=True)
    facilities = out / "external" / "buzzfeed_2021"
    facilities.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(FACILITIES, facilities / FACILITIES.name)
    descriptor = json.loads((REPO / "data" / "datapackage.json").read_text(encoding="utf-8"))
    (out / "datapackage.json").write_text(
        json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    sizes = _sizes(n)
    writer = _Writer(out)
    place_ids = _places(writer, sizes["places"], rng)
    person_ids = _people(writer, sizes["people"], place_ids, rng)
    site_ids = _sites(writer, sizes["sites"], place_ids, rng)
    _reports(writer, sizes["population_reports"], site_ids, person_ids, rng)
    _detentions(writer, sizes["detentions"], site_ids, person_ids, place_ids, rng)
    _events(writer, sizes["events"], place_ids, person_ids, rng)
    text = (
        "SYNTHETIC TEST TEXT generated by benchmarks/synth.py. Every person in it is invented."
        "\n" + "\n".join(writer.quotes) + "\n"
    )
    data = text.encode("utf-8")
    (source_dir / SOURCE_FILE).write_bytes(data)
    writer.rows["sources"].append(
        {
            "id": SOURCE_ID,
            "citation": f"Synthetic testimony for benchmarks ({n} records, seed {seed}).",
            "author": "benchmarks/synth.py",
            "published": "2026",
            "licence": "CC0-1.0",
            "path": SOURCE_FILE,
            "sha256": hashlib.sha256(data).hexdigest(),
            "note": "Invented people, real places; not a source of fact.",
        }
    )
    for row in writer.rows["sources"]:
        row.pop("source_id", None)
    rows = writer.write(descriptor)
    logger.info("wrote %s to %s", rows, out)
    return SynthPackage(path=out, source_dir=source_dir, rows=rows)


def _places(writer: _Writer, count: int, rng: np.random.Generator) -> list[str]:
    districts = geo.load_districts()
    pick, weights = _district_weights(districts, rng)
    chosen = rng.choice(len(pick), size=count, p=weights)
    named = rng.random(count) < 1 / 3
    ids = [f"PL{i + 1:06d}" for i in range(count)]
    points: dict[int, np.ndarray] = {}
    for index in np.unique(chosen[~named]):
        wanted = int(((chosen == index) & ~named).sum())
        points[int(index)] = _points_inside(pick.geometry.iloc[int(index)], wanted, rng)
    used = {key: 0 for key in points}
    for i, index in enumerate(chosen.tolist()):
        name = str(pick["name"].iloc[index])
        country = str(pick["country"].iloc[index])
        row: dict[str, Any] = {"id": ids[i], "country": country}
        if named[i]:
            row["name"] = name
            quote = f"I come from {name}, where my parents still live."
        else:
            lon, lat = points[index][used[index]]
            used[index] += 1
            village = f"village {int(rng.integers(1, 40))} of {name}"
            row.update(
                name=village, lon=f"{lon:.5f}", lat=f"{lat:.5f}", precision="exact"
            )
            quote = f"Our home was in {village}, a short walk from the river."
        row["quote"] = _sentence(rng, quote)
        writer.add("places", row)
    return ids


def _people(
    writer: _Writer, count: int, place_ids: Sequence[str], rng: np.random.Generator
) -> list[str]:
    ids = [f"P{i + 1:06d}" for i in range(count)]
    sensitivity = rng.choice(["public", "restricted", "private"], count, p=[0.87, 0.10, 0.03])
    for i, person in enumerate(ids):
        female = bool(rng.random() < 0.5)
        name = _name(rng, female)
        aliases = _name(rng, female) if rng.random() < 0.15 else ""
        home = place_ids[int(rng.integers(len(place_ids)))]
        age = int(rng.integers(18, 80))
        writer.add(
            "people",
            {
                "id": person,
                "name": name,
                "aliases": aliases,
                "sex": "female" if female else "male",
                "age": str(age),
                "ethnicity": "Kazakh" if rng.random() < 0.6 else "Uyghur",
                "origin_place_id": home,
                "role": "witness-victim" if rng.random() < 0.7 else "relative",
                "sensitivity": str(sensitivity[i]),
                "quote": _sentence(rng, f"My name is {name}, I am {age} years old."),
            },
        )
    return ids


def _sites(
    writer: _Writer, count: int, place_ids: Sequence[str], rng: np.random.Generator
) -> list[str]:
    ids = [f"S{i + 1:06d}" for i in range(count)]
    for site in ids:
        word = _CAMP_WORDS[int(rng.integers(len(_CAMP_WORDS)))]
        number = int(rng.integers(1, 30))
        name = f"No. {number} {word}"
        writer.add(
            "sites",
            {
                "id": site,
                "name": name,
                "kind": _SITE_KINDS[int(rng.integers(len(_SITE_KINDS)))],
                "place_id": place_ids[int(rng.integers(len(place_ids)))],
                "description": f"{word}; high walls, cameras in every room" if number % 3 else "",
                "quote": _sentence(rng, f"They took me to the {name}, behind a high wall."),
            },
        )
    return ids


def _reports(
    writer: _Writer,
    count: int,
    site_ids: Sequence[str],
    person_ids: Sequence[str],
    rng: np.random.Generator,
) -> None:
    for i in range(count):
        inmates = int(rng.lognormal(7.0, 1.2)) + 10
        year = _year(rng)
        month = _MONTHS[int(rng.integers(12))]
        writer.add(
            "population_reports",
            {
                "id": f"R{i + 1:07d}",
                "site_id": site_ids[int(rng.integers(len(site_ids)))],
                "count": str(inmates),
                "qualifier": _QUALIFIERS[int(rng.integers(len(_QUALIFIERS)))],
                "date": _edtf(rng, year),
                "reported_by": person_ids[int(rng.integers(len(person_ids)))],
                "quote": _sentence(
                    rng, f"In {month} {year} there were about {inmates:,} people held there."
                ),
            },
        )


def _detentions(
    writer: _Writer,
    count: int,
    site_ids: Sequence[str],
    person_ids: Sequence[str],
    place_ids: Sequence[str],
    rng: np.random.Generator,
) -> None:
    sensitivity = rng.choice(["public", "restricted", "private"], count, p=[0.85, 0.12, 0.03])
    for i in range(count):
        start = _year(rng, FIRST_YEAR, LAST_YEAR - 1)
        end = min(start + int(rng.integers(0, 4)), LAST_YEAR)
        at_site = rng.random() < 0.85
        months = int(rng.integers(2, 36))
        writer.add(
            "detentions",
            {
                "id": f"D{i + 1:07d}",
                "person_id": person_ids[int(rng.integers(len(person_ids)))],
                "site_id": site_ids[int(rng.integers(len(site_ids)))] if at_site else "",
                "place_id": "" if at_site else place_ids[int(rng.integers(len(place_ids)))],
                "kind": _SITE_KINDS[int(rng.integers(len(_SITE_KINDS)))],
                "start": _edtf(rng, start),
                "end": str(end) if rng.random() < 0.8 else "",
                "outcome": _OUTCOMES[int(rng.integers(len(_OUTCOMES)))],
                "sensitivity": str(sensitivity[i]),
                "quote": _sentence(
                    rng, f"I was held there from {start} for {months} months without a trial."
                ),
            },
        )


def _events(
    writer: _Writer,
    count: int,
    place_ids: Sequence[str],
    person_ids: Sequence[str],
    rng: np.random.Generator,
) -> None:
    sensitivity = rng.choice(["public", "restricted", "private"], count, p=[0.9, 0.07, 0.03])
    for i in range(count):
        kind = _EVENT_KINDS[int(rng.integers(len(_EVENT_KINDS)))]
        year = _year(rng)
        writer.add(
            "events",
            {
                "id": f"E{i + 1:07d}",
                "kind": kind,
                "date": _edtf(rng, year),
                "place_id": place_ids[int(rng.integers(len(place_ids)))],
                "person_id": person_ids[int(rng.integers(len(person_ids)))]
                if rng.random() < 0.5
                else "",
                "description": f"{kind.replace('_', ' ')} in {year}",
                "sensitivity": str(sensitivity[i]),
                "quote": _sentence(rng, f"It happened in {year}, and everybody saw it."),
            },
        )


def _timed(label: str, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    start = time.perf_counter()
    result = func(*args, **kwargs)
    print(f"{label:<40} {time.perf_counter() - start:8.2f} s")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Write a package; optionally load, validate and build it, timing each step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000, help="records (default 10000)")
    parser.add_argument("--out", type=Path, required=True, help="package directory to write")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--validate", action="store_true", help="run validate_package (slow)")
    parser.add_argument("--build", action="store_true", help="load_records + build_layers")
    args = parser.parse_args(argv)
    package = _timed(f"write_package n={args.n}", write_package, args.out, args.n, seed=args.seed)
    print("rows:", package.rows)
    if args.validate:
        from layers.records.validate import validate_package

        problems = _timed("validate_package", validate_package, package.path, package.source_dir)
        print(f"{len(problems)} problems")
        for problem in problems[:20]:
            print("  ", problem)
    if args.build:
        from layers.build.assemble import build_layers
        from layers.records.facilities import load_facilities
        from layers.records.load import load_records

        records = _timed("load_records", load_records, package.path)
        facilities = load_facilities(
            package.path / "external" / "buzzfeed_2021" / FACILITIES.name
        )
        built = _timed("build_layers", build_layers, records, facilities)
        print("features:", built.counts())
    return 0


if __name__ == "__main__":
    sys.exit(main())
