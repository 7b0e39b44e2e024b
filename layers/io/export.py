"""Export the (filtered) layers: RFC 7946 GeoJSON, GeoPackage or KML, and its command line.

``python -m layers export -o FILE [--years A-B] [--district NAME ...] [--layers L,...]
[--format geojson|gpkg|kml] [--public] [--include-undated/--no-undated] [--search TEXT]
[--data DIR] [--facilities FILE]`` writes what the same filters show in the app.

GeoJSON output (:func:`to_geojson_bytes`) follows RFC 7946: WGS84 lon/lat, no ``crs`` member,
counter-clockwise exterior rings, coordinates rounded to 6 decimals, ``null`` where a value is
missing (never NaN), UTF-8 without ASCII escaping. Features come layer by layer in the order
of :data:`layers.layerset.LAYER_NAMES`, rows in build order, and every feature's properties
in the order of :func:`layers.io.geojson.property_names` (common properties first, then the
layer's own), so the same layers and filters give the same bytes. The collection carries
``attribution`` and ``license`` foreign members; every facility feature carries its
``attribution`` property.

The writers write what they are given. The public view is made once, before any filter, by
:func:`layers.public.public_layers` (private records left out with the years only they date;
restricted ones without names, aliases, quotes or free text, a restricted person's home at
the label point of its district); ``public=True`` only checks that the layers are that view
(:func:`layers.public.assert_public`, failing closed) and says so in the collection.
``python -m layers export`` loads the layers as the app does (:func:`layers.atlas.load_layers`:
the same cache, the public view when ``--public``), then filters, so for the same filters the
app's download and the export are the same bytes.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.geometry import shape

import geo
from layers.atlas import load_layers
from layers.errors import LayersError
from layers.filters import filter_layers, make_filters
from layers.io.geojson import feature, property_names
from layers.layerset import CRS, LAYER_KINDS, LAYER_NAMES, Layers
from layers.public import assert_public
from layers.records.facilities import ATTRIBUTION as FACILITY_ATTRIBUTION

__all__ = [
    "ATTRIBUTION",
    "FORMATS",
    "LICENSE",
    "ExportFormatError",
    "add_arguments",
    "iter_features",
    "run",
    "to_geojson_bytes",
    "write",
]

logger = logging.getLogger(__name__)

#: Output formats of :func:`write` and their GDAL drivers.
FORMATS: dict[str, str] = {"geojson": "GeoJSON", "gpkg": "GPKG", "kml": "KML"}
_SUFFIXES = {".geojson": "geojson", ".json": "geojson", ".gpkg": "gpkg", ".kml": "kml"}

#: Licence of the curated testimony records (``data/datapackage.json``).
LICENSE = "CC-BY-4.0"
#: The collection-level attribution: the testimony records and the facility list.
ATTRIBUTION = (
    "Testimony records: xinjiang-atlas contributors, CC BY 4.0, each feature citing its "
    f"sources. Facilities: {FACILITY_ATTRIBUTION}."
)

Format = Literal["geojson", "gpkg", "kml"]

#: The warning ``python -m layers export`` prints (to stderr) whenever ``--public`` is not given.
_NOT_FOR_PUBLICATION = (
    "python -m layers export: warning: {output!r} is not for publication: it may hold "
    "restricted and private records (names, quotes, exact homes); use --public for a file "
    "that may be published"
)


class ExportFormatError(LayersError, ValueError):
    """An output format is not one of :data:`FORMATS`."""

    def __init__(self, message: str, *, fmt: str) -> None:
        super().__init__(message)
        self.fmt = fmt


def _rows(frame: gpd.GeoDataFrame) -> Iterator[dict[str, Any]]:
    """Yield each row as a dict (geometry included), in frame order."""
    columns = list(frame.columns)
    for values in frame.itertuples(index=False, name=None):
        yield dict(zip(columns, values, strict=True))


def iter_features(layers: Layers) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield ``(layer name, GeoJSON Feature)`` in export order, as the layers hold them."""
    for name, frame in layers.items():
        for row in _rows(frame):
            yield name, feature(name, row, row["geometry"])


def to_geojson_bytes(layers: Layers, *, public: bool = False) -> bytes:
    """Return the layers as one RFC 7946 FeatureCollection, UTF-8 encoded.

    Parameters
    ----------
    layers : Layers
        Built (and usually filtered) layers, written as they are.
    public : bool
        The layers are the public view (:func:`layers.public.public_layers`): checked by
        :func:`layers.public.assert_public`, and said in the collection's ``public`` member.

    Returns
    -------
    bytes
        Compact JSON ending in a newline; identical for identical inputs.

    Raises
    ------
    layers.public.NotPublicError
        If ``public`` and the layers hold a private record or a restricted one not redacted.
    """
    if public:
        assert_public(layers)
    collection = {
        "type": "FeatureCollection",
        "attribution": ATTRIBUTION,
        "license": LICENSE,
        "public": public,
        "features": [item for _, item in iter_features(layers)],
    }
    text = json.dumps(collection, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    return (text + "\n").encode("utf-8")


def _ogr_frame(
    name: str, features: list[dict[str, Any]], *, escape_html: bool = False
) -> gpd.GeoDataFrame:
    """Return one layer's features as a GeoDataFrame for GDAL: lists/dicts as JSON strings.

    ``escape_html`` HTML-escapes every text value (for KML, whose viewers render names,
    descriptions and extended data as HTML in their balloons).
    """
    columns = property_names(name)
    rows: list[dict[str, Any]] = []
    for item in features:
        row = {}
        for key in columns:
            value = item["properties"][key]
            if isinstance(value, (list, dict)):
                value = json.dumps(value, ensure_ascii=False, sort_keys=False)
            if escape_html and isinstance(value, str):
                value = html.escape(value, quote=True)
            row[key] = value
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(columns))
    for key in ("year_start", "year_end", "count", "max_population"):
        if key in frame.columns:
            frame[key] = pd.array(
                [None if v is None or pd.isna(v) else int(v) for v in frame[key]], dtype="Int64"
            )
    geometries = [None if f["geometry"] is None else shape(f["geometry"]) for f in features]
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=CRS), crs=CRS)


def write(
    layers: Layers, path: str | Path, fmt: str = "geojson", *, public: bool = False
) -> dict[str, int]:
    """Write the layers to ``path`` as GeoJSON, GeoPackage or KML.

    Parameters
    ----------
    layers : Layers
        Built (and usually filtered) layers.
    path : str or pathlib.Path
        The output file; overwritten.
    fmt : {"geojson", "gpkg", "kml"}
        ``geojson``: :func:`to_geojson_bytes`. ``gpkg`` and ``kml`` go through GDAL
        (pyogrio), one layer per map layer (empty layers are left out), named by the
        ``layer`` property (``site``, ``report``...), list-valued properties as JSON strings.
        KML text values are HTML-escaped: KML viewers show them as HTML.
    public : bool
        The layers are the public view (checked, as in :func:`to_geojson_bytes`).

    Returns
    -------
    dict of str to int
        Features written per layer.

    Raises
    ------
    ExportFormatError
        If ``fmt`` is not a known format.
    """
    if fmt not in FORMATS:
        msg = f"unknown format {fmt!r} (choose from {', '.join(FORMATS)})"
        raise ExportFormatError(msg, fmt=fmt)
    path = Path(path)
    if public:
        assert_public(layers)
    grouped: dict[str, list[dict[str, Any]]] = {name: [] for name in LAYER_NAMES}
    for name, item in iter_features(layers):
        grouped[name].append(item)
    counts = {name: len(items) for name, items in grouped.items()}
    if fmt == "geojson":
        path.write_bytes(to_geojson_bytes(layers, public=public))
        return counts
    if path.exists():
        path.unlink()
    written = 0
    for name, items in grouped.items():
        if not items:
            continue
        frame = _ogr_frame(name, items, escape_html=fmt == "kml")
        pyogrio.write_dataframe(
            frame,
            path,
            layer=LAYER_KINDS[name],
            driver=FORMATS[fmt],
            append=written > 0 and fmt == "gpkg",
            promote_to_multi=False,
        )
        written += 1
    if written == 0:
        # GDAL cannot create a data source without a layer; write an empty one.
        empty = gpd.GeoDataFrame({"layer": pd.Series([], dtype=object)}, geometry=[], crs=CRS)
        pyogrio.write_dataframe(empty, path, layer="empty", driver=FORMATS[fmt])
    return counts


# ---------------------------------------------------------------------------------------------
# Command line: python -m layers export
# ---------------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``export`` options to ``parser``."""
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="FILE",
                        help="file to write (overwritten)")
    parser.add_argument("--years", metavar="A-B",
                        help="show what overlaps these years, e.g. 2017-2019")
    parser.add_argument("--district", nargs="+", action="extend", default=[], metavar="NAME",
                        help="county, prefecture or Kazakhstan region, in any script "
                             "(Fuhai, Bouryltogay, 福海县, Ili); repeatable")
    parser.add_argument("--layers", metavar="L,...",
                        help=f"comma-separated layers ({', '.join(LAYER_NAMES)}); default all")
    parser.add_argument("--search", default="", metavar="TEXT",
                        help="only features whose names or aliases contain every word")
    parser.add_argument("--format", dest="fmt", choices=sorted(FORMATS), default=None,
                        help="output format (default: from the file suffix, else geojson)")
    parser.add_argument("--public", action="store_true",
                        help="leave out private records; strip names and exact homes of "
                             "restricted people")
    parser.add_argument("--include-undated", dest="include_undated", action="store_true",
                        default=True, help="with --years, also show undated features (default)")
    parser.add_argument("--no-undated", "--no-include-undated", dest="include_undated",
                        action="store_false", help="leave undated features out")
    parser.add_argument("--data", type=Path, default=None, metavar="DIR",
                        help="data package directory (default: the repository's data/)")
    parser.add_argument("--facilities", type=Path, default=None, metavar="FILE",
                        help="BuzzFeed facility TSV (default: DIR/external/buzzfeed_2021/...)")


def run(args: argparse.Namespace) -> int:
    """Run ``python -m layers export``; return the exit status.

    0 written; 1 the data cannot be built or the file cannot be written; 2 a bad argument
    (unknown district or layer, malformed or backwards years). Messages go to stderr; without
    ``--public`` a written file comes with a one-line warning that it is not for publication.
    """
    fmt = args.fmt or _SUFFIXES.get(args.output.suffix.lower(), "geojson")
    try:
        filters = make_filters(
            years=args.years,
            districts=args.district,
            layers=args.layers,
            search=args.search,
            include_undated=args.include_undated,
        )
    except (LayersError, geo.GeoError) as exc:  # bad years, layer or district
        print(f"python -m layers export: error: {exc}", file=sys.stderr)
        return 2
    try:
        # The app's path: built, made public once when asked (before any filter sees the
        # data), and cached; then filtered.
        built, _ = load_layers(args.data, args.facilities, public=args.public)
        layers = filter_layers(built, filters)
    except (LayersError, geo.GeoError) as exc:
        # geo.GeoError: a coordinate or district the geo package refuses (CoordinateError,
        # a broken district or gazetteer file); its message names the value.
        print(f"python -m layers export: cannot build the layers: {exc}", file=sys.stderr)
        print("(python -m layers validate lists every problem)", file=sys.stderr)
        return 1
    try:
        counts = write(layers, args.output, fmt, public=args.public)
    except OSError as exc:
        print(f"python -m layers export: cannot write {str(args.output)!r}: {exc}",
              file=sys.stderr)
        return 1
    summary = ", ".join(f"{n} {name}" for name, n in counts.items())
    print(f"wrote {sum(counts.values())} features ({summary}) to {args.output}", file=sys.stderr)
    if not args.public:
        print(_NOT_FOR_PUBLICATION.format(output=str(args.output)), file=sys.stderr)
    return 0

