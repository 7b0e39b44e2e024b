"""Load the curated tables of ``data/`` into typed pandas DataFrames.

The schema is ``data/datapackage.json`` (a Frictionless data package): one CSV per table, every
column named there. String columns become pandas ``string`` dtype with empty cells as ``<NA>``,
integer columns ``Int64`` and number columns ``Float64``. List-valued cells are pipe-separated
(``"Sayragul|Sairagul"``); :func:`split_list` parses them.

Loading checks only what it must to build the frames (files present, header matching the
schema, cells of the declared type) and what it must to publish safely: every ``sensitivity``
cell is one of ``public``, ``restricted``, ``private`` (:class:`SensitivityError`); ``python -m
layers validate`` checks everything else.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pandas as pd

from layers.errors import LayersError
from layers.records.csvrows import read_text_table
from layers.records.sensitivity import SENSITIVITY_LEVELS, sensitivity_level

__all__ = [
    "DEFAULT_DATA_DIR",
    "DEFAULT_SOURCE_DIR",
    "LIST_SEPARATOR",
    "SOURCE_DIR_ENV",
    "TABLES",
    "Records",
    "RecordsError",
    "SensitivityError",
    "load_records",
    "load_schema",
    "source_dir",
    "split_list",
]

logger = logging.getLogger(__name__)

_REPO = Path(__file__).resolve().parents[2]

#: The repository's ``data/`` directory (curated tables and ``datapackage.json``).
DEFAULT_DATA_DIR = _REPO / "data"
#: Where the source texts live unless ``$ATLAS_SOURCE_DIR`` or ``--sources`` says otherwise.
DEFAULT_SOURCE_DIR = _REPO.parent / "shared" / "sources"
#: Environment variable overriding :data:`DEFAULT_SOURCE_DIR`.
SOURCE_DIR_ENV = "ATLAS_SOURCE_DIR"
#: Separator of list-valued cells.
LIST_SEPARATOR = "|"
#: The tables of the data package, in dependency order.
TABLES: tuple[str, ...] = (
    "sources",
    "places",
    "people",
    "sites",
    "population_reports",
    "detentions",
    "events",
)

_DTYPES: dict[str, Any] = {"string": "string", "integer": "Int64", "number": "Float64"}


class RecordsError(LayersError, ValueError):
    """A table cannot be loaded: file missing, header unlike the schema, or a cell of wrong type.

    Parameters
    ----------
    message : str
        The full message, naming the file and the offending value.
    path : pathlib.Path
        The file concerned.
    """

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


class SensitivityError(RecordsError):
    """A ``sensitivity`` cell is blank or not one of ``public``, ``restricted``, ``private``.

    Such a row would be treated as private (:func:`layers.records.sensitivity.sensitivity_level`);
    :func:`load_records` refuses it so the curator fixes it before the atlas starts.

    Parameters
    ----------
    message : str
        The full message, naming file, line, field and value.
    path : pathlib.Path
        The CSV file.
    line : int
        The row's line number in the file (the header is line 1).
    field : str
        The column (``sensitivity``).
    value : str
        The cell as written, stripped (``""`` for a blank cell).
    """

    def __init__(self, message: str, *, path: Path, line: int, field: str, value: str) -> None:
        super().__init__(message, path=path)
        self.file = path.name
        self.line = line
        self.field = field
        self.value = value


#: The column whose every cell must be a known sensitivity level.
_SENSITIVITY_FIELD = "sensitivity"


@dataclass(frozen=True, eq=False)
class Records:
    """One DataFrame per table of ``data/datapackage.json``, columns exactly as in the schema.

    Attributes
    ----------
    sources, places, people, sites, population_reports, detentions, events : pandas.DataFrame
        The tables, in file order, with a default RangeIndex.
    """

    sources: pd.DataFrame
    places: pd.DataFrame
    people: pd.DataFrame
    sites: pd.DataFrame
    population_reports: pd.DataFrame
    detentions: pd.DataFrame
    events: pd.DataFrame

    def items(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """Yield ``(table name, frame)`` in :data:`TABLES` order."""
        for item in fields(self):
            yield item.name, getattr(self, item.name)

    def __getitem__(self, table: str) -> pd.DataFrame:
        """Return the table called ``table``."""
        if table not in TABLES:
            msg = f"unknown table {table!r} (tables: {', '.join(TABLES)})"
            raise KeyError(msg)
        frame: pd.DataFrame = getattr(self, table)
        return frame


def source_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the source-text directory: ``explicit``, else ``$ATLAS_SOURCE_DIR``, else default.

    Parameters
    ----------
    explicit : path-like, optional
        A directory given on the command line (``--sources``).

    Returns
    -------
    pathlib.Path
        The directory (not checked for existence).
    """
    if explicit is not None:
        return Path(explicit)
    from_env = os.environ.get(SOURCE_DIR_ENV)
    if from_env:
        return Path(from_env)
    return DEFAULT_SOURCE_DIR


def load_schema(data_dir: Path = DEFAULT_DATA_DIR) -> dict[str, Any]:
    """Return the parsed ``datapackage.json`` of ``data_dir``.

    Raises
    ------
    RecordsError
        If the descriptor is missing or not valid JSON.
    """
    path = Path(data_dir) / "datapackage.json"
    try:
        descriptor: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"no data package descriptor at {str(path)!r}"
        raise RecordsError(msg, path=path) from None
    except json.JSONDecodeError as exc:
        msg = f"{str(path)!r} is not valid JSON: {exc}"
        raise RecordsError(msg, path=path) from None
    return descriptor


def split_list(cell: object) -> list[str]:
    """Split a pipe-separated cell into its stripped, non-empty parts.

    Parameters
    ----------
    cell : object
        A cell value: a string, ``None``, ``pandas.NA`` or NaN.

    Returns
    -------
    list of str
        ``[]`` for a missing or empty cell.

    Examples
    --------
    >>> split_list("Sayragul | Sairagul")
    ['Sayragul', 'Sairagul']
    >>> split_list(None)
    []
    """
    if cell is None or cell is pd.NA:
        return []
    if not isinstance(cell, str):
        if pd.isna(cell):  # type: ignore[call-overload]
            return []
        msg = f"list cell {cell!r} is not a string"
        raise TypeError(msg)
    return [part.strip() for part in cell.split(LIST_SEPARATOR) if part.strip()]


def load_records(data_dir: Path = DEFAULT_DATA_DIR) -> Records:
    """Load every table of the data package in ``data_dir``.

    Parameters
    ----------
    data_dir : pathlib.Path
        Directory holding ``datapackage.json`` and the CSV files it names.

    Returns
    -------
    Records
        One frame per table, columns and dtypes from the schema.

    Raises
    ------
    RecordsError
        If a file is missing, its header differs from the schema, or a cell cannot be read as
        the declared type (run ``python -m layers validate`` for the full list of problems).
    SensitivityError
        If a ``sensitivity`` cell of any table is blank or not one of ``public``,
        ``restricted``, ``private`` (a :class:`RecordsError` too).
    """
    data_dir = Path(data_dir)
    descriptor = load_schema(data_dir)
    resources = {res["name"]: res for res in descriptor.get("resources", [])}
    frames: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        if table not in resources:
            msg = f"datapackage.json in {str(data_dir)!r} has no resource {table!r}"
            raise RecordsError(msg, path=data_dir / "datapackage.json")
        frames[table] = _read_table(data_dir, resources[table])
    logger.info(
        "loaded %s from %s",
        ", ".join(f"{len(frame)} {name}" for name, frame in frames.items()),
        data_dir,
    )
    return Records(**frames)


def _read_table(data_dir: Path, resource: dict[str, Any]) -> pd.DataFrame:
    """Read one resource's CSV with the dtypes its schema declares; blank lines are skipped."""
    path = data_dir / resource["path"]
    schema_fields = resource["schema"]["fields"]
    names = [field["name"] for field in schema_fields]
    records = read_text_table(
        path,
        subject=f"table {resource['name']!r}: file {str(path)!r}",
        form="a UTF-8 CSV file",
        error=lambda msg: RecordsError(msg, path=path),
    )
    header = [cell.strip() for cell in records[0].cells]
    if header != names:
        msg = f"{path.name}:1: header {header!r} differs from the schema's fields {names!r}"
        raise RecordsError(msg, path=path)
    rows = [record for record in records[1:] if not record.blank]
    for record in rows:
        if len(record.cells) != len(names):
            msg = (
                f"{path.name}:{record.line}: {len(record.cells)} cells where the header has "
                f"{len(names)}"
            )
            raise RecordsError(msg, path=path)
    columns: dict[str, pd.Series] = {}
    for index, field in enumerate(schema_fields):
        name = field["name"]
        kind = _DTYPES.get(field.get("type", "string"), "string")
        if name == _SENSITIVITY_FIELD:
            _check_sensitivity(path, name, [(r.line, r.cells[index].strip()) for r in rows])
        values = [record.cells[index].strip() or None for record in rows]
        text = pd.Series(values, dtype="string")
        if kind == "string":
            columns[name] = text
            continue
        numbers = pd.to_numeric(text, errors="coerce")
        whole = numbers.isna() | (numbers % 1 == 0) if kind == "Int64" else numbers.notna()
        bad = text.notna() & (numbers.isna() | ~whole.astype(bool))
        if bad.any():
            position = int(bad.to_numpy(dtype=bool).nonzero()[0][0])
            msg = (
                f"{path.name}:{rows[position].line}:{name}: {text.iloc[position]!r} is not "
                f"a valid {field.get('type')}"
            )
            raise RecordsError(msg, path=path)
        columns[name] = numbers.astype(kind)
    return pd.DataFrame(columns, columns=names)


def _check_sensitivity(path: Path, field: str, cells: list[tuple[int, str]]) -> None:
    """Raise :class:`SensitivityError` for the first blank or unknown level among ``cells``.

    ``cells`` are ``(line, stripped cell)`` pairs. A level counts only when it is exactly one
    of the schema's (lowercase) levels: ``"Private"`` is refused like ``""``.
    """
    for line, value in cells:
        if sensitivity_level(value) == value:
            continue
        levels = ", ".join(repr(level) for level in SENSITIVITY_LEVELS)
        msg = (
            f"{path.name}:{line}:{field}: {value!r} is not one of {levels}; a blank or unknown "
            "level is treated as private, and the atlas will not start until it is fixed "
            "(python -m layers validate lists every problem)"
        )
        raise SensitivityError(msg, path=path, line=line, field=field, value=value)
