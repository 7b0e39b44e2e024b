"""``python -m layers validate``: prove the curated data package sound before anything uses it.

Checks, in order, each reported as ``file:line:field: message`` (the header is line 1):

1. the Table Schema of ``data/datapackage.json``, by Frictionless: types, required values,
   unique ids, enums, patterns, primary and foreign keys;
2. the source texts: each file named by ``sources.path`` exists in the source directory with
   the recorded ``sha256``, and every row's ``quote`` occurs in its source's text (forgiving
   only whitespace and typographic quotes, apostrophes and dashes);
3. dates: every field marked ``"x-edtf": true`` parses with the ``edtf`` library, names real
   days, and ends no earlier than it starts; detentions end no earlier than they start;
4. list cells (``"x-list": true``) have no empty or repeated parts; population breakdowns are
   ``group:count[+]|...``; detentions name a site or a place; population reports name
   exactly one of a site or a place, and a ``count_max`` above their ``count``; places with
   lon/lat give both and a precision;
5. every place geocodes (``geo.geocode`` with ``geocode_query`` or ``name`` and the country as
   hint) in its own country, at a stage better than ``fuzzy`` (a fuzzy match is a guess to be
   confirmed in ``geocode_query``); places with lon/lat are checked by ``geo.validate_lonlat``
   and must lie in their row's country (a likely lon/lat swap is named);
6. no person appears twice under another spelling: names and aliases are normalised
   (script, case, punctuation, romanisation pairs, patronymic suffixes) and compared with
   rapidfuzz; a pair is accepted only when each lists the other in ``distinct_from``; ids named
   in ``people.distinct_from`` and ``people.relation`` exist.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from layers._checks import Geocoder, run_all
from layers._frictionless import frictionless_problems
from layers._names import DEFAULT_THRESHOLD
from layers._problem import Problem
from layers._quotes import check_quotes
from layers._tables import RawTable, read_tables
from layers.records import DEFAULT_DATA_DIR, RecordsError, load_schema
from layers.records import source_dir as resolve_source_dir

__all__ = [
    "GeocoderUnavailableError",
    "Problem",
    "add_arguments",
    "count_rows",
    "default_geocoder",
    "run",
    "validate_package",
]

logger = logging.getLogger(__name__)


class GeocoderUnavailableError(ImportError):
    """``geo.geocode`` cannot be imported, so places cannot be checked."""


def default_geocoder() -> Geocoder:
    """Return ``geo.geocode``.

    Raises
    ------
    GeocoderUnavailableError
        If the geo package does not provide it (yet).
    """
    try:
        geo = importlib.import_module("geo")
        result: Geocoder = geo.geocode
    except (ImportError, AttributeError) as exc:
        msg = f"geo.geocode is not available ({exc})"
        raise GeocoderUnavailableError(msg) from exc
    return result


def validate_package(
    data_dir: Path = DEFAULT_DATA_DIR,
    source_dir: Path | None = None,
    *,
    geocoder: Geocoder | None = None,
    name_threshold: float = DEFAULT_THRESHOLD,
) -> list[Problem]:
    """Run every check on the package in ``data_dir`` and return the problems found.

    Parameters
    ----------
    data_dir : pathlib.Path
        Directory of ``datapackage.json`` and its CSV files.
    source_dir : pathlib.Path, optional
        Directory of the source texts; default from :func:`layers.records.source_dir`
        (``$ATLAS_SOURCE_DIR`` or ``<repo>/../shared/sources``).
    geocoder : callable, optional
        ``geocode(name, *, country=None)``; default ``geo.geocode``. If that cannot be
        imported, one problem says so and places are not geocoded.
    name_threshold : float
        Score (0-100) from which two people's normalised names count as the same.

    Returns
    -------
    list of Problem
        Sorted by file (in package order) and line; empty when the package is sound.
    """
    data_dir = Path(data_dir)
    descriptor_path = data_dir / "datapackage.json"
    try:
        descriptor = load_schema(data_dir)
    except RecordsError as exc:
        return [Problem(descriptor_path.name, None, None, str(exc))]
    tables = read_tables(data_dir, descriptor)
    problems = frictionless_problems(descriptor_path, tables)
    problems += check_quotes(tables, resolve_source_dir(source_dir))
    extra: list[Problem] = []
    if geocoder is None:
        try:
            geocoder = default_geocoder()
        except GeocoderUnavailableError as exc:
            places_file = tables["places"].file if "places" in tables else "places.csv"
            extra.append(Problem(places_file, None, None, f"places were not geocoded: {exc}"))
    problems += extra + run_all(tables, geocoder, threshold=name_threshold)
    return _sorted(problems, tables)


def _sorted(problems: list[Problem], tables: dict[str, RawTable]) -> list[Problem]:
    """Sort by file in package order, then line (file-level first); keep check order on ties."""
    order = {table.file: index for index, table in enumerate(tables.values())}
    return sorted(problems, key=lambda p: (order.get(p.file, -1), p.row or 0))


def count_rows(data_dir: Path = DEFAULT_DATA_DIR) -> tuple[int, int]:
    """Return ``(data rows, tables)`` of the package in ``data_dir`` (unreadable files: 0 rows)."""
    try:
        descriptor = load_schema(Path(data_dir))
    except RecordsError:
        return 0, 0
    tables = read_tables(Path(data_dir), descriptor)
    return sum(len(table.rows) for table in tables.values()), len(tables)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``validate`` subcommand's options to ``parser``."""
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        metavar="DIR",
        help="directory of datapackage.json and its CSV files (default: the repo's data/)",
    )
    parser.add_argument(
        "--sources",
        type=Path,
        default=None,
        metavar="DIR",
        help="directory of the source texts (default: $ATLAS_SOURCE_DIR or ../shared/sources)",
    )


def run(args: argparse.Namespace) -> int:
    """Validate, print every problem (or a one-line summary) and return the exit status."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    problems = validate_package(args.data, args.sources)
    rows, tables = count_rows(args.data)
    out = sys.stdout
    for problem in problems:
        print(problem, file=out)
    noun = "problem" if len(problems) == 1 else "problems"
    print(f"validated {rows} rows in {tables} tables: {len(problems)} {noun}", file=out)
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the subcommand on ``argv`` without the dispatcher (for tests and debugging)."""
    parser = argparse.ArgumentParser(prog="python -m layers validate", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
