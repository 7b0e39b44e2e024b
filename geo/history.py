"""Administrative history since 2010: which units were renamed or cut out of others, and when.

The table ``geo/data/history.csv`` (curated, a source per row; see ``history.README.md``) lists
every change to a county-level unit of Xinjiang (and the prefecture-level changes that went
with them) and to a region of Kazakhstan since 2010, one row per (old unit, new unit):

``renamed``
    ``from_id`` became ``to_id`` with the same area (a county became a county-level city, a
    prefecture a prefecture-level city, a county-level city a district). The two ids may be the
    same (Shawan County and Shawan City share ``CN-654223``); the old generation is then told
    apart by its name.
``split``
    ``to_id`` was created out of part of ``from_id``, which goes on, smaller. A unit cut out of
    several units has one row per unit.

The polygons (``districts.geojson.gz``) show today's units; :class:`History` answers which unit
of a given year a unit of today belongs to (:meth:`History.ids_in_year`), what a unit was called
then (:meth:`History.name_in`), and the changes before and after a unit
(:meth:`History.predecessors`, :meth:`History.successors`), all without geometry. The point
lookup of a year is :func:`geo.districts.district_at` with ``year``.

A change takes effect in the year of its date: the map "of 2014" has Khorgas City (cut out of
Huocheng County on 26 June 2014), the map of 2013 does not.
"""

from __future__ import annotations

import csv
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from geo.gazetteer import DataFileError

__all__ = [
    "CHANGES",
    "DEFAULT_HISTORY",
    "HISTORY_COLUMNS",
    "Change",
    "FormerUnit",
    "History",
    "HistoryLink",
    "load_history",
    "read_history",
]

logger = logging.getLogger(__name__)

DEFAULT_HISTORY = Path(__file__).parent / "data" / "history.csv"
HISTORY_COLUMNS = (
    "date", "change", "level", "from_id", "from_name", "to_id", "to_name", "from_names",
    "basis", "source", "note",
)
CHANGES = ("renamed", "split")
BASES = ("source", "polygons")
HISTORY_LEVELS = ("county", "prefecture", "region")
FIRST_YEAR = 2010

ChangeKind = Literal["renamed", "split"]
_DATE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")
_ID = re.compile(r"^(CN-\d{6}|KZ-\d{2})$")


@dataclass(frozen=True)
class Change:
    """One row of the history table.

    Attributes
    ----------
    date : str
        ``YYYY-MM-DD``, or ``YYYY-MM`` when the source gives no day: when the change took
        effect (else the decree or approval, as ``note`` says).
    change : {"renamed", "split"}
        See the module docstring.
    level : {"county", "prefecture", "region"}
        The level of both units.
    from_id, from_name : str
        The older unit and its name at the time.
    to_id, to_name : str
        The newer unit and its name at the time.
    from_names : tuple of str
        Other names of the older unit that belong to its generation only ("库车县",
        "Kucha Nahiyisi" for Kuqa County), which the geocoder resolves to it.
    basis : {"source", "polygons"}
        ``source``: the source names the unit a new one was cut from; ``polygons``: it does not,
        and ``from_id`` is a unit the new one borders in today's polygons.
    source, note : str
        Where the change is attested; what is uncertain.
    line : int
        The row's line in the file, for messages.
    """

    date: str
    change: ChangeKind
    level: str
    from_id: str
    from_name: str
    to_id: str
    to_name: str
    from_names: tuple[str, ...]
    basis: str
    source: str
    note: str
    line: int

    @property
    def year(self) -> int:
        """Return the year the change took effect."""
        return int(self.date[:4])

    def link(self, side: Literal["from", "to"]) -> HistoryLink:
        """Return one unit: ``"from"`` the older (a predecessor), ``"to"`` the newer."""
        if side == "from":
            return HistoryLink(self.from_id, self.from_name, self.date, self.change)
        return HistoryLink(self.to_id, self.to_name, self.date, self.change)


@dataclass(frozen=True)
class HistoryLink:
    """A unit before or after a change, as the geocoder reports it.

    Attributes
    ----------
    id, name : str
        The unit and its name at the time of the change.
    date : str
        When the change took effect (``YYYY-MM-DD`` or ``YYYY-MM``).
    change : {"renamed", "split"}
        ``renamed``: same area, new name or status; ``split``: one was cut out of the other.
    """

    id: str
    name: str
    date: str
    change: str

    def to_dict(self) -> dict[str, str]:
        """Return ``{"id", "name", "date", "change"}``."""
        return {"id": self.id, "name": self.name, "date": self.date, "change": self.change}


@dataclass(frozen=True)
class FormerUnit:
    """A unit of an earlier generation whose name no unit of today bears.

    Attributes
    ----------
    id : str
        Its id (its code then; the same as today's unit's when the code was kept).
    name : str
        Its name then.
    names : tuple of str
        Every name of that generation, ``name`` first.
    level : str
        ``county``, ``prefecture`` or ``region``.
    until : str
        The date of the change that ended it.
    successor : str
        Today's unit with the same area (after every later renaming).
    change : Change
        The renaming that ended it.
    """

    id: str
    name: str
    names: tuple[str, ...]
    level: str
    until: str
    successor: str
    change: Change

    @property
    def ref(self) -> str:
        """Return the geocoder's reference of the unit, ``former:<id>@<year it ended>``."""
        return f"former:{self.id}@{self.until[:4]}"


def _fail(path: Path, line: int, field_name: str, value: object, problem: str) -> DataFileError:
    msg = f"{path}: line {line}, field {field_name!r}: {value!r} {problem}"
    return DataFileError(msg, path=path, line=line, field=field_name, value=value)


@dataclass(frozen=True)
class History:
    """The administrative changes since 2010, with the questions asked of them.

    Build it with :func:`read_history` (or :func:`load_history` for the shipped table).
    """

    changes: tuple[Change, ...] = ()
    _into: dict[str, tuple[Change, ...]] = field(default_factory=dict, repr=False)
    _out_of: dict[str, tuple[Change, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, changes: Iterable[Change]) -> History:
        """Return the history of these changes, sorted by date."""
        ordered = tuple(sorted(changes, key=lambda c: (c.date, c.line)))
        into: dict[str, list[Change]] = {}
        out_of: dict[str, list[Change]] = {}
        for change in ordered:
            into.setdefault(change.to_id, []).append(change)
            out_of.setdefault(change.from_id, []).append(change)
        return cls(
            ordered,
            {k: tuple(v) for k, v in into.items()},
            {k: tuple(v) for k, v in out_of.items()},
        )

    # ----------------------------------------------------------------- lifetimes
    def created(self, unit_id: str) -> Change | None:
        """Return the change that created ``unit_id`` (a split, or a renaming to a new id)."""
        for change in self._into.get(unit_id, ()):
            if change.from_id != unit_id:
                return change
        return None

    def ended(self, unit_id: str) -> Change | None:
        """Return the renaming that ended ``unit_id`` (its area passing to another id)."""
        for change in self._out_of.get(unit_id, ()):
            if change.change == "renamed" and change.to_id != unit_id:
                return change
        return None

    def exists_in(self, unit_id: str, year: int) -> bool:
        """Whether ``unit_id`` was a unit of the map of ``year``."""
        born, died = self.created(unit_id), self.ended(unit_id)
        return (born is None or born.year <= year) and (died is None or died.year > year)

    def name_in(self, unit_id: str, year: int, today: str) -> str:
        """Return what ``unit_id`` was called in ``year``; ``today`` is its name now."""
        for change in self._out_of.get(unit_id, ()):
            if change.change == "renamed" and change.year > year:
                return change.from_name
        return today

    def names_in(self, unit_id: str, year: int) -> tuple[str, ...] | None:
        """Return the names of ``unit_id``'s generation of ``year`` if it differs from today's.

        None when the unit had today's name then (or did not exist).
        """
        for change in self._out_of.get(unit_id, ()):
            if change.change == "renamed" and change.year > year:
                return tuple(dict.fromkeys((change.from_name, *change.from_names)))
        return None

    # ----------------------------------------------------------------- mapping ids
    def sources_of(self, unit_id: str) -> tuple[Change, ...]:
        """Return the rows that created ``unit_id`` (several for a unit cut out of several)."""
        born = self.created(unit_id)
        if born is None:
            return ()
        return tuple(c for c in self._into[unit_id] if c.date == born.date and c.from_id != unit_id)

    def ids_in_year(self, unit_id: str, year: int) -> frozenset[str]:
        """Return the unit(s) of ``year``'s map that hold the area of ``unit_id``.

        ``unit_id`` may be of any generation: a unit of today created after ``year`` gives the
        unit(s) it was cut out of or renamed from (Khorgas City in 2013: Huocheng County); a
        former unit asked about after it ended gives its successor (Kuqa County in 2021: Kuqa
        City); a unit that existed in ``year`` gives itself.
        """
        out: set[str] = set()
        todo, seen = [unit_id], set()
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            born, died = self.created(current), self.ended(current)
            if born is not None and born.year > year:
                todo.extend(c.from_id for c in self.sources_of(current))
            elif died is not None and died.year <= year:
                todo.append(died.to_id)
            else:
                out.add(current)
        return frozenset(out)

    def today(self, unit_id: str) -> str:
        """Return today's unit with the area of ``unit_id`` (following renamings only)."""
        seen = set()
        current = unit_id
        while current not in seen:
            seen.add(current)
            died = self.ended(current)
            if died is None:
                return current
            current = died.to_id
        return current

    def spread(self, unit_id: str) -> frozenset[str]:
        """Return today's units holding any part of what ``unit_id`` held since 2010.

        Today's unit of the same area, and every unit cut out of it (or out of those) since:
        Huocheng County spreads to Huocheng County, Khorgas City and Kokdala City.
        """
        out: set[str] = set()
        todo = [self.today(unit_id)]
        while todo:
            current = todo.pop()
            if current in out:
                continue
            out.add(current)
            for change in self._out_of.get(current, ()):
                if change.change == "split":
                    todo.append(self.today(change.to_id))
        return frozenset(out)

    # ----------------------------------------------------------------- neighbours in time
    def _start(self, unit_id: str, until: str | None) -> str | None:
        """Return when the generation of ``unit_id`` ending at ``until`` (None: today's) began.

        A generation begins with a renaming into the id; None when none did (since 2010).
        """
        starts = [
            c.date for c in self._into.get(unit_id, ())
            if c.change == "renamed" and (until is None or c.date < until)
        ]
        return max(starts) if starts else None

    def predecessors(self, unit_id: str, *, until: str | None = None) -> tuple[Change, ...]:
        """Return the changes that made a generation of ``unit_id``: renamed from, cut out of.

        Parameters
        ----------
        unit_id : str
            A district id.
        until : str, optional
            The end date of a former generation (:attr:`FormerUnit.until`); None for today's.
        """
        start = self._start(unit_id, until)
        return tuple(
            c for c in self._into.get(unit_id, ())
            if (c.change == "split" and (until is None or c.date < until))
            or (c.change == "renamed" and c.date == start)
        )

    def successors(self, unit_id: str, *, until: str | None = None) -> tuple[Change, ...]:
        """Return the changes that took area from a generation of ``unit_id``.

        Today's generation: the units cut out of it since it began. A former generation
        (``until`` its end date): the units cut out of it, and the renaming that ended it.
        """
        start = self._start(unit_id, until)
        return tuple(
            c for c in self._out_of.get(unit_id, ())
            if (
                c.change == "split"
                and (start is None or c.date > start)
                and (until is None or c.date <= until)
            )
            or (c.change == "renamed" and until is not None and c.date == until)
        )

    # ----------------------------------------------------------------- former units
    def former_units(self) -> tuple[FormerUnit, ...]:
        """Return the units of earlier generations (one per renaming), oldest first."""
        out: list[FormerUnit] = []
        for change in self.changes:
            if change.change != "renamed":
                continue
            out.append(
                FormerUnit(
                    id=change.from_id,
                    name=change.from_name,
                    names=tuple(dict.fromkeys((change.from_name, *change.from_names))),
                    level=change.level,
                    until=change.date,
                    successor=self.today(change.to_id),
                    change=change,
                )
            )
        return tuple(out)

    def ids(self) -> frozenset[str]:
        """Return every id the table names."""
        return frozenset(
            unit for change in self.changes for unit in (change.from_id, change.to_id)
        )


def read_history(path: Path) -> History:
    """Read and validate a history table (uncached; see :func:`load_history`).

    Parameters
    ----------
    path : Path
        A CSV file with the columns :data:`HISTORY_COLUMNS`.

    Returns
    -------
    History

    Raises
    ------
    DataFileError
        If a column is missing or a row is malformed (a date that is not ``YYYY[-MM[-DD]]`` or
        before 2010, an unknown change, level or basis, a malformed id, an empty name or source,
        a split of a unit into itself, or a unit created twice).
    FileNotFoundError
        If the file does not exist.
    """
    changes: list[Change] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in HISTORY_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            msg = f"{path}: line 1 lacks the column(s) {', '.join(map(repr, missing))}"
            raise DataFileError(msg, path=path, line=1, field=missing[0], value=reader.fieldnames)
        for raw in reader:
            changes.append(_parse_row(path, reader.line_num, raw))
    history = History.of(changes)
    for unit_id in {c.to_id for c in changes}:
        dates = {c.date for c in history._into[unit_id] if c.from_id != unit_id}
        if len(dates) > 1:
            bad = max(c.line for c in history._into[unit_id])
            raise _fail(path, bad, "to_id", unit_id, f"is created on several dates {sorted(dates)}")
    logger.debug("read %d administrative changes from %s", len(changes), path)
    return history


def _parse_row(path: Path, line: int, raw: dict[str | None, object]) -> Change:
    """Validate one row of the table and return its :class:`Change`."""
    if None in raw:
        raise _fail(path, line, "*", raw[None], "is more fields than the header")
    row = {str(k): str(v or "").strip() for k, v in raw.items()}
    match = _DATE.fullmatch(row["date"])
    if match is None or int(match.group(1)) < FIRST_YEAR:
        problem = f"is not a date YYYY[-MM[-DD]] from {FIRST_YEAR} on"
        raise _fail(path, line, "date", row["date"], problem)
    for name, allowed in (("change", CHANGES), ("level", HISTORY_LEVELS), ("basis", BASES)):
        if row[name] not in allowed:
            raise _fail(path, line, name, row[name], f"is not one of {', '.join(allowed)}")
    for name in ("from_id", "to_id"):
        if not _ID.fullmatch(row[name]):
            raise _fail(path, line, name, row[name], "is not an id like CN-654323 or KZ-63")
    for name in ("from_name", "to_name", "source"):
        if not row[name]:
            raise _fail(path, line, name, row[name], "is empty")
    if row["change"] == "split" and row["from_id"] == row["to_id"]:
        raise _fail(path, line, "to_id", row["to_id"], "is split out of itself")
    return Change(
        date=row["date"],
        change="renamed" if row["change"] == "renamed" else "split",
        level=row["level"],
        from_id=row["from_id"],
        from_name=row["from_name"],
        to_id=row["to_id"],
        to_name=row["to_name"],
        from_names=tuple(n.strip() for n in row["from_names"].split("|") if n.strip()),
        basis=row["basis"],
        source=row["source"],
        note=row["note"],
        line=line,
    )


@lru_cache(maxsize=4)
def load_history(path: Path = DEFAULT_HISTORY) -> History:
    """Return the history table, read once per path (see :func:`read_history`)."""
    return read_history(path)
