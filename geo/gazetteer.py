"""The two place tables the geocoder reads: the GeoNames extract and the curated alias table.

- ``geo/data/gazetteer.tsv.gz``: the regional GeoNames extract built by
  :mod:`geo.build.gazetteer` (populated places and administrative divisions with their
  alternate names in every script).
- ``geo/data/aliases.csv``: the curated table of Kazakh, Uyghur, Russian, Chinese and pinyin
  forms (columns ``alias,script,target_type,target,name,country,lon,lat,precision,attested,
  note``).

Both loaders are cached and validate every row: a bad row raises :class:`DataFileError` naming
the file, the line, the field and the value. Nothing is dropped silently.
"""

from __future__ import annotations

import csv
import gzip
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from geo._errors import CoordinateError, GeoError
from geo.coords import validate_lonlat

__all__ = [
    "ALIAS_COLUMNS",
    "DEFAULT_ALIASES",
    "DEFAULT_GAZETTEER",
    "GAZETTEER_COLUMNS",
    "PRECISIONS",
    "Alias",
    "DataFileError",
    "GazetteerEntry",
    "load_aliases",
    "load_gazetteer",
    "read_aliases",
    "read_gazetteer",
]

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_GAZETTEER = DATA_DIR / "gazetteer.tsv.gz"
DEFAULT_ALIASES = DATA_DIR / "aliases.csv"

GAZETTEER_COLUMNS = (
    "geonameid", "name", "asciiname", "alternatenames", "lon", "lat", "country", "admin1",
    "feature_code", "population", "admin_code",
)
ALIAS_COLUMNS = (
    "alias", "script", "target_type", "target", "name", "country", "lon", "lat", "precision",
    "attested", "note",
)
PRECISIONS = ("exact", "settlement", "county", "prefecture", "region", "country")
SCRIPTS = ("zh", "pinyin", "ug-latn", "ug-arab", "kk-latn", "kk-cyrl", "ru", "en", "other")
TARGET_TYPES = ("district", "geonames", "point")
FEATURE_CODES = ("PPL", "ADM1", "ADM2", "PCLI")


class DataFileError(GeoError, ValueError):
    """A row of a data file is malformed.

    Parameters
    ----------
    message : str
        The full message, naming file, line, field and value.
    path : Path
        The file.
    line : int
        The 1-based line number (the header is line 1).
    field : str
        The column.
    value : object
        The offending value as read.
    """

    def __init__(self, message: str, *, path: Path, line: int, field: str, value: object) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.field = field
        self.value = value


@dataclass(frozen=True)
class GazetteerEntry:
    """One GeoNames place of the regional extract.

    Attributes
    ----------
    geonameid : int
        GeoNames id.
    name, asciiname : str
        GeoNames primary name and its ASCII form (some are odd: Hotan is "Gujangbagh").
    alternatenames : tuple of str
        Alternate names in every script.
    lon, lat : float
        WGS84 degrees. For divisions: the most populous settlement inside.
    country, admin1 : str
        ISO country code and GeoNames admin1 code.
    feature_code : str
        ``PPL`` (populated place), ``ADM1``, ``ADM2`` or ``PCLI`` (a country, placed at its
        capital).
    population : int
        GeoNames population (0 when unknown, which is common).
    admin_code : str
        For divisions, the ISO 3166-2 code (``KZ-63``) or GeoNames admin code path
        (``CN.13.6540``); for countries the ISO code; empty for places.
    """

    geonameid: int
    name: str
    asciiname: str
    alternatenames: tuple[str, ...]
    lon: float
    lat: float
    country: str
    admin1: str
    feature_code: str
    population: int
    admin_code: str

    @property
    def names(self) -> tuple[str, ...]:
        """Primary, ASCII and alternate names, without duplicates."""
        return tuple(dict.fromkeys((self.name, self.asciiname, *self.alternatenames)))


@dataclass(frozen=True)
class Alias:
    """One row of the curated alias table.

    Attributes
    ----------
    alias : str
        The form as written.
    script : str
        One of ``zh, pinyin, ug-latn, ug-arab, kk-latn, kk-cyrl, ru, en, other``.
    target_type : str
        ``district`` (``target`` is a district id), ``geonames`` (a GeoNames id) or ``point``
        (``lon``/``lat`` given).
    target : str
        District id or GeoNames id; empty for a point.
    name : str
        Canonical English name of the target.
    country : str
        ISO country code of the target.
    lon, lat : float or None
        WGS84 point (required for ``point``).
    precision : str
        One of :data:`PRECISIONS`, or empty (then taken from the target).
    attested : str
        Where the form is attested.
    line : int
        Line of the row in its file, for messages.
    """

    alias: str
    script: str
    target_type: str
    target: str
    name: str
    country: str
    lon: float | None
    lat: float | None
    precision: str
    attested: str
    line: int


def _open_text(path: Path) -> io.TextIOBase:
    """Open a UTF-8 text file, gunzipping ``.gz`` files."""
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def _lonlat(path: Path, line: int, row: Mapping[str, str]) -> tuple[float, float]:
    """Return a row's ``lon, lat``; a bad value raises :class:`DataFileError` naming it."""
    try:
        return validate_lonlat(row["lon"], row["lat"])
    except CoordinateError as exc:
        field = "lon" if "longitude" in str(exc) else "lat"
        msg = f"{path}: line {line}, field {field!r}: {exc}"
        raise DataFileError(msg, path=path, line=line, field=field, value=row[field]) from None


def _require(path: Path, line: int, field: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        msg = f"{path}: line {line}, field {field!r}: {value!r} is not one of {', '.join(allowed)}"
        raise DataFileError(msg, path=path, line=line, field=field, value=value)


def _check_header(path: Path, header: list[str] | None, columns: tuple[str, ...]) -> None:
    missing = [c for c in columns if c not in (header or [])]
    if missing:
        msg = f"{path}: line 1 lacks the column(s) {', '.join(map(repr, missing))}"
        raise DataFileError(msg, path=path, line=1, field=missing[0], value=header)


def _number(path: Path, line: int, field: str, value: str, kind: type) -> float | int:
    try:
        number: float | int = kind(value)
    except ValueError:
        msg = f"{path}: line {line}, field {field!r}: {value!r} is not a number"
        raise DataFileError(msg, path=path, line=line, field=field, value=value) from None
    return number


def read_gazetteer(path: Path) -> tuple[GazetteerEntry, ...]:
    """Read and validate a gazetteer extract (uncached; see :func:`load_gazetteer`).

    Parameters
    ----------
    path : Path
        A file written by :mod:`geo.build.gazetteer` (``.tsv`` or ``.tsv.gz``).

    Returns
    -------
    tuple of GazetteerEntry

    Raises
    ------
    DataFileError
        If a column is missing or a row is malformed (duplicate id, bad number, coordinate out of
        range, unknown feature code).
    FileNotFoundError
        If the file does not exist.
    """
    entries: list[GazetteerEntry] = []
    seen: set[int] = set()
    with _open_text(path) as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        _check_header(path, list(reader.fieldnames or []), GAZETTEER_COLUMNS)
        for row in reader:
            line = reader.line_num
            if None in row.values() or None in row:
                msg = f"{path}: line {line} has {len(row)} fields, not {len(GAZETTEER_COLUMNS)}"
                raise DataFileError(msg, path=path, line=line, field="*", value=row)
            gid = int(_number(path, line, "geonameid", row["geonameid"], int))
            if gid in seen:
                msg = f"{path}: line {line}, field 'geonameid': {gid!r} appears twice"
                raise DataFileError(msg, path=path, line=line, field="geonameid", value=gid)
            seen.add(gid)
            lon, lat = _lonlat(path, line, row)
            _require(path, line, "feature_code", row["feature_code"], FEATURE_CODES)
            if not row["name"].strip():
                msg = f"{path}: line {line}, field 'name': {row['name']!r} is empty"
                raise DataFileError(msg, path=path, line=line, field="name", value=row["name"])
            entries.append(
                GazetteerEntry(
                    geonameid=gid,
                    name=row["name"],
                    asciiname=row["asciiname"],
                    alternatenames=tuple(n for n in row["alternatenames"].split("|") if n),
                    lon=lon,
                    lat=lat,
                    country=row["country"],
                    admin1=row["admin1"],
                    feature_code=row["feature_code"],
                    population=int(_number(path, line, "population", row["population"], int)),
                    admin_code=row["admin_code"],
                )
            )
    logger.debug("read %d gazetteer entries from %s", len(entries), path)
    return tuple(entries)


def read_aliases(path: Path) -> tuple[Alias, ...]:
    """Read and validate an alias table (uncached; see :func:`load_aliases`).

    Parameters
    ----------
    path : Path
        A CSV file with the columns :data:`ALIAS_COLUMNS`.

    Returns
    -------
    tuple of Alias

    Raises
    ------
    DataFileError
        If a column is missing or a row is malformed (empty alias, unknown script, target type or
        precision, missing target, a point without valid coordinates).
    FileNotFoundError
        If the file does not exist.
    """
    rows: list[Alias] = []
    with _open_text(path) as fh:
        reader = csv.DictReader(fh)
        _check_header(path, list(reader.fieldnames or []), ALIAS_COLUMNS)
        for raw in reader:
            line = reader.line_num
            if None in raw:
                msg = f"{path}: line {line} has more fields than the header"
                raise DataFileError(msg, path=path, line=line, field="*", value=raw[None])
            row = {k: (v or "").strip() for k, v in raw.items()}
            if not row["alias"]:
                msg = f"{path}: line {line}, field 'alias': {raw['alias']!r} is empty"
                raise DataFileError(msg, path=path, line=line, field="alias", value=raw["alias"])
            _require(path, line, "script", row["script"], SCRIPTS)
            _require(path, line, "target_type", row["target_type"], TARGET_TYPES)
            if row["precision"]:
                _require(path, line, "precision", row["precision"], PRECISIONS)
            kind = row["target_type"]
            if kind in ("district", "geonames") and not row["target"]:
                msg = f"{path}: line {line}, field 'target': a {kind} alias needs a target, got ''"
                raise DataFileError(msg, path=path, line=line, field="target", value="")
            if kind == "geonames":
                _number(path, line, "target", row["target"], int)
            lon = lat = None
            if row["lon"] or row["lat"] or kind == "point":
                lon, lat = _lonlat(path, line, row)
            if kind == "point" and not row["precision"]:
                msg = f"{path}: line {line}, field 'precision': a point alias needs one, got ''"
                raise DataFileError(msg, path=path, line=line, field="precision", value="")
            rows.append(
                Alias(
                    alias=row["alias"],
                    script=row["script"],
                    target_type=kind,
                    target=row["target"],
                    name=row["name"] or row["alias"],
                    country=row["country"].upper(),
                    lon=lon,
                    lat=lat,
                    precision=row["precision"],
                    attested=row["attested"],
                    line=line,
                )
            )
    logger.debug("read %d aliases from %s", len(rows), path)
    return tuple(rows)


@lru_cache(maxsize=4)
def load_gazetteer(path: Path = DEFAULT_GAZETTEER) -> tuple[GazetteerEntry, ...]:
    """Return the gazetteer extract, read once per path (see :func:`read_gazetteer`)."""
    return read_gazetteer(path)


@lru_cache(maxsize=4)
def load_aliases(path: Path = DEFAULT_ALIASES) -> tuple[Alias, ...]:
    """Return the curated alias table, read once per path (see :func:`read_aliases`)."""
    return read_aliases(path)
