"""``python -m layers validate``: prove the curated data package sound before anything uses it.

Checks, in order, each reported as ``file:line:field: message`` (the header is line 1):

1. the Table Schema of ``data/datapackage.json``, by Frictionless: types, required values,
   unique ids, enums, patterns, primary and foreign keys;
2. the source texts: each file named by ``sources.path`` lies inside the source directory
   (no absolute path, ``..``, URL or symlink out: such a file is never read), has the recorded
   ``sha256``, and holds every row's ``quote`` (forgiving only whitespace and typographic
   quotes, apostrophes and dashes). The texts are not in the repository (copyright): when
   one is missing the quote proof is SKIPPED, said loudly on stderr with each text's id, path,
   sha256 and where to put it, and the exit status stays 0 unless ``ATLAS_REQUIRE_SOURCES=1``
   (as CI sets), which makes a missing text a problem;
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
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import geo
from layers.errors import LayersError
from layers.records.checks import Geocoder, run_all
from layers.records.frictionless import frictionless_problems
from layers.records.load import DEFAULT_DATA_DIR, RecordsError, load_schema
from layers.records.load import source_dir as resolve_source_dir
from layers.records.names import DEFAULT_THRESHOLD
from layers.records.problem import Problem
from layers.records.quotes import REQUIRE_SOURCES_ENV, QuoteReport, prove_quotes
from layers.records.tables import RawTable, read_tables

__all__ = [
    "REQUIRE_SOURCES_ENV",
    "GeocoderUnavailableError",
    "Problem",
    "QuoteProof",
    "Validation",
    "add_arguments",
    "check_package",
    "count_rows",
    "default_geocoder",
    "quote_proof_status",
    "run",
    "sources_required",
    "validate_package",
]

logger = logging.getLogger(__name__)


class GeocoderUnavailableError(LayersError, ImportError):
    """``geo.geocode`` cannot be imported, so places cannot be checked."""


def default_geocoder() -> Geocoder:
    """Return ``geo.geocode``.

    A test (or a caller) may replace this function by one that raises
    :class:`GeocoderUnavailableError`; :func:`validate_package` then reports that places were
    not geocoded instead of failing.
    """
    result: Geocoder = geo.geocode
    return result


def sources_required(environ: Mapping[str, str] | None = None) -> bool:
    """Return whether a missing source text fails validation (``ATLAS_REQUIRE_SOURCES=1``).

    Parameters
    ----------
    environ : mapping, optional
        The environment; default ``os.environ``.
    """
    env = os.environ if environ is None else environ
    return env.get(REQUIRE_SOURCES_ENV, "").strip() == "1"


@dataclass(frozen=True)
class Validation:
    """Everything :func:`check_package` found.

    Attributes
    ----------
    problems : list of Problem
        Sorted by file (in package order) and line; empty when the package is sound.
    quotes : QuoteReport or None
        The quote proof (``None`` when the descriptor could not be read).
    require_sources : bool
        Whether missing source texts were counted as problems.
    """

    problems: list[Problem]
    quotes: QuoteReport | None
    require_sources: bool

    @property
    def quotes_skipped(self) -> bool:
        """Whether quotes went unchecked because their texts are missing (and that was allowed)."""
        return self.quotes is not None and self.quotes.skipped and not self.require_sources


def check_package(
    data_dir: Path = DEFAULT_DATA_DIR,
    source_dir: Path | None = None,
    *,
    geocoder: Geocoder | None = None,
    name_threshold: float = DEFAULT_THRESHOLD,
    require_sources: bool | None = None,
) -> Validation:
    """Run every check on the package in ``data_dir``; return its problems and quote proof.

    Parameters
    ----------
    data_dir : pathlib.Path
        Directory of ``datapackage.json`` and its CSV files.
    source_dir : pathlib.Path, optional
        Directory of the source texts; default from :func:`layers.records.load.source_dir`
        (``$ATLAS_SOURCE_DIR`` or ``<repo>/../shared/sources``).
    geocoder : callable, optional
        ``geocode(name, *, country=None)``; default ``geo.geocode``. If that cannot be
        imported, one problem says so and places are not geocoded.
    name_threshold : float
        Score (0-100) from which two people's normalised names count as the same.
    require_sources : bool, optional
        Whether a missing source text is a problem (one per text) rather than a skipped
        quote proof; default :func:`sources_required`.

    Returns
    -------
    Validation
        The problems and the quote proof.
    """
    required = sources_required() if require_sources is None else require_sources
    data_dir = Path(data_dir)
    descriptor_path = data_dir / "datapackage.json"
    try:
        descriptor = load_schema(data_dir)
    except RecordsError as exc:
        return Validation([Problem(descriptor_path.name, None, None, str(exc))], None, required)
    tables = read_tables(data_dir, descriptor)
    problems = frictionless_problems(descriptor_path, tables)
    quotes = prove_quotes(tables, resolve_source_dir(source_dir))
    problems += list(quotes.problems)
    if required:
        problems += quotes.missing_problems()
    extra: list[Problem] = []
    if geocoder is None:
        try:
            geocoder = default_geocoder()
        except GeocoderUnavailableError as exc:
            places_file = tables["places"].file if "places" in tables else "places.csv"
            extra.append(Problem(places_file, None, None, f"places were not geocoded: {exc}"))
    problems += extra + run_all(tables, geocoder, threshold=name_threshold)
    return Validation(_sorted(problems, tables), quotes, required)


def validate_package(
    data_dir: Path = DEFAULT_DATA_DIR,
    source_dir: Path | None = None,
    *,
    geocoder: Geocoder | None = None,
    name_threshold: float = DEFAULT_THRESHOLD,
    require_sources: bool | None = None,
) -> list[Problem]:
    """Run every check on the package in ``data_dir`` and return the problems found.

    A missing source text is not a problem unless ``require_sources`` (default:
    ``ATLAS_REQUIRE_SOURCES=1``); use :func:`check_package` to learn whether quotes were
    skipped.

    Parameters
    ----------
    data_dir : pathlib.Path
        Directory of ``datapackage.json`` and its CSV files.
    source_dir : pathlib.Path, optional
        Directory of the source texts; default from :func:`layers.records.load.source_dir`
        (``$ATLAS_SOURCE_DIR`` or ``<repo>/../shared/sources``).
    geocoder : callable, optional
        ``geocode(name, *, country=None)``; default ``geo.geocode``. If that cannot be
        imported, one problem says so and places are not geocoded.
    name_threshold : float
        Score (0-100) from which two people's normalised names count as the same.
    require_sources : bool, optional
        Whether a missing source text is a problem; default :func:`sources_required`.

    Returns
    -------
    list of Problem
        Sorted by file (in package order) and line; empty when the package is sound.
    """
    return check_package(
        data_dir,
        source_dir,
        geocoder=geocoder,
        name_threshold=name_threshold,
        require_sources=require_sources,
    ).problems


@dataclass(frozen=True)
class QuoteProof:
    """Whether this install proved every quote verbatim in its source text (for the app).

    Attributes
    ----------
    proven : bool
        Every source text was found with its recorded sha256 and holds every quote citing it.
    skipped : bool
        Some source text is missing, so its quotes were not checked.
    sources : int
        Source texts read and hashed.
    quotes : int
        Quotes checked against a text.
    problems : int
        Problems found with the texts or the quotes (missing texts not counted).
    message : str
        One plain-text explanation; it may name paths, so show it as text, not Markdown.
    """

    proven: bool
    skipped: bool
    sources: int
    quotes: int
    problems: int
    message: str


def quote_proof_status(
    data_dir: Path | None = DEFAULT_DATA_DIR, source_dir: Path | None = None
) -> QuoteProof:
    """Prove the quotes of the package in ``data_dir`` against the source texts, and nothing else.

    Reads the tables and each source text once (no Frictionless, no geocoding): cheap enough
    for an app to call once at start and cache. Never raises for a bad package.

    Parameters
    ----------
    data_dir : pathlib.Path, optional
        Directory of ``datapackage.json`` and its CSV files (``None``: the repository's).
    source_dir : pathlib.Path, optional
        Directory of the source texts; default from :func:`layers.records.load.source_dir`.

    Returns
    -------
    QuoteProof
        ``proven`` only when every quote was found in its text.

    Examples
    --------
    >>> status = quote_proof_status(source_dir=Path("/nonexistent"))
    >>> status.proven, status.skipped
    (False, True)
    """
    data_dir = Path(data_dir or DEFAULT_DATA_DIR)
    try:
        descriptor = load_schema(data_dir)
    except RecordsError as exc:
        return QuoteProof(False, False, 0, 0, 1, f"quotes NOT proven: {exc}")
    report = prove_quotes(read_tables(data_dir, descriptor), resolve_source_dir(source_dir))
    if report.proven:
        noun = "source" if report.sources == 1 else "sources"
        message = (
            f"quotes proven against the source texts in {str(report.source_dir)!r} "
            f"({report.sources} {noun}, {report.quotes} quotes)"
        )
    elif report.problems:
        message = (
            f"quotes NOT proven: {len(report.problems)} problems with the source texts or "
            "quotes (run python -m layers validate)"
        )
    elif report.skipped:
        message = report.notice()
    else:
        message = f"quotes NOT proven: {report.unchecked} quotes could not be checked"
    return QuoteProof(
        proven=report.proven,
        skipped=report.skipped,
        sources=report.sources,
        quotes=report.quotes,
        problems=len(report.problems),
        message=message,
    )


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
    """Validate, print every problem (or a one-line summary) and return the exit status.

    Missing source texts are announced on stderr (the quote proof is SKIPPED) and do not
    change the exit status unless ``ATLAS_REQUIRE_SOURCES=1``.
    """
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    result = check_package(args.data, args.sources)
    problems = result.problems
    rows, tables = count_rows(args.data)
    out = sys.stdout
    for problem in problems:
        print(problem, file=out)
    noun = "problem" if len(problems) == 1 else "problems"
    summary = f"validated {rows} rows in {tables} tables: {len(problems)} {noun}"
    quotes = result.quotes
    if result.quotes_skipped and quotes is not None:
        print(quotes.notice(), file=sys.stderr)
        missing = len(quotes.missing)
        part = f" for {missing} of {missing + quotes.sources} sources" if quotes.sources else ""
        summary += f"; quote proof SKIPPED{part} (source texts missing)"
    print(summary, file=out)
    return 1 if problems else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the subcommand on ``argv`` without the dispatcher (for tests and debugging)."""
    parser = argparse.ArgumentParser(prog="python -m layers validate", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
