"""The sensitivity of a record, failing closed: blank or unknown is private.

Every person, detention, event and population report carries ``public``, ``restricted`` or
``private`` (``data/datapackage.json``; what each means in public mode: README "Sensitivity
and public mode"). This module is the one place a level is read: the loader refuses a blank or
unknown level (:class:`layers.records.load.SensitivityError`), and everything that builds,
redacts or publishes reads levels through :func:`sensitivity_level`, so data whose level is not
known is never published.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["SENSITIVITY_LEVELS", "SENSITIVITY_RANK", "most_sensitive", "sensitivity_level"]

#: The sensitivity levels of ``data/datapackage.json``, least restrictive first.
SENSITIVITY_LEVELS: tuple[str, ...] = ("public", "restricted", "private")
SENSITIVITY_RANK = {level: rank for rank, level in enumerate(SENSITIVITY_LEVELS)}


def sensitivity_level(value: object) -> str:
    """Return the sensitivity level a cell or property stands for, failing closed.

    Parameters
    ----------
    value : object
        A ``sensitivity`` cell or property: normally ``"public"``, ``"restricted"`` or
        ``"private"``.

    Returns
    -------
    str
        ``value`` stripped of surrounding whitespace when that is exactly one of
        :data:`SENSITIVITY_LEVELS` (the schema's lowercase enum); ``"private"`` for anything
        else: blank, None, <NA>, NaN, a misspelling or another case (``"Private"``,
        ``"Public"``). Data whose sensitivity is not known is never published.

    Examples
    --------
    >>> sensitivity_level(" restricted ")
    'restricted'
    >>> sensitivity_level(""), sensitivity_level(None), sensitivity_level("Public")
    ('private', 'private', 'private')
    """
    if isinstance(value, str):
        level = value.strip()
        if level in SENSITIVITY_RANK:
            return level
    return "private"


def most_sensitive(values: Iterable[object]) -> str:
    """Return the most restrictive sensitivity among ``values``, failing closed.

    Each value is read with :func:`sensitivity_level`, so a blank, None, <NA> or unknown
    value (``"Private"``) counts as ``"private"``; leave out a row that does not exist rather
    than passing None for it. No values at all give ``"public"``.
    """
    best = "public"
    for value in values:
        level = sensitivity_level(value)
        if SENSITIVITY_RANK[level] > SENSITIVITY_RANK[best]:
            best = level
    return best
