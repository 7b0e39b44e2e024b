"""Run Frictionless on the data package and translate its errors into located Problems.

Frictionless checks what a Table Schema says: types, required, unique, enum, pattern, minimum,
primary keys and foreign keys. This module only runs it and rewords its reports as
``file:line:field: message``, with the CSV line (Frictionless counts records, not lines).
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import frictionless

from layers.records.problem import Problem
from layers.records.tables import RawTable

__all__ = ["frictionless_problems"]

logger = logging.getLogger(__name__)

_CONSTRAINT = re.compile(r'constraint "(?P<name>\w+)" is "(?P<value>.*)"', re.DOTALL)
_FOREIGN = re.compile(r'for "(?P<fields>[^"]+)": values "(?P<values>[^"]*)" not found')
# Errors about reading a file; reported for the tables that reference it too.
_READ_ERRORS = {"encoding-error", "scheme-error", "source-error", "format-error"}
# Rows where one of these is reported need no extra "primary key" problem.
_COVERS_PRIMARY_KEY = {"blank-row", "unique-error"}


def frictionless_problems(
    descriptor_path: Path, tables: dict[str, RawTable]
) -> list[Problem]:
    """Validate the package at ``descriptor_path`` with Frictionless.

    Parameters
    ----------
    descriptor_path : pathlib.Path
        The ``datapackage.json`` file; resource paths are relative to its directory.
    tables : dict of str to RawTable
        The same resources read as text, for their row-position-to-line maps.

    Returns
    -------
    list of Problem
        One problem per Frictionless error (duplicate primary-key reports folded away).
    """
    try:
        package = frictionless.Package(str(descriptor_path))
        report = package.validate()
    except frictionless.FrictionlessException as exc:
        return [Problem(descriptor_path.name, None, None, f"invalid data package: {exc}")]
    problems = [
        Problem(descriptor_path.name, None, None, error.message) for error in report.errors
    ]
    unreadable = {name for name, table in tables.items() if table.error is not None}
    problems += [table.error for table in tables.values() if table.error is not None]
    for task in report.tasks:
        if str(task.name) in unreadable:
            continue  # our own problem says why, with the line; Frictionless's would not
        problems += _task_problems(task, tables.get(str(task.name)), unreadable)
    return problems


def _task_problems(task: Any, table: RawTable | None, unreadable: set[str]) -> list[Problem]:
    """Return the problems of one Frictionless task (one table), folded and translated.

    Parameters
    ----------
    task : frictionless.ReportTask
        The task of one resource.
    table : RawTable or None
        The same resource read as text (None if the package lacks it).
    unreadable : set of str
        Names of the tables that could not be read, whose own problems say why.

    Returns
    -------
    list of Problem
        One problem per error that :func:`_folded` does not fold away, in report order.
    """
    file = table.file if table else str(task.name)
    lines = table.lines if table else {}
    covered = {
        getattr(error, "row_number", None)
        for error in task.errors
        if error.type in _COVERS_PRIMARY_KEY
    }
    return [
        _translate(error, file, lines, table)
        for error in task.errors
        if not _folded(error, covered, table, unreadable)
    ]


def _folded(
    error: Any, covered: set[int | None], table: RawTable | None, unreadable: set[str]
) -> bool:
    """Return whether another problem already says what ``error`` says.

    Parameters
    ----------
    error : frictionless.Error
        One error of a task.
    covered : set of int or None
        Row numbers with a blank-row or unique error, which need no primary-key problem too.
    table : RawTable or None
        The task's table read as text.
    unreadable : set of str
        Names of the tables that could not be read.
    """
    if error.type == "primary-key" and getattr(error, "row_number", None) in covered:
        return True
    if error.type == "foreign-key" and getattr(error, "reference_name", "") in unreadable:
        return True  # a consequence of the unreadable table, already reported
    # A read error on a file that reads fine: the failure is a table its foreign keys look
    # up, which its own task reports.
    return error.type in _READ_ERRORS and table is not None and table.readable


def _translate(
    error: Any, file: str, lines: dict[int, int], table: RawTable | None
) -> Problem:
    """Turn one Frictionless error into a Problem with the CSV line and a plain message."""
    row_number = getattr(error, "row_number", None)
    row = lines.get(row_number, row_number) if row_number is not None else None
    if error.type in {"missing-label", "incorrect-label", "extra-label", "duplicate-label",
                      "blank-label", "blank-header"}:
        row = 1
    field = getattr(error, "field_name", None) or None
    cell = getattr(error, "cell", None)
    note = str(getattr(error, "note", "") or "")
    kind = error.type
    if kind == "type-error":
        field_type = _field_type(table, field)
        message = f"{cell!r} is not a valid {field_type}"
    elif kind == "constraint-error":
        message = _constraint_message(cell, note)
    elif kind == "missing-cell":
        message = "the row ends before this field (missing cell)"
    elif kind == "extra-cell":
        message = f"extra cell {cell!r} beyond the header's fields"
    elif kind == "blank-row":
        message = "blank row"
    elif kind == "unique-error":
        first = re.search(r"position (\d+)", note)
        where = f"line {lines.get(int(first[1]), int(first[1]))}" if first else note
        message = f"{cell!r} is not unique: it is also on {where}"
    elif kind == "primary-key":
        message = _relocate_positions(f"primary key violated: {note}", lines)
    elif kind == "foreign-key":
        field, message = _foreign_key_message(error, note)
    elif kind == "missing-label":
        message = f"the header lacks the schema's field {field!r}"
    elif kind == "incorrect-label":
        message = f"header label {error.label!r} where the schema has field {field!r}"
    elif kind == "extra-label":
        message = f"header label {error.label!r} is not a field of the schema"
    else:
        message = str(error.message)
    return Problem(file, row, field, message)


def _field_type(table: RawTable | None, field: str | None) -> str:
    """Return the declared type of ``field`` in ``table`` (``"value"`` if unknown)."""
    if table is not None:
        for descriptor in table.fields():
            if descriptor.get("name") == field:
                return str(descriptor.get("type", "value"))
    return "value"


def _constraint_message(cell: object, note: str) -> str:
    """Reword a constraint error's note (``constraint "enum" is "[...]"``)."""
    match = _CONSTRAINT.search(note)
    if match is None:
        return f"{cell!r} breaks a constraint: {note}"
    name, value = match["name"], match["value"]
    if name == "required":
        return "required value is missing"
    if name == "enum":
        return f"{cell!r} is not one of {value}"
    if name == "pattern":
        return f"{cell!r} does not match the pattern {value!r}"
    if name == "minimum":
        return f"{cell!r} is below the minimum {value}"
    if name == "maximum":
        return f"{cell!r} is above the maximum {value}"
    if name == "unique":
        return f"{cell!r} is not unique"
    return f"{cell!r} breaks the constraint {name} = {value}"


def _foreign_key_message(error: Any, note: str) -> tuple[str | None, str]:
    """Return the field and message of a foreign-key error."""
    fields = list(getattr(error, "field_names", []) or [])
    cells = list(getattr(error, "field_cells", []) or [])
    reference = getattr(error, "reference_name", "") or ""
    reference_fields = list(getattr(error, "reference_field_names", []) or [])
    match = _FOREIGN.search(note)
    if not fields and match is not None:
        fields = match["fields"].split(", ")
    if not cells and match is not None:
        cells = match["values"].split(", ")
    field = fields[0] if len(fields) == 1 else (", ".join(fields) or None)
    value: object = cells[0] if len(cells) == 1 else tuple(cells)
    target = f"{reference or 'the referenced table'}.{'/'.join(reference_fields) or 'id'}"
    return field, f"{value!r} is not a {target} (unknown reference)"


def _relocate_positions(message: str, lines: dict[int, int]) -> str:
    """Replace Frictionless row positions in ``message`` by CSV line numbers."""

    def line_of(match: re.Match[str]) -> str:
        position = int(match["n"])
        return f"line {lines.get(position, position)}"

    return re.sub(r"(?:row at position|row|position) (?P<n>\d+)", line_of, message)
