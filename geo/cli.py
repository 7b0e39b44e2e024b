"""Command line of the geo package (``python -m geo``).

::

    python -m geo geocode NAME [--country CC] [--within PLACE]
                                                     one JSON object; no match: exit 1
    python -m geo geocode --file NAMES.txt [--country CC] [--within PLACE]
                                                     one JSON line per input line, exit 0
    python -m geo geocode --file ROWS.csv            header name[,country][,within]: the hints
                                                     per row (a flag fills empty cells)
    python -m geo district LON LAT [--year YYYY]     the district dict, or null
    python -m geo district --file POINTS.csv [--year YYYY]
                                                     header lon,lat; one JSON line per row,
                                                     all rows or none

Exit status: 0 success, 1 a single name matched nothing, 2 bad input (missing or unreadable
file, malformed row, coordinate out of range or not a number, malformed or unknown country
code, broken data file). Messages go to stderr; JSON (UTF-8, not ASCII-escaped) to stdout.

The two ``--file`` modes differ on purpose: a name that matches nothing is an answer, so
``geocode --file`` prints one line per name, misses included, and exits 0; a row that is not a
coordinate is bad input, so ``district --file`` checks every row first and, at the first bad
one, prints nothing to stdout, names the file, line, field and value on stderr and exits 2
(all or nothing: fix the row and run it again). A CSV of names is read the same way for its
hints: a malformed row, country code or ``within`` that names no district is bad input (exit 2,
nothing printed); a name that matches nothing is still an answer.

A names file is read as CSV when its first line is a header of ``name`` and, optionally,
``country`` and ``within`` (any order, any case); otherwise every line is one name.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import numpy as np

from geo._errors import CoordinateError, GeoError, PlaceNotFound
from geo.coords import validate_lonlat

if TYPE_CHECKING:
    from geo.geocode import GeocodeIndex

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2


class InputError(GeoError, ValueError):
    """A command-line input file or argument is unusable; the message names file, row, value."""


def _dump(obj: object, out: TextIO) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _read_lines(path: Path) -> list[str]:
    """Return the lines of a UTF-8 text file without line ends."""
    if not path.is_file():
        msg = f"{path}: no such file"
        raise InputError(msg)
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        msg = f"{path}: line {line} is not UTF-8 (byte {raw[exc.start]:#04x})"
        raise InputError(msg) from None
    return text.splitlines()


def _known_country(country: str | None) -> str | None:
    """Return the upper-cased code, or raise InputError if no gazetteer place is in it.

    A malformed code raises ``ValueError`` (:func:`geo.geocode.check_country`); a well-formed
    one that no place has (``XX``) would otherwise just match nothing (exit 1).
    """
    from geo.geocode import check_country, default_index

    code = check_country(country)
    if code is None:
        return None
    known = {target.country for target in default_index().targets}
    if code not in known:
        msg = f"unknown country {code!r}: no place of the gazetteer is in it"
        raise InputError(msg)
    return code


_HINT_COLUMNS = ("name", "country", "within")


@dataclass(frozen=True)
class _NameRow:
    """One name to geocode from a names file, with its hints and where it came from."""

    line: int
    written: str
    name: str
    country: str | None
    within: str | None
    own_within: bool  # the hint is the row's cell, not the --within flag


def _read_names(path: Path, country: str | None, within: str | None) -> list[_NameRow]:
    """Return the rows of a names file: plain (one name per line) or a CSV with hints.

    A first line that is a CSV header of ``name`` and optionally ``country`` and ``within`` makes
    the file a CSV read per row (an empty cell takes the flag's value); otherwise every line is a
    name with the flags' hints. The CSV's country codes are checked here (a bad one is bad
    input, naming file, line and value).
    """
    lines = _read_lines(path)
    header = next(csv.reader(lines[:1]), []) if lines else []
    columns = [h.strip().lower() for h in header]
    is_csv = (
        "name" in columns
        and set(columns) <= set(_HINT_COLUMNS)
        and len(set(columns)) == len(columns)
    )
    if not is_csv:
        return [
            _NameRow(i, line, line.strip(), country, within, False)
            for i, line in enumerate(lines, start=1)
        ]
    rows: list[_NameRow] = []
    for line_number, row in enumerate(csv.reader(lines[1:]), start=2):
        if not row:
            rows.append(_NameRow(line_number, "", "", country, within, False))
            continue
        if len(row) != len(columns):
            msg = (
                f"{path}: line {line_number}: {len(row)} field(s) where the header has "
                f"{len(columns)}: {','.join(row)!r}"
            )
            raise InputError(msg)
        cells = dict(zip(columns, (c.strip() for c in row), strict=True))
        try:
            code = _known_country(cells.get("country") or country)
        except ValueError as exc:  # InputError is one
            msg = f"{path}: line {line_number}, field 'country': {exc}"
            raise InputError(msg) from None
        own = bool(cells.get("within"))
        rows.append(
            _NameRow(line_number, cells["name"], cells["name"], code,
                     cells["within"] if own else within, own)
        )
    return rows


def _check_hint(index: GeocodeIndex, within: str | None, country: str | None) -> None:
    """Raise InputError if ``within`` names no district (in ``country``)."""
    if within is None:
        return
    try:
        index.hint(within, country=country)
    except PlaceNotFound as exc:
        raise InputError(str(exc)) from None


def _geocode(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from geo.geocode import default_index, geocode

    country = _known_country(args.country)  # a bad code fails before any output
    within = args.within.strip() if args.within is not None else None
    if within == "":
        msg = "--within needs a place: a prefecture, county or Kazakhstan region"
        raise InputError(msg)
    index = default_index()  # load (or build) once before the loop; data errors surface here
    _check_hint(index, within, country)
    if args.file is not None:
        path = Path(args.file)
        rows = _read_names(path, country, within)
        for row in rows:  # every hint is checked before anything is printed
            if row.own_within:
                try:
                    _check_hint(index, row.within, row.country)
                except InputError as exc:
                    msg = f"{path}: line {row.line}, field 'within': {exc}"
                    raise InputError(msg) from None
        for row in rows:
            if not row.name:
                _dump({"query": row.written, "error": "empty name"}, out)
                continue
            try:
                found = geocode(row.name, country=row.country, within=row.within)
                _dump(found.to_dict(), out)
            except PlaceNotFound as exc:
                _dump({"query": row.name, "error": str(exc)}, out)
        return EXIT_OK
    try:
        place = geocode(args.name, country=country, within=within)
    except PlaceNotFound as exc:
        err.write(f"error: {exc}\n")
        _dump({"query": args.name, "error": str(exc)}, out)
        return EXIT_NOT_FOUND
    _dump(place.to_dict(), out)
    return EXIT_OK


def _read_points(path: Path) -> tuple[list[float], list[float]]:
    """Read and validate a ``lon,lat`` CSV; the first bad row stops it with a message."""
    lines = _read_lines(path)
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        msg = f"{path}: empty file, expected a header 'lon,lat'"
        raise InputError(msg)
    names = [h.strip().lower() for h in header]
    if "lon" not in names or "lat" not in names:
        msg = f"{path}: line 1: header {','.join(header)!r} lacks 'lon' and 'lat'"
        raise InputError(msg)
    ilon, ilat = names.index("lon"), names.index("lat")
    lons: list[float] = []
    lats: list[float] = []
    for line_number, row in enumerate(reader, start=2):
        if len(row) != len(header):
            msg = (
                f"{path}: line {line_number}: {len(row)} field(s) where the header has "
                f"{len(header)}: {','.join(row)!r}"
            )
            raise InputError(msg)
        try:
            lon, lat = validate_lonlat(row[ilon].strip(), row[ilat].strip())
        except CoordinateError as exc:
            field = "lon" if str(exc).startswith("longitude") else "lat"
            msg = f"{path}: line {line_number}, field {field!r}: {exc}"
            raise InputError(msg) from None
        lons.append(lon)
        lats.append(lat)
    return lons, lats


def _district(args: argparse.Namespace, out: TextIO) -> int:
    if args.file is not None:
        lons, lats = _read_points(Path(args.file))
    else:
        if args.lon is None or args.lat is None:
            msg = "district needs LON LAT or --file POINTS.csv"
            raise InputError(msg)
        lon, lat = validate_lonlat(args.lon, args.lat)
        lons, lats = [lon], [lat]
    year = args.year
    # After validation: loads geopandas.
    from geo.districts import _check_year, district_at, get_district, unit_in_year

    if year is not None:
        _check_year(year)
    ids: list[object] = []
    then: list[object] = []
    if lons:
        x, y = np.asarray(lons, dtype=float), np.asarray(lats, dtype=float)
        ids = list(district_at(x, y))
        then = ids if year is None else list(district_at(x, y, year=year))
    for district_id, unit_id in zip(ids, then, strict=True):
        if district_id is None:
            _dump(None, out)
        elif year is None:
            _dump(get_district(str(district_id)).to_dict(), out)
        else:
            _dump(unit_in_year(str(unit_id), year, today=str(district_id)).to_dict(), out)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``python -m geo``."""
    parser = argparse.ArgumentParser(
        prog="python -m geo",
        description="Offline geocoder and district lookup for Xinjiang and Kazakhstan.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    geocode = sub.add_parser(
        "geocode",
        help="geocode a name (any script) or a file of names",
        description=(
            "Geocode one name (no match: exit 1) or, with --file, one name per line (or a CSV "
            "with a header name[,country][,within]): one JSON line per name, misses as "
            "{\"query\", \"error\"}, exit 0."
        ),
    )
    geocode.add_argument("name", nargs="?", help="the place name")
    geocode.add_argument(
        "--file", metavar="NAMES.txt",
        help=(
            "one name per line (UTF-8), or a CSV with a header name[,country][,within] "
            "giving the hints per row"
        ),
    )
    geocode.add_argument("--country", metavar="CC", help="ISO 3166-1 alpha-2 code, e.g. CN, KZ")
    geocode.add_argument(
        "--within", metavar="PLACE",
        help=(
            "the prefecture, county or Kazakhstan region the place lies in (any name or script, "
            "or a district id): places inside it win, a loose match outside it never does"
        ),
    )

    district = sub.add_parser(
        "district",
        help="the district containing a point or points",
        description=(
            "Print the district containing each point (null outside every district). With "
            "--file, every row is checked first: a bad row prints nothing, names file, line, "
            "field and value on stderr and exits 2 (all or nothing), unlike geocode --file, "
            "which prints one line per name, misses included."
        ),
    )
    district.add_argument("lon", nargs="?", help="longitude, WGS84 degrees")
    district.add_argument("lat", nargs="?", help="latitude, WGS84 degrees")
    district.add_argument(
        "--file", metavar="POINTS.csv",
        help="CSV with a header lon,lat; one JSON line per row, or none if any row is bad",
    )
    district.add_argument(
        "--year", type=int, metavar="YYYY",
        help=(
            "name the unit of that year's map (2010 on), where units were created or renamed "
            "since: adds 'year' and 'today' (today's unit, when it differs)"
        ),
    )
    return parser


def main(
    argv: Sequence[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).
    out, err : text stream, optional
        Where JSON and messages go (default: stdout and stderr, as UTF-8).

    Returns
    -------
    int
        0 success, 1 no match for a single name, 2 bad input.
    """
    if out is None:
        if hasattr(sys.stdout, "reconfigure"):
            sys.stdout.reconfigure(encoding="utf-8")
        out = sys.stdout
    if err is None:
        if hasattr(sys.stderr, "reconfigure"):
            sys.stderr.reconfigure(encoding="utf-8")
        err = sys.stderr
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=err,
    )
    try:
        if args.command == "geocode":
            if (args.name is None) == (args.file is None):
                parser.error("geocode needs exactly one of NAME or --file NAMES.txt")
            return _geocode(args, out, err)
        if args.file is not None and (args.lon is not None or args.lat is not None):
            parser.error("district takes LON LAT or --file POINTS.csv, not both")
        return _district(args, out)
    except (GeoError, ValueError) as exc:
        # CoordinateError, InputError, DataFileError, a bad country code.
        err.write(f"error: {exc}\n")
        return EXIT_BAD_INPUT
