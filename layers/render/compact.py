"""The compact map payload for large layers: columns of numbers, no quotes, vectorised.

Used by :func:`layers.render.draw.map_payload` from a feature count on. Per feature the page gets
only what the map and a short popup need, as parallel columns that ``static/atlas/decode.js``
decodes and ``compactRender`` in ``render.js`` draws (features are in layer order; every string
is escaped):

- ``k``: number of features of each payload layer (the features come layer after layer);
- ``P``: the distinct points, flat ``[dx, y, ...]`` in 10^-5 degrees (5 decimals, ~1 m),
  sorted by longitude with ``dx`` the step from the previous longitude; ``p``: each feature's
  point; a line (witness home -> place held) is drawn at its last point, and ``hf`` / ``hp``
  give the lines' features (as steps) and their home points;
- ``t``, ``u``: title string indices (``u`` the part after `` → ``, or 0);
- ``a``: index into ``A``, the distinct ``[where, approx note]`` lines; ``w`` into ``W``, the
  date lines; ``b`` into ``B``, the kind lines (shared by thousands of features);
- ``c``: flat ``[feature step, fact]`` pairs (a report's inmate number); ``n``: quotes per
  feature;
- ``i``, ``j``: record id templates (run-length ``[template, count, ...]``) and numbers (see
  :class:`_Ids`). The popup ends with
  ``Record id: ...``, which the app's details panel reads to show every quote and source.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from layers.render.popup import (
    APPROXIMATE_PRECISIONS,
    group_text,
    plain,
    report_fact,
    subtitle,
    year_span,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["StringTable", "compact_features"]


class StringTable(Protocol):
    """The payload's string table (:class:`layers.render.draw._StringTable`), as used here."""

    def __call__(self, raw: str) -> int:
        """Return the index of ``raw``'s escaped text (stored the first time)."""

    def escaped(self, text: str) -> int:
        """Return the index of ``text``, which is already escaped."""

    def many(self, values: Iterable[object] | pd.Series | pa.Array) -> np.ndarray:
        """Return the index of each value's escaped text, as ``table(v)`` for each ``v``."""


_SCALE = 100_000
_ARROW = " \u2192 "
_DIGITS = re.compile(r"([0-9]+)")  # ASCII digits only, as RE2's in _Ids.add_all
_MAX_DIGITS = 15  # larger numbers stay in the template (JavaScript integers are exact to 2**53)
_POWERS = 10 ** np.arange(_MAX_DIGITS, dtype=np.int64)


def _coordinates(
    frame: gpd.GeoDataFrame, layer: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Return (lon, lat) of each feature's drawn point, whether it is a line, the lines' starts.

    A line is drawn at its last point (the place held); a polygon at a point on its surface.
    The starts (the witnesses' homes) are ``(x, y)`` rows, one per line.

    Raises
    ------
    ValueError
        Naming the first feature without geometry.
    """
    geometries = frame.geometry.to_numpy()
    missing = shapely.is_missing(geometries) | shapely.is_empty(geometries)
    if missing.any():
        first = frame["id"].iloc[int(np.flatnonzero(missing)[0])]
        msg = f"layer {layer!r}: feature {first!r} has no geometry"
        raise ValueError(msg)
    types = shapely.get_type_id(geometries)
    points, lines = types == 0, types == 1
    drawn = np.empty((len(geometries), 2))
    drawn[points] = shapely.get_coordinates(geometries[points])
    starts, ends = _line_ends(geometries[lines])
    drawn[lines] = ends
    other = ~points & ~lines
    if other.any():
        drawn[other] = shapely.get_coordinates(shapely.point_on_surface(geometries[other]))
    return drawn[:, 0], drawn[:, 1], lines, starts


def _esc_part(text: str) -> str:
    """Escape part of an id (not stripped: the spaces inside an id are part of it)."""
    return html.escape(text, quote=True)


def _line_ends(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the first and last ``(x, y)`` of each line (faster than ``get_point``)."""
    if len(lines) == 0:
        return np.empty((0, 2)), np.empty((0, 2))
    coords = shapely.get_coordinates(lines)
    last = np.cumsum(shapely.get_num_points(lines)) - 1
    first = np.concatenate([[0], last[:-1] + 1])
    return coords[first], coords[last]


class _Ids:
    """Record ids as templates and numbers: ``P000001->PL005168`` is ``P<6>->PL<6>`` + [1, 5168].

    Each template (escaped, ``<width>`` marking a zero-padded number; escaped text has no
    ``<``) is stored once; a feature has its template's index in ``i`` and its numbers in
    ``j``, each the difference to the previous number in the same template slot (ids are
    mostly sequential, so most differences are 1). :func:`_encode_ids` does the same for a
    whole column; this class adds one id at a time (ids holding NUL or a digit run longer
    than JavaScript's exact integers, whose runs stay text).
    """

    def __init__(self, table: StringTable) -> None:
        self._table = table
        self._last: dict[tuple[int, int], int] = {}
        self._templates: dict[tuple[str, tuple[int, ...]], tuple[int, list[int]]] = {}
        self.templates: list[int] = []
        self.numbers: list[int] = []

    def add(self, ref: str) -> None:
        """Add one id: its template's index and its numbers' steps."""
        numbers = _DIGITS.findall(ref)
        key = (_DIGITS.sub("<>", ref), tuple(len(d) for d in numbers))
        found = self._templates.get(key)
        if found is None:
            found = self._templates[key] = self.template(ref)
        index, slots = found
        self.templates.append(index)
        for slot, digits in zip(slots, numbers, strict=True):
            if slot < 0:
                continue
            value = int(digits)
            self.numbers.append(value - self._last.get((index, slot), 0))
            self._last[index, slot] = value

    def template(self, ref: str) -> tuple[int, list[int]]:
        """Return the template's string index and, per digit run, its slot (-1: kept as text)."""
        parts = _DIGITS.split(ref)
        texts, numbers = parts[0::2], parts[1::2]
        template = _esc_part(texts[0])
        slots: list[int] = []
        for digits, text in zip(numbers, texts[1:], strict=True):
            if len(digits) > _MAX_DIGITS:
                template += digits + _esc_part(text)
                slots.append(-1)
                continue
            template += f"<{len(digits)}>" + _esc_part(text)
            slots.append(len(slots))
        return self._table.escaped(template), slots


def _digit_runs(refs: pa.StringArray) -> tuple[np.ndarray, np.ndarray, np.ndarray, pa.Array]:
    """Return the runs of ASCII digits in the ids, ``(id, width, value)`` of each, and the shapes.

    Vectorised on the ids' UTF-8 bytes (an ASCII digit byte is never part of another
    character). The shape of an id is the id with each run replaced by one NUL. The value of
    a run longer than :data:`_MAX_DIGITS` is meaningless.
    """
    _, offset_buffer, data_buffer = refs.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int32)[refs.offset: refs.offset + len(refs) + 1]
    data = np.frombuffer(data_buffer or b"", dtype=np.uint8)[offsets[0]: offsets[-1]]
    offsets = offsets - offsets[0]
    digit = (data >= ord("0")) & (data <= ord("9"))
    first_byte = np.zeros(len(data), dtype=bool)
    first_byte[offsets[:-1][np.diff(offsets) > 0]] = True  # of an id
    begins = digit & (first_byte | ~np.concatenate([[False], digit[:-1]]))
    starts = np.flatnonzero(begins)
    at = np.flatnonzero(digit)  # the digit bytes, run after run
    run = np.cumsum(begins[at], dtype=np.int32) - 1
    widths = np.bincount(run, minlength=len(starts))
    power = np.minimum(widths[run] - 1 - (at - starts[run]), _MAX_DIGITS - 1)
    weighted = (data[at] - ord("0")).astype(np.int64) * _POWERS[power]
    values = np.add.reduceat(weighted, np.cumsum(widths) - widths) if len(starts) else weighted
    keep = ~digit | begins
    kept_before = np.concatenate([[0], np.cumsum(keep, dtype=np.int32)])  # shape bytes so far
    shapes = pa.StringArray.from_buffers(
        len(refs),
        pa.py_buffer(kept_before[offsets].astype(np.int32)),
        pa.py_buffer(np.where(begins, 0, data)[keep].astype(np.uint8)),
    )
    run_id = np.searchsorted(offsets, starts, side="right") - 1
    return run_id, widths, values, shapes


def _encode_ids(refs: pa.Array, table: StringTable) -> tuple[list[int], list[int]]:
    """Return the ``i`` (template of each id, run-length encoded) and ``j`` columns of the ids.

    The same encoding as :class:`_Ids`, for the whole column at once (one id at a time
    only for ids holding NUL, :func:`_digit_runs`' stand-in, or a run of 16 digits or more).
    """
    refs = refs.cast(pa.string())
    run_id, widths, values, shapes = _digit_runs(refs)
    if pc.any(pc.match_substring(refs, "\x00")).as_py() or (widths > _MAX_DIGITS).any():
        one_by_one = _Ids(table)
        for ref in refs.to_pylist():
            one_by_one.add(ref)
        return _runs(np.asarray(one_by_one.templates, dtype=np.int64)), one_by_one.numbers
    count = len(refs)
    runs_per_id = np.bincount(run_id, minlength=count)
    slot = np.arange(len(run_id)) - (np.cumsum(runs_per_id) - runs_per_id)[run_id]
    slots = int(runs_per_id.max(initial=0))
    # A template per distinct shape and widths of its runs, numbered 0, 1, ... by first id.
    key = pc.dictionary_encode(shapes).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    for s in range(slots):
        width = np.zeros(count, dtype=np.int64)
        width[run_id[slot == s]] = widths[slot == s]
        key = pd.factorize(key * (_MAX_DIGITS + 1) + width)[0]
    # Ids of one template differ only in their numbers: the first one gives the text.
    _, firsts = np.unique(key, return_index=True)
    one_by_one = _Ids(table)
    templates = [one_by_one.template(ref)[0] for ref in refs.take(firsts).to_pylist()]
    # Each number as the step from the previous number in the same template slot.
    group = key[run_id] * (slots + 1) + slot
    order = np.argsort(group, kind="stable")
    ordered = values[order]
    previous = np.concatenate([[0], ordered[:-1]])
    previous[np.concatenate([[True], group[order][1:] != group[order][:-1]])] = 0
    steps = np.empty_like(values)
    steps[order] = ordered - previous
    return _runs(np.asarray(templates, dtype=np.int64)[key]), steps.tolist()


def compact_features(
    frames: list[tuple[int, gpd.GeoDataFrame]],
    table: StringTable,
    area_index: Callable[[dict[str, Any]], int | None],
) -> tuple[dict[str, Any], set[tuple[int, int]], tuple[np.ndarray, np.ndarray]]:
    """Return the compact feature columns, the approximate areas and all drawn coordinates.

    Every column is built a whole layer at a time (strings are escaped and interned per
    distinct value by ``table.many``); Python loops run over distinct values only.

    Parameters
    ----------
    frames : list of (int, GeoDataFrame)
        ``(layer index, layer frame)`` of each non-empty layer, in drawing order.
    table : StringTable
        The payload's string table: raw strings -> indices of their escaped forms.
    area_index : callable
        Row (``precision``, ``district_id``, ``prefecture_id``) -> basemap feature index of
        the district an approximate place is known to, or None.

    Returns
    -------
    (dict, set, (numpy.ndarray, numpy.ndarray))
        The columns (see the module docstring); ``{(layer, district feature)}`` to outline;
        longitudes and latitudes (lines: both ends) for the map's bounds.
    """
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    home_xs: list[np.ndarray] = []
    home_ys: list[np.ndarray] = []
    home_features: list[np.ndarray] = []
    counts: list[int] = []
    titles: list[np.ndarray] = []
    seconds: list[np.ndarray] = []
    fact_features: list[np.ndarray] = []
    fact_texts: list[np.ndarray] = []
    quotes: list[np.ndarray] = []
    places = _Groups(
        ("district", "prefecture", "country", "precision"),
        lambda d, p, c, precision: group_text(
            layer="", kind="", district=d, prefecture=p, country=c, year_start="",
            year_end="", precision=precision,
        )[1::2],  # (where, approx note)
        table,
    )
    years = _Groups(("year_start", "year_end"), lambda a, b: (year_span(a, b),), table)
    kinds = _Groups(("layer", "kind"), lambda layer, kind: (subtitle(layer, kind),), table)
    facts = _Groups(
        ("qualifier", "count", "count_max", "measure"),
        lambda q, count, count_max, measure: (
            report_fact(q, count, count_max=count_max, measure=measure),
        ),
        table,
    )
    place_codes: list[np.ndarray] = []
    year_codes: list[np.ndarray] = []
    kind_codes: list[np.ndarray] = []
    refs: list[pa.Array] = []
    outlines: set[tuple[int, int]] = set()
    offset = 0
    for layer_index, frame in frames:
        layer = plain(frame["layer"].iloc[0])
        lon, lat, lines, homes = _coordinates(frame, layer)
        xs.append(lon)
        ys.append(lat)
        counts.append(len(frame))
        home_xs.append(homes[:, 0])
        home_ys.append(homes[:, 1])
        home_features.append(np.flatnonzero(lines) + offset)
        refs.append(_texts(frame, "id"))
        first, second = _titles(_texts(frame, "name"), refs[-1], table)
        titles.append(first)
        seconds.append(second)
        if layer == "report":
            groups = facts.codes(frame)
            fact = np.asarray(facts.rows, dtype=np.int64)[groups]
            fact_features.append(np.flatnonzero(fact) + offset)  # string 0 is '': no fact
            fact_texts.append(fact[fact != 0])
        quotes.append(_quote_counts(frame["sources"]))
        place_codes.append(places.codes(frame))
        year_codes.append(years.codes(frame))
        kind_codes.append(kinds.codes(frame))
        outlines |= _outlines(frame, layer_index, area_index)
        offset += len(frame)
    ids, numbers = _encode_ids(pa.concat_arrays(refs) if refs else pa.array([], pa.string()), table)
    lon, lat = _concat(xs, float), _concat(ys, float)
    all_lon = np.concatenate([lon, _concat(home_xs, float)])
    all_lat = np.concatenate([lat, _concat(home_ys, float)])
    points, index = _point_table(all_lon, all_lat)
    columns_out: dict[str, Any] = {
        "k": counts,
        "P": points,
        "p": index[: len(lon)].tolist(),
        "t": _concat(titles).tolist(),
        "u": _concat(seconds).tolist(),
        "a": _concat(place_codes).tolist(),
        "A": places.rows,
        "w": _concat(year_codes).tolist(),
        "W": years.rows,
        "b": _concat(kind_codes).tolist(),
        "B": kinds.rows,
        "c": _pairs(_concat(fact_features), _concat(fact_texts)),
        "n": _concat(quotes).tolist(),
        "i": ids,
        "j": numbers,
        "hf": np.diff(_concat(home_features), prepend=0).tolist(),
        "hp": index[len(lon):].tolist(),
    }
    return columns_out, outlines, (all_lon, all_lat)


def _concat(arrays: list[np.ndarray], dtype: type = np.int64) -> np.ndarray:
    """Return the arrays end to end (an empty array of ``dtype`` for none)."""
    return np.concatenate(arrays) if arrays else np.empty(0, dtype=dtype)


def _quote_counts(cells: pd.Series) -> np.ndarray:
    """Return the number of non-empty quotes in each ``sources`` cell (a list of dicts)."""
    counts = []
    for cell in cells.tolist():  # a plain loop: faster here than chaining the lists
        count = 0
        if type(cell) is list:
            for entry in cell:
                if entry.get("quote"):
                    count += 1
        counts.append(count)
    return np.asarray(counts, dtype=np.int64)


def _runs(values: np.ndarray) -> list[int]:
    """Return ``values`` run-length encoded, flat ``[value, count, value, count, ...]``."""
    if len(values) == 0:
        return []
    starts = np.flatnonzero(np.concatenate([[True], values[1:] != values[:-1]]))
    lengths = np.diff(np.append(starts, len(values)))
    return np.column_stack([values[starts], lengths]).ravel().tolist()


def _pairs(features: np.ndarray, values: np.ndarray) -> list[int]:
    """Return flat ``[feature, value, ...]`` pairs with each feature as a step from the last."""
    return np.column_stack([np.diff(features, prepend=0), values]).ravel().tolist()


def _texts(frame: gpd.GeoDataFrame, name: str) -> pa.Array:
    """Return a column as stripped Arrow strings ('' for missing values or an absent column)."""
    if name not in frame.columns:
        return pa.array([""] * len(frame), type=pa.string())
    values = frame[name]
    try:
        array = pa.array(values, type=pa.string(), from_pandas=True)
    except pa.ArrowException:  # not all text: as plain() reads it
        array = pa.array([plain(v) for v in values.tolist()], type=pa.string())
    if isinstance(array, pa.ChunkedArray):  # an Arrow-backed column can come in chunks
        array = array.combine_chunks()
    return pc.utf8_trim_whitespace(pc.fill_null(array, ""))  # the same as str.strip


def _titles(
    names: pa.Array, ids: pa.Array, table: StringTable
) -> tuple[np.ndarray, np.ndarray]:
    """Return each feature's title as (first part, part after `` → `` or 0) string indices.

    A title is the name (stripped, see :func:`_texts`), else the id. Names like
    ``Person → Place`` (the links) are split at the first `` → `` so each part is stored
    once: the popup shows ``first → second``.
    """
    distinct = pc.dictionary_encode(pc.if_else(pc.equal(names, ""), ids, names))
    parts = pc.split_pattern(distinct.dictionary, _ARROW, max_splits=1)  # [head] or [head, tail]
    tails = pc.list_slice(parts, 1)  # [] or [tail]
    second = np.zeros(len(parts), dtype=np.int64)
    second[pc.list_parent_indices(tails).to_numpy()] = table.many(pc.list_flatten(tails))
    first = table.many(pc.list_element(parts, 0))
    codes = distinct.indices.to_numpy(zero_copy_only=False)
    return first[codes], second[codes]


class _Groups:
    """Distinct combinations of some columns, numbered across layers, each turned into text.

    Parameters
    ----------
    keys : tuple of str
        Column names (``kind`` falls back to ``facility_type``); absent columns are ''.
    text : callable
        Plain values (in ``keys`` order) -> the group's lines, a tuple of plain strings.
    table : StringTable
        Where the lines are stored: :attr:`rows` holds the index of each group's line, or the
        list of them when there are several.
    """

    def __init__(
        self, keys: tuple[str, ...], text: Callable[..., tuple[str, ...]], table: StringTable
    ) -> None:
        self._keys = keys
        self._text = text
        self._table = table
        self._index: dict[tuple[str, ...], int] = {}
        self.rows: list[Any] = []

    def codes(self, frame: gpd.GeoDataFrame) -> np.ndarray:
        """Return the group number of each row of ``frame``."""
        codes = np.zeros(len(frame), dtype=np.int64)
        factors: list[tuple[np.ndarray, list[str]]] = []
        for key in self._keys:
            column = "facility_type" if key == "kind" and "kind" not in frame.columns else key
            if column not in frame.columns:
                factors.append((np.zeros(len(frame), dtype=np.int64), [""]))
                continue
            factor, uniques = pd.factorize(frame[column])  # missing values are -1: ''
            names = [plain(v) for v in uniques.tolist()] + [""]
            factors.append((factor, names))
            codes = pd.factorize(codes * len(names) + factor)[0]  # dense again: no overflow
        inverse, uniques = pd.factorize(codes)
        first = np.empty(len(uniques), dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(codes))[::-1]  # last write wins: first row
        columns = [[names[i] for i in factor[first].tolist()] for factor, names in factors]
        local = np.empty(len(first), dtype=np.int64)
        new: list[tuple[str, ...]] = []
        for position, values in enumerate(zip(*columns, strict=True)):
            found = self._index.get(values)
            if found is None:
                found = self._index[values] = len(self._index)
                new.append(values)
            local[position] = found
        if new:  # their lines go into the string table all at once
            lines = [self._text(*values) for values in new]
            indices = self._table.many([line for group in lines for line in group])
            width = len(lines[0])
            self.rows += indices.reshape(-1, width).tolist() if width > 1 else indices.tolist()
        result: np.ndarray = local[inverse]
        return result


def _outlines(
    frame: gpd.GeoDataFrame,
    layer_index: int,
    area_index: Callable[[dict[str, Any]], int | None],
) -> set[tuple[int, int]]:
    """Return ``{(layer, district feature)}`` for the layer's approximate places."""
    if "precision" not in frame.columns:
        return set()
    approx = frame["precision"].isin(list(APPROXIMATE_PRECISIONS)).fillna(False)
    if not approx.any():
        return set()
    keys = [k for k in ("precision", "district_id", "prefecture_id") if k in frame.columns]
    found: set[tuple[int, int]] = set()
    for row in frame.loc[approx.to_numpy(dtype=bool), keys].drop_duplicates().to_dict("records"):
        index = area_index(row)
        if index is not None:
            found.add((layer_index, index))
    return found


def _point_table(lon: np.ndarray, lat: np.ndarray) -> tuple[list[int], np.ndarray]:
    """Return the distinct points (flat ``[dx, y, dx, y, ...]``, 10^-5 degrees) and each index.

    Points are sorted by longitude; ``dx`` is the difference to the previous point's
    longitude (small and never negative), ``y`` the latitude itself.
    """
    if len(lon) == 0:
        return [], np.empty(0, dtype=np.int64)
    x = np.round(lon * _SCALE).astype(np.int64)
    y = np.round(lat * _SCALE).astype(np.int64)
    shift = 100 * _SCALE  # latitudes are within +-90 degrees: one int64 key per point
    unique, index = np.unique(x * (2 * shift) + (y + shift), return_inverse=True)
    ux = unique // (2 * shift)
    uy = unique - ux * (2 * shift) - shift
    flat = np.column_stack([np.diff(ux, prepend=0), uy]).ravel()
    return flat.tolist(), index.ravel()
