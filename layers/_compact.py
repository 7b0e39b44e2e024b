"""The compact map payload for large layers: columns of numbers, no quotes, vectorised.

Used by :func:`layers.render.map_payload` from a feature count on. Per feature the page gets
only what the map and a short popup need, as parallel columns that ``compactRender`` in
``static/atlas/atlas.js`` reads (features are in layer order; every string is escaped):

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
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from layers._popup import (
    APPROXIMATE_PRECISIONS,
    group_text,
    plain,
    report_fact,
    subtitle,
    year_span,
)

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["compact_features"]

_SCALE = 100_000
_ARROW = " \u2192 "
_DIGITS = re.compile(r"(\d+)")
_MAX_DIGITS = 15  # larger numbers stay in the template (JavaScript integers are exact to 2**53)


def _column(frame: gpd.GeoDataFrame, name: str) -> list[str]:
    """Return a column as plain strings ('' for missing or absent)."""
    if name not in frame.columns:
        return [""] * len(frame)
    return [plain(v) for v in frame[name].tolist()]


def _coordinates(frame: gpd.GeoDataFrame, layer: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (lon, lat) of each feature's drawn point and whether it is a line.

    A line is drawn at its last point (the place held); a polygon at a point on its surface.

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
    lines = types == 1
    points = geometries.copy()
    if lines.any():
        _, ends = _line_ends(geometries[lines])
        points[lines] = shapely.points(ends)
    other = (types != 0) & ~lines
    if other.any():
        points[other] = shapely.point_on_surface(geometries[other])
    return shapely.get_x(points), shapely.get_y(points), lines


def _esc_part(text: str) -> str:
    """Escape part of an id (not stripped: the spaces inside an id are part of it)."""
    return html.escape(text, quote=True)


def _line_ends(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the first and last ``(x, y)`` of each line (faster than ``get_point``)."""
    coords = shapely.get_coordinates(lines)
    last = np.cumsum(shapely.get_num_points(lines)) - 1
    first = np.concatenate([[0], last[:-1] + 1])
    return coords[first], coords[last]


class _Ids:
    """Record ids as templates and numbers: ``P000001->PL005168`` is ``P<6>->PL<6>`` + [1, 5168].

    Each template (escaped, ``<width>`` marking a zero-padded number; escaped text has no
    ``<``) is stored once; a feature has its template's index in ``i`` and its numbers in
    ``j``, each the difference to the previous number in the same template slot (ids are
    mostly sequential, so most differences are 1).
    """

    def __init__(self, table: Callable[[str], int]) -> None:
        self._table = table
        self._last: dict[tuple[int, int], int] = {}
        self._templates: dict[tuple[str, tuple[int, ...]], tuple[int, list[int]]] = {}
        self.templates: list[int] = []
        self.numbers: list[int] = []

    def add(self, ref: str) -> None:
        numbers = _DIGITS.findall(ref)
        key = (_DIGITS.sub("<>", ref), tuple(len(d) for d in numbers))
        found = self._templates.get(key)
        if found is None:
            found = self._templates[key] = self._template(ref)
        index, slots = found
        self.templates.append(index)
        for slot, digits in zip(slots, numbers, strict=True):
            if slot < 0:
                continue
            value = int(digits)
            self.numbers.append(value - self._last.get((index, slot), 0))
            self._last[index, slot] = value

    def _template(self, ref: str) -> tuple[int, list[int]]:
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
        return self._table_escaped(template), slots

    def add_all(self, refs: list[str]) -> None:
        """Add every id, vectorised by id shape (per id only where a shape needs it)."""
        column = pd.Series(refs, dtype="string")
        if any("\x00" in ref for ref in refs) or column.str.contains(
            rf"\d{{{_MAX_DIGITS + 1}}}", regex=True
        ).any():
            for ref in refs:
                self.add(ref)
            return
        try:
            self._add_shapes(refs, column)
        except (pa.ArrowInvalid, ValueError):  # a shape RE2 cannot take: one id at a time
            for ref in refs:
                self.add(ref)

    def _add_shapes(self, refs: list[str], column: pd.Series) -> None:
        shapes = column.str.replace(r"\d+", "\x00", regex=True)
        codes, uniques = pd.factorize(shapes)
        count = len(refs)
        slots = max((str(u).count("\x00") for u in uniques), default=0)
        template = np.zeros(count, dtype=np.int64)
        values = np.zeros((count, max(slots, 1)), dtype=np.int64)
        used = np.zeros(count, dtype=np.int64)
        for code, shape in enumerate(uniques.tolist()):
            rows = np.flatnonzero(codes == code)
            texts = str(shape).split("\x00")
            if len(texts) == 1:
                template[rows] = self._table_escaped(_esc_part(texts[0]))
                continue
            pattern = "^" + "".join(
                re.escape(t) + (f"(?P<g{i}>[0-9]+)" if i < len(texts) - 1 else "$")
                for i, t in enumerate(texts)
            )
            # pyarrow's extract_regex runs in C (pandas' str.extract loops in Python).
            digits = pc.extract_regex(pa.array(column.iloc[rows].tolist(), pa.string()), pattern)
            widths = np.column_stack(
                [pc.utf8_length(digits.field(c)).to_numpy() for c in range(len(texts) - 1)]
            )
            for c in range(len(texts) - 1):
                values[rows, c] = pc.cast(digits.field(c), pa.int64()).to_numpy()
            used[rows] = len(texts) - 1
            # One integer per combination of widths (each at most _MAX_DIGITS < 32).
            packed = (widths * (32 ** np.arange(widths.shape[1]))[None, :]).sum(axis=1)
            width_codes, firsts = pd.factorize(packed)
            for w_code in range(len(firsts)):
                w = widths[int(np.flatnonzero(width_codes == w_code)[0])]
                pairs = zip(w.tolist(), texts[1:], strict=True)
                text = _esc_part(texts[0]) + "".join(
                    f"<{width}>" + _esc_part(t) for width, t in pairs
                )
                template[rows[width_codes == w_code]] = self._table_escaped(text)
        steps = values.copy()
        for index in np.unique(template):
            rows = np.flatnonzero(template == index)
            steps[rows] = np.diff(values[rows], axis=0, prepend=np.zeros((1, values.shape[1]),
                                                                         dtype=np.int64))
        mask = np.arange(values.shape[1])[None, :] < used[:, None]
        self.templates += template.tolist()
        self.numbers += steps[mask].tolist()

    def _table_escaped(self, template: str) -> int:
        escaped = getattr(self._table, "escaped", None)
        if escaped is None:  # pragma: no cover - the payload's table always has it
            msg = "the string table must store escaped text"
            raise TypeError(msg)
        result: int = escaped(template)
        return result


def compact_features(
    frames: list[tuple[int, gpd.GeoDataFrame]],
    table: Callable[[str], int],
    area_index: Callable[[dict[str, Any]], int | None],
) -> tuple[dict[str, Any], set[tuple[int, int]], tuple[np.ndarray, np.ndarray]]:
    """Return the compact feature columns, the approximate areas and all drawn coordinates.

    Parameters
    ----------
    frames : list of (int, GeoDataFrame)
        ``(layer index, layer frame)`` of each non-empty layer, in drawing order.
    table : callable
        Raw string -> index of its escaped form in the payload's string table (with an
        ``escaped`` method storing text that is already escaped).
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
    home_x: list[np.ndarray] = []
    home_y: list[np.ndarray] = []
    home_features: list[np.ndarray] = []
    counts: list[int] = []
    titles: list[int] = []
    seconds: list[int] = []
    facts: list[int] = []
    quotes: list[int] = []
    places = _Groups(
        ("district", "prefecture", "country", "precision"),
        lambda d, p, c, precision: [
            table(part) for part in group_text(
                layer="", kind="", district=d, prefecture=p, country=c, year_start="",
                year_end="", precision=precision,
            )[1::2]
        ],
    )
    years = _Groups(("year_start", "year_end"), lambda a, b: table(year_span(a, b)))
    kinds = _Groups(("layer", "kind"), lambda layer, kind: table(subtitle(layer, kind)))
    place_codes: list[np.ndarray] = []
    year_codes: list[np.ndarray] = []
    kind_codes: list[np.ndarray] = []
    ids = _Ids(table)
    refs: list[str] = []
    outlines: set[tuple[int, int]] = set()
    offset = 0
    for layer_index, frame in frames:
        layer = plain(frame["layer"].iloc[0])
        lon, lat, lines = _coordinates(frame, layer)
        xs.append(lon)
        ys.append(lat)
        counts.append(len(frame))
        if lines.any():
            starts, _ = _line_ends(frame.geometry.to_numpy()[lines])
            home_x.append(starts[:, 0])
            home_y.append(starts[:, 1])
            home_features.append(np.flatnonzero(lines) + offset)
        first, second = _titles(frame, table)
        titles += first
        seconds += second
        refs += _strings(frame["id"])
        if layer == "report":
            rows = zip(
                _column(frame, "qualifier"), _column(frame, "count"),
                _column(frame, "count_max"), _column(frame, "measure"), strict=True,
            )
            for position, (qualifier, count, count_max, measure) in enumerate(rows):
                fact = report_fact(qualifier, count, count_max=count_max, measure=measure)
                if fact:
                    facts += [offset + position, table(fact)]
        quotes += _quote_counts(frame["sources"].tolist())
        place_codes.append(places.codes(frame))
        year_codes.append(years.codes(frame))
        kind_codes.append(kinds.codes(frame))
        outlines |= _outlines(frame, layer_index, area_index)
        offset += len(frame)
    ids.add_all(refs)
    lon = np.concatenate(xs)
    lat = np.concatenate(ys)
    hx = np.concatenate(home_x) if home_x else np.empty(0)
    hy = np.concatenate(home_y) if home_y else np.empty(0)
    points, index = _point_table(np.concatenate([lon, hx]), np.concatenate([lat, hy]))
    features = np.concatenate(home_features) if home_features else np.empty(0, dtype=np.int64)
    columns_out: dict[str, Any] = {
        "k": counts,
        "P": points,
        "p": index[: len(lon)].tolist(),
        "t": titles,
        "u": seconds,
        "a": np.concatenate(place_codes).tolist(),
        "A": places.rows,
        "w": np.concatenate(year_codes).tolist(),
        "W": years.rows,
        "b": np.concatenate(kind_codes).tolist(),
        "B": kinds.rows,
        "c": _steps(facts),
        "n": quotes,
        "i": _runs(ids.templates),
        "j": ids.numbers,
        "hf": np.diff(features, prepend=0).tolist(),
        "hp": index[len(lon):].tolist(),
    }
    return columns_out, outlines, (np.concatenate([lon, hx]), np.concatenate([lat, hy]))


def _quote_counts(cells: list[Any]) -> list[int]:
    """Return the number of non-empty quotes in each ``sources`` cell."""
    counts = []
    for cell in cells:
        count = 0
        if type(cell) is list:
            for entry in cell:
                if entry.get("quote"):
                    count += 1
        counts.append(count)
    return counts


def _runs(values: list[int]) -> list[int]:
    """Return ``values`` run-length encoded, flat ``[value, count, value, count, ...]``."""
    out: list[int] = []
    for value in values:
        if out and out[-2] == value:
            out[-1] += 1
        else:
            out += [value, 1]
    return out


def _steps(pairs: list[int]) -> list[int]:
    """Return flat ``[feature, value, ...]`` pairs with each feature as a step from the last."""
    out = list(pairs)
    for position in range(len(out) - 2, 0, -2):
        out[position] -= out[position - 2]
    return out


def _strings(column: pd.Series) -> list[str]:
    """Return a text column as stripped strings ('' for missing), vectorised."""
    return column.astype("string").fillna("").str.strip().tolist()


def _titles(frame: gpd.GeoDataFrame, table: Callable[[str], int]) -> tuple[list[int], list[int]]:
    """Return each feature's title as (first part, part after `` → `` or 0) string indices.

    A title is the name, else the id. Names like ``Person → Place`` (the links) are split so
    each part is stored once: the popup shows ``first → second``, exactly the name.
    """
    names = frame["name"].astype("string").str.strip()
    ids = frame["id"].astype("string").str.strip()
    names = names.mask(names.isna() | (names == ""), ids).fillna("")
    codes, uniques = pd.factorize(names)
    first: list[int] = []
    second: list[int] = []
    for name in uniques.tolist():
        head, arrow, tail = str(name).partition(_ARROW)
        first.append(table(head))
        second.append(table(tail) if arrow else 0)
    return [first[c] for c in codes], [second[c] for c in codes]


class _Groups:
    """Distinct combinations of some columns, numbered across layers, each turned into text.

    Parameters
    ----------
    keys : tuple of str
        Column names (``kind`` falls back to ``facility_type``); absent columns are ''.
    text : callable
        Plain values (in ``keys`` order) -> the string-table indices stored for the group.
    """

    def __init__(self, keys: tuple[str, ...], text: Callable[..., Any]) -> None:
        self._keys = keys
        self._text = text
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
            factor, uniques = pd.factorize(frame[column], use_na_sentinel=False)
            factors.append((factor, [plain(v) for v in uniques.tolist()]))
            codes = codes * (len(uniques) + 1) + factor
        inverse, uniques = pd.factorize(codes)
        first = np.empty(len(uniques), dtype=np.int64)
        first[inverse[::-1]] = np.arange(len(codes))[::-1]  # last write wins: first row
        local = np.empty(len(first), dtype=np.int64)
        for position, row in enumerate(first.tolist()):
            values = tuple(names[factor[row]] for factor, names in factors)
            found = self._index.get(values)
            if found is None:
                found = self._index[values] = len(self.rows)
                self.rows.append(self._text(*values))
            local[position] = found
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
