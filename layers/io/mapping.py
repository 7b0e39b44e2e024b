"""Column mappings of imported files: mapping YAML, recognised column names, kind schemas.

A mapping file says which kind of record a file holds and which of its columns feed which field::

    kind: facilities
    columns: {name: name_id, lat: latitude, lon: longitude, corroboration: status}
    constants: {facility_type: camp}
    values: {corroboration: {"Satellite – strong": "Satellite - strong"}}
    geocode: [town, name]
    ignore: [Links 2]

Fields without an entry in ``columns`` are found by recognised names (``lat``/``latitude``/``y``,
``lon``/``long``/``lng``/``longitude``/``x``, ``name``...), compared after lower-casing and
folding spaces, hyphens and underscores. Every other column of the file is reported as unknown.
The curated kinds take their fields from ``data/datapackage.json``; imported facilities, which
are third-party data and not part of the curated package, use :func:`facility_schema`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from layers.errors import LayersError

__all__ = [
    "CURATED_KINDS",
    "KINDS",
    "Mapping",
    "MappingError",
    "Resolved",
    "facility_schema",
    "kind_schema",
    "load_mapping",
    "normalise_column",
    "resolve_columns",
]

CURATED_KINDS = ("people", "places", "sites", "detentions", "population_reports", "events")
"""Kinds that are tables of the curated data package."""

KINDS = ("facilities", *CURATED_KINDS)
"""Every kind the importer accepts."""

_MAPPING_KEYS = frozenset(
    {
        "kind",
        "columns",
        "constants",
        "values",
        "geocode",
        "within",
        "ignore",
        "encoding",
        "delimiter",
        "source_id",
        "citation",
        "author",
        "published",
        "url",
        "licence",
        "attribution",
        "note",
    }
)


class MappingError(LayersError, ValueError):
    """A mapping file, or a mapping applied to a file's header, is wrong.

    Parameters
    ----------
    message : str
        The full message, naming the file, the key and the offending value.
    path : str
        The mapping file (or the imported file, for header problems).
    key : str
        The mapping key or field concerned.
    """

    def __init__(self, message: str, *, path: str, key: str) -> None:
        super().__init__(message)
        self.path = path
        self.key = key


@lru_cache(maxsize=1)
def _recognised() -> dict[str, tuple[str, ...]]:
    """Return field -> recognised column names (normalised), best first."""
    return {
        "lon": ("lon", "long", "lng", "longitude", "x", "longitude wgs84", "lon wgs84"),
        "lat": ("lat", "latitude", "y", "latitude wgs84", "lat wgs84"),
        "name": ("name", "title", "name id", "facility name", "facility"),
        "id": ("id", "facility id", "identifier"),
        "id_sub": ("id sub", "sub id", "subid", "sub", "sub compound", "compound"),
        "town": ("town", "city", "county", "place", "location", "settlement"),
        "prefecture": ("prefecture", "region", "province"),
        "facility_type": ("facility type", "type", "category", "kind"),
        "corroboration": ("corroboration level", "corroboration", "status", "confidence"),
        "aspi_no": ("aspi 2020 #", "aspi #", "aspi no", "aspi", "aspi number"),
        "shawn_zhang_no": ("shawn zhang #", "shawn zhang no", "shawn zhang number"),
        "etnam": ("etnam", "etnam code"),
        "description": ("description", "desc", "details"),
        "geocode_query": ("geocode query", "geocode"),
        "wkt": ("wkt", "geometry wkt"),
        "note": ("note", "notes", "comment", "comments"),
    }


def normalise_column(name: str) -> str:
    """Return ``name`` lower-cased, with spaces, hyphens and underscores folded to one space."""
    return re.sub(r"[\s_\-]+", " ", name.strip().lower()).strip()


def facility_schema() -> dict[str, Any]:
    """Return the Frictionless table schema of an imported facility list.

    Returns
    -------
    dict
        A fresh schema descriptor (safe to modify). ``facility_id`` is ``<source id>-<id>``
        (plus ``-<id_sub>`` for sub-compounds); ``lon``/``lat`` are WGS84 (for a polygon, a
        point inside it); ``wkt`` holds a non-point geometry; ``source_row`` is the line (CSV)
        or feature number (vector formats) in the imported file; ``note`` says what the importer
        changed or inferred.
    """

    def text(name: str, description: str, **constraints: Any) -> dict[str, Any]:
        spec: dict[str, Any] = {"name": name, "type": "string", "description": description}
        if constraints:
            spec["constraints"] = constraints
        return spec

    return {
        "primaryKey": ["facility_id"],
        "fields": [
            text(
                "facility_id",
                "Stable id: source id, the file's id, and its sub-id for sub-compounds.",
                required=True,
                unique=True,
                pattern="[a-z0-9][a-z0-9-]*-[^\\s]+",
            ),
            text("name", "Name as given in the imported file."),
            text("id", "The imported file's own id."),
            text("id_sub", "The imported file's sub-compound id."),
            text("town", "Town or county as given."),
            text("prefecture", "Prefecture or region as given."),
            text("facility_type", "Type as given (camp, detention center, prison...)."),
            text("corroboration", "Corroboration level or status as given."),
            text("aspi_no", "ASPI Xinjiang Data Project number."),
            text("shawn_zhang_no", "Shawn Zhang list number."),
            text("etnam", "East Turkistan National Awakening Movement code."),
            text("description", "Description as given."),
            {
                "name": "lon",
                "type": "number",
                "description": "WGS84 longitude.",
                "constraints": {"required": True, "minimum": 46, "maximum": 97},
            },
            {
                "name": "lat",
                "type": "number",
                "description": "WGS84 latitude.",
                "constraints": {"required": True, "minimum": 34, "maximum": 56},
            },
            text(
                "precision",
                "exact for given coordinates; else the geocoded place's precision.",
                required=True,
                enum=["exact", "settlement", "county", "prefecture", "region", "country"],
            ),
            text("wkt", "Geometry (WGS84, WKT) when it is not a point."),
            {
                "name": "source_row",
                "type": "integer",
                "description": "Line (CSV/TSV) or feature number (vector) in the imported file.",
                "constraints": {"required": True, "minimum": 0},
            },
            text("note", "What the importer inferred or changed for this row."),
        ],
    }


@lru_cache(maxsize=8)
def _curated_schemas(datapackage: Path) -> str:
    """Return the text of ``datapackage`` (cached per path)."""
    return datapackage.read_text(encoding="utf-8")


def kind_schema(kind: str, datapackage: Path) -> dict[str, Any]:
    """Return the Frictionless table schema of ``kind``.

    Parameters
    ----------
    kind : str
        One of :data:`KINDS`.
    datapackage : Path
        The curated ``datapackage.json`` (read for curated kinds).

    Returns
    -------
    dict
        A fresh schema descriptor.

    Raises
    ------
    MappingError
        If ``kind`` is unknown or the data package has no such resource.
    """
    if kind == "facilities":
        return facility_schema()
    if kind not in CURATED_KINDS:
        msg = f"unknown kind {kind!r} (known: {', '.join(KINDS)})"
        raise MappingError(msg, path=str(datapackage), key="kind")
    package = json.loads(_curated_schemas(datapackage))
    for resource in package.get("resources", []):
        if resource.get("name") == kind:
            return dict(resource["schema"])
    msg = f"{str(datapackage)!r} has no resource {kind!r}"
    raise MappingError(msg, path=str(datapackage), key="kind")


@dataclass(frozen=True)
class Mapping:
    """How the columns of an imported file become fields of one kind of record.

    Attributes
    ----------
    kind : str or None
        The kind of record, if the mapping says.
    columns : dict
        Field -> source column.
    constants : dict
        Field -> value given to every row (where the row has no value of its own).
    values : dict
        Field -> {value as written -> value to store}, for vocabulary differences.
    geocode : tuple of str
        Fields whose value is geocoded, in order, when a row has no coordinates.
    within : tuple of str
        Fields naming the unit a row's place lies in (a prefecture or county column), the
        first non-empty one passed to the geocoder as its ``within`` hint; none by default.
    ignore : tuple of str
        Source columns deliberately not imported (not reported as unknown).
    encoding, delimiter, source_id : str or None
        File encoding, CSV delimiter and source id, when the mapping fixes them.
    meta : dict
        Citation, author, published, url, licence, attribution and note for the provenance.
    path : str or None
        The mapping file, if one was read.
    """

    kind: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    geocode: tuple[str, ...] = ("geocode_query", "town", "name")
    within: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None
    source_id: str | None = None
    meta: dict[str, str] = field(default_factory=dict)
    path: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the mapping as plain data, for the provenance record (file name only)."""
        return {
            "file": Path(self.path).name if self.path else None,
            "kind": self.kind,
            "columns": dict(self.columns),
            "constants": dict(self.constants),
            "values": {k: dict(v) for k, v in self.values.items()},
            "geocode": list(self.geocode),
            **({"within": list(self.within)} if self.within else {}),
            "ignore": list(self.ignore),
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "source_id": self.source_id,
            **self.meta,
        }


def _str_dict(raw: object, path: str, key: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        msg = f"{path!r}: {key!r} must be a mapping, not {raw!r}"
        raise MappingError(msg, path=path, key=key)
    out: dict[str, str] = {}
    for k, v in raw.items():
        if not isinstance(k, str) or isinstance(v, (dict, list)) or v is None:
            msg = f"{path!r}: {key}.{k!s} must map a name to a text value, not {v!r}"
            raise MappingError(msg, path=path, key=f"{key}.{k}")
        out[k] = str(v)
    return out


def _str_list(raw: object, path: str, key: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    if not isinstance(raw, list) or not all(isinstance(item, str) for item in raw):
        msg = f"{path!r}: {key!r} must be a list of names, not {raw!r}"
        raise MappingError(msg, path=path, key=key)
    return tuple(raw)


def load_mapping(path: str | Path) -> Mapping:
    """Read a mapping YAML file.

    Parameters
    ----------
    path : str or Path
        The mapping file.

    Returns
    -------
    Mapping

    Raises
    ------
    MappingError
        If the file is not YAML, is not a mapping, has unknown keys, an unknown kind, or
        values of the wrong shape; the message names the file, the key and the value.
    """
    name = str(path)
    try:
        raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        msg = f"{name!r}: cannot read the mapping: {exc}"
        raise MappingError(msg, path=name, key="") from exc
    if not isinstance(raw, dict):
        msg = f"{name!r}: a mapping file must be a YAML mapping, not {raw!r}"
        raise MappingError(msg, path=name, key="")
    unknown = sorted(set(map(str, raw)) - _MAPPING_KEYS)
    if unknown:
        msg = f"{name!r}: unknown key(s) {unknown!r} (known: {sorted(_MAPPING_KEYS)!r})"
        raise MappingError(msg, path=name, key=unknown[0])
    kind = raw.get("kind")
    if kind is not None and kind not in KINDS:
        msg = f"{name!r}: unknown kind {kind!r} (known: {', '.join(KINDS)})"
        raise MappingError(msg, path=name, key="kind")
    values_raw = raw.get("values") or {}
    if not isinstance(values_raw, dict):
        msg = f"{name!r}: 'values' must be a mapping, not {values_raw!r}"
        raise MappingError(msg, path=name, key="values")
    values = {str(k): _str_dict(v, name, f"values.{k}") for k, v in values_raw.items()}
    geocode = _str_list(raw.get("geocode"), name, "geocode") or Mapping().geocode
    meta = {
        key: str(raw[key])
        for key in ("citation", "author", "published", "url", "licence", "attribution", "note")
        if raw.get(key) is not None
    }
    for key in ("encoding", "delimiter", "source_id"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            msg = f"{name!r}: {key!r} must be text, not {raw[key]!r}"
            raise MappingError(msg, path=name, key=key)
    return Mapping(
        kind=kind,
        columns=_str_dict(raw.get("columns"), name, "columns"),
        constants=_str_dict(raw.get("constants"), name, "constants"),
        values=values,
        geocode=geocode,
        within=_str_list(raw.get("within"), name, "within"),
        ignore=_str_list(raw.get("ignore"), name, "ignore"),
        encoding=raw.get("encoding"),
        delimiter=raw.get("delimiter"),
        source_id=raw.get("source_id"),
        meta=meta,
        path=name,
    )


@dataclass(frozen=True)
class Resolved:
    """A mapping applied to one file's header.

    Attributes
    ----------
    columns : dict
        Field -> source column, for every field the file feeds.
    unknown : tuple of str
        Source columns that feed no field and are not ignored.
    ignored : tuple of str
        Source columns the mapping says to ignore.
    """

    columns: dict[str, str]
    unknown: tuple[str, ...]
    ignored: tuple[str, ...]


def resolve_columns(
    mapping: Mapping,
    fields: Sequence[str],
    header: Sequence[str],
    *,
    file: str,
    extra_fields: Sequence[str] = (),
) -> Resolved:
    """Match a file's ``header`` to ``fields`` through ``mapping`` and recognised names.

    Parameters
    ----------
    mapping : Mapping
        Explicit columns, constants and ignored columns.
    fields : sequence of str
        The kind's fields.
    header : sequence of str
        The file's column names, in order.
    file : str
        The imported file, for messages.
    extra_fields : sequence of str, optional
        Importer-only input fields (``lon``/``lat``/``wkt``/``geocode_query`` for kinds whose
        schema lacks them).

    Returns
    -------
    Resolved

    Raises
    ------
    MappingError
        If the mapping names a field the kind does not have, a column the file does not have,
        or a constant for an unknown field.
    """
    known = [*fields, *(f for f in extra_fields if f not in fields)]
    where = mapping.path or file
    stripped = {c.strip(): c for c in header}
    columns = _explicit_columns(mapping, known, header, stripped, file=file, where=where)
    _check_mapped_fields(mapping, known, where)
    used = set(columns.values())
    _recognise_columns(columns, used, known, header)
    ignore = {stripped.get(c.strip(), c) for c in mapping.ignore}
    unknown = tuple(c for c in header if c not in used and c not in ignore)
    ignored = tuple(c for c in header if c not in used and c in ignore)
    return Resolved(columns=columns, unknown=unknown, ignored=ignored)


def _explicit_columns(
    mapping: Mapping,
    known: Sequence[str],
    header: Sequence[str],
    stripped: dict[str, str],
    *,
    file: str,
    where: str,
) -> dict[str, str]:
    """Return the mapping's ``columns`` (field -> column), each checked against fields and header.

    A column named with stray spaces matches the header's column without them.
    """
    explicit: dict[str, str] = {}
    for fld, given in mapping.columns.items():
        column = given if given in header else stripped.get(given.strip(), given)
        explicit[fld] = column
        if fld not in known:
            msg = f"{where!r}: columns.{fld}: no field {fld!r} (fields: {', '.join(known)})"
            raise MappingError(msg, path=where, key=f"columns.{fld}")
        if column not in header:
            msg = f"{file!r}: the mapping's column {column!r} (for {fld!r}) is not in the header"
            raise MappingError(msg, path=where, key=f"columns.{fld}")
    return explicit


def _check_mapped_fields(mapping: Mapping, known: Sequence[str], where: str) -> None:
    """Raise if the mapping's ``constants`` or ``values`` name a field the kind does not have."""
    for section, names in (("constants", mapping.constants), ("values", mapping.values)):
        for fld in names:
            if fld not in known:
                msg = f"{where!r}: {section}.{fld}: no field {fld!r} (fields: {', '.join(known)})"
                raise MappingError(msg, path=where, key=f"{section}.{fld}")


def _recognise_columns(
    columns: dict[str, str], used: set[str], known: Sequence[str], header: Sequence[str]
) -> None:
    """Match each field the mapping leaves out to an unused column by its recognised names.

    ``columns`` and ``used`` are updated in place; the first matching column wins.
    """
    by_norm: dict[str, str] = {}
    for column in header:
        by_norm.setdefault(normalise_column(column), column)
    recognised = _recognised()
    for fld in known:
        if fld in columns:
            continue
        names = (normalise_column(fld), *recognised.get(fld, ()))
        match = next((by_norm[n] for n in names if n in by_norm and by_norm[n] not in used), None)
        if match is not None:
            columns[fld] = match
            used.add(match)
