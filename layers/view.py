"""What the app shows, as typed pure functions: settings, URL parameters, counts, chart, table.

``app.py`` only lays out widgets and calls these (and :func:`layers.filters.filter_layers`,
:func:`layers.render.draw.render_map`, :func:`layers.io.export.to_geojson_bytes`), so everything the
user sees can be tested without Streamlit.

URL parameters (a shared link reproduces the view):

==============  ====================================================  ===================
parameter       meaning                                               example
==============  ====================================================  ===================
``years``       year range, inclusive                                 ``2017-2019``
``undated``     with ``years``: also show undated features (1/0)      ``0``
``district``    district id or any name of it; repeatable             ``CN-654323``
``layers``      comma-separated layers                                ``sites,reports``
``q``           search words                                          ``Fuhai``
==============  ====================================================  ===================
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import geo
from layers.atlas import load_layers
from layers.filters import Filters, YearRangeError, parse_layers, parse_years, resolve_districts
from layers.io.csvsafe import safe_cell
from layers.layerset import LAYER_KINDS, LAYER_NAMES, Layers, UnknownLayerError
from layers.public import public_layers
from layers.render.popup import LAYER_LABELS, plain, year_span
from layers.settings import BadParameterError

__all__ = [
    "LARGE_VIEW",
    "BadParameterError",
    "clicked_ids",
    "feature_by_id",
    "filters_from_params",
    "is_large_view",
    "layer_counts",
    "params_from_filters",
    "per_year",
    "public_view",
    "shown_table",
    "year_bounds",
]


_RECORD_ID = re.compile(r"Record id: (\S+)")


def public_view(layers: Layers) -> Layers:
    """Return the layers as a public export would have them, for the map and the table.

    This is :func:`layers.public.public_layers`, the same code ``python -m layers export
    --public`` runs before it filters: private features are left out; restricted ones lose
    names, aliases, quotes and free text, a restricted person's home becomes the district's
    label point, and their search text is emptied, so a search for a withheld name finds
    nothing.
    """
    return public_layers(layers)


def year_bounds(layers: Layers) -> tuple[int, int]:
    """Return the first and last year any feature covers (2014-2021 when none is dated)."""
    years: list[int] = []
    for _, frame in layers.items():
        for column in ("year_start", "year_end"):
            values = pd.to_numeric(frame[column], errors="coerce").dropna()
            years += [int(v) for v in values]
    if not years:
        return 2014, 2021
    return min(years), max(years)


def _one(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return str(value[-1]) if value else None
    return str(value)


def _many(params: Mapping[str, Any], name: str) -> list[str]:
    value = params.get(name)
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if str(v).strip()]
    return [str(value)] if str(value).strip() else []


def filters_from_params(params: Mapping[str, Any], *, bounds: tuple[int, int]) -> Filters:
    """Return the :class:`~layers.filters.Filters` a URL's query parameters describe.

    Parameters
    ----------
    params : mapping
        Parameter -> value (or list of values, for ``district``).
    bounds : tuple of int
        The data's first and last year; ``years`` is clipped to them.

    Raises
    ------
    BadParameterError
        Naming the parameter and value that cannot be used (unknown layer or district,
        malformed or reversed years, ``undated`` not 0/1).
    """
    years: tuple[int, int] | None = None
    text = _one(params, "years")
    if text:
        try:
            first, last = parse_years(text)  # the command line's grammar, one rule
        except YearRangeError as exc:
            msg = f"URL parameter years={text!r}: {exc}"
            raise BadParameterError(msg, name="years", value=text) from None
        years = (max(first, bounds[0]), min(last, bounds[1]))
        if years[0] > years[1]:
            years = (first, last)
    undated = _one(params, "undated")
    if undated not in (None, "", "0", "1"):
        msg = f"URL parameter undated={undated!r} is not 0 or 1"
        raise BadParameterError(msg, name="undated", value=str(undated))
    layer_text = _one(params, "layers")
    layers: tuple[str, ...] = LAYER_NAMES
    if layer_text is not None:
        try:
            layers = parse_layers(layer_text)
        except UnknownLayerError as exc:
            msg = f"URL parameter layers={layer_text!r} names an unknown layer {exc.name!r}"
            raise BadParameterError(msg, name="layers", value=exc.name) from None
    districts: tuple[str, ...] = ()
    for name in _many(params, "district"):
        try:
            districts += tuple(d for d in resolve_districts([name]) if d not in districts)
        except LookupError:
            msg = f"URL parameter district={name!r} is not a known district"
            raise BadParameterError(msg, name="district", value=name) from None
    return Filters(
        years=years,
        include_undated=undated != "0",
        districts=districts,
        layers=layers,
        search=_one(params, "q") or "",
    )


def params_from_filters(filters: Filters, *, bounds: tuple[int, int]) -> dict[str, Any]:
    """Return the query parameters of ``filters`` (defaults left out, so links stay short)."""
    params: dict[str, Any] = {}
    if filters.years is not None and tuple(filters.years) != tuple(bounds):
        first, last = filters.years
        params["years"] = f"{first}-{last}"
        if not filters.include_undated:
            params["undated"] = "0"
    elif not filters.include_undated:
        params["undated"] = "0"
    if filters.districts:
        params["district"] = list(filters.districts)
    if tuple(filters.layers) != LAYER_NAMES:
        params["layers"] = ",".join(filters.layers)
    if filters.search.strip():
        params["q"] = filters.search.strip()
    return params


def layer_counts(layers: Layers) -> dict[str, int]:
    """Return the number of shown features per layer, keyed by the layer's human label."""
    return {
        LAYER_LABELS[LAYER_KINDS[name]]: len(frame) for name, frame in layers.items()
    }


def per_year(layers: Layers) -> pd.DataFrame:
    """Return detentions (held that year) and inmate-number reports per year.

    A detention (a ``links`` feature: a person held at a place) counts in every year from its
    ``year_start`` to its ``year_end``; a report counts in its ``year_start``. Undated
    features are left out.

    Returns
    -------
    pandas.DataFrame
        Indexed by year (int), columns ``detentions`` and ``reports`` (ints); empty when
        nothing is dated.
    """
    counts: dict[int, list[int]] = {}
    links = layers.links
    for start, end in zip(links["year_start"], links["year_end"], strict=True):
        first = None if pd.isna(start) else int(start)
        last = None if pd.isna(end) else int(end)
        if first is None and last is None:
            continue
        first = first if first is not None else last
        last = last if last is not None else first
        assert first is not None and last is not None
        for year in range(first, last + 1):
            counts.setdefault(year, [0, 0])[0] += 1
    for start in layers.reports["year_start"]:
        if not pd.isna(start):
            counts.setdefault(int(start), [0, 0])[1] += 1
    if not counts:
        return pd.DataFrame({"detentions": [], "reports": []}, dtype="int64")
    years = range(min(counts), max(counts) + 1)
    frame = pd.DataFrame(
        {
            "detentions": [counts.get(y, [0, 0])[0] for y in years],
            "reports": [counts.get(y, [0, 0])[1] for y in years],
        },
        index=pd.Index(list(years), name="year"),
    )
    return frame


def _quotes(sources: object) -> str:
    if not isinstance(sources, (list, tuple)):
        return ""
    return " | ".join(plain(s.get("quote")) for s in sources if plain(s.get("quote")))


#: From this many shown features on, the app builds the table and the GeoJSON file only when
#: asked (at 100k records they cost more than the map); the same threshold as the compact map.
LARGE_VIEW = 5_000


def is_large_view(shown_features: int) -> bool:
    """Return whether a view is large enough to defer its table and download (LARGE_VIEW)."""
    return shown_features >= LARGE_VIEW


def shown_table(layers: Layers) -> pd.DataFrame:
    """Return one row per shown feature: layer, id, name, place, precision, years, quotes.

    Values are plain text (``st.dataframe`` shows text, it does not interpret HTML). Every
    cell goes through :func:`layers.io.csvsafe.safe_cell`: Streamlit's own "Download as CSV"
    writes the shown cells as they are, so a name or quote starting with ``=``, ``+``, ``-``
    or ``@`` is shown (and downloaded) with a leading ``'`` rather than opening as a formula.
    """
    rows = []
    for name, frame in layers.items():
        label = LAYER_LABELS[LAYER_KINDS[name]]
        for row in frame.drop(columns=frame.geometry.name).to_dict("records"):
            cells = {
                "layer": label,
                "id": plain(row.get("id")),
                "name": plain(row.get("name")),
                "district": plain(row.get("district")),
                "prefecture / region": plain(row.get("prefecture")),
                "precision": plain(row.get("precision")),
                "years": year_span(row.get("year_start"), row.get("year_end")),
                "quotes": _quotes(row.get("sources")),
                "sources": ", ".join(
                    dict.fromkeys(plain(s.get("source")) for s in row.get("sources") or ())
                ),
            }
            rows.append({key: safe_cell(value) for key, value in cells.items()})
    columns = [
        "layer", "id", "name", "district", "prefecture / region", "precision", "years",
        "quotes", "sources",
    ]
    return pd.DataFrame(rows, columns=columns)


def clicked_ids(popup_text: str | None) -> list[str]:
    """Return the record id a clicked popup's text ends with (``Record id: ...``), as a list.

    Only the last ``Record id:`` counts: it is the popup's own last line, after every data
    string, so a quote that happens to contain the words cannot choose the record.
    """
    if not popup_text:
        return []
    return _RECORD_ID.findall(popup_text)[-1:]


def feature_by_id(layers: Layers, ids: Sequence[str]) -> list[dict[str, Any]]:
    """Return the properties of the shown features with these ids (unknown ids are skipped)."""
    wanted = set(ids)
    found: dict[str, dict[str, Any]] = {}
    for _, frame in layers.items():
        hits = frame[frame["id"].isin(wanted)]
        for row in hits.drop(columns=hits.geometry.name).to_dict("records"):
            found.setdefault(str(row["id"]), row)
    return [found[i] for i in ids if i in found]


@dataclass(frozen=True)
class Atlas:
    """Everything the app loads once: the layers, source citations and district choices.

    Attributes
    ----------
    layers : Layers
        All layers, unfiltered (the public view unless loaded with ``public=False``).
    source_titles : dict
        Source id -> citation, shown under quotes.
    districts : geopandas.GeoDataFrame
        District polygons (the basemap).
    district_labels : dict
        District id -> label for the district picker (name, parent and other names).
    """

    layers: Layers
    source_titles: dict[str, str]
    districts: Any
    district_labels: dict[str, str]


def _district_labels(districts: Any) -> dict[str, str]:
    names = dict(zip(districts["id"].astype(str), districts["name"].astype(str), strict=True))
    labels: dict[str, str] = {}
    for row in districts.itertuples(index=False):
        parent = names.get(str(row.parent) if row.parent is not None else "", "")
        other = [str(n) for n in (row.names or ()) if str(n) and str(n) != str(row.name)][:4]
        label = str(row.name) + (f" ({parent})" if parent else "")
        if other:
            label += " \u00b7 " + " / ".join(other)
        labels[str(row.id)] = label
    return dict(sorted(labels.items(), key=lambda item: item[1].casefold()))


def load_atlas(
    data_dir: Path | None = None, facilities_path: Path | None = None, *, public: bool = True
) -> Atlas:
    """Load the records, facilities and districts and build the layers (slow: cache it).

    Parameters
    ----------
    data_dir : pathlib.Path, optional
        Data package directory (default: the repository's ``data/``).
    facilities_path : pathlib.Path, optional
        BuzzFeed facility TSV (default: ``DATA_DIR/external/buzzfeed_2021/...``).
    public : bool
        Keep only what may be published (:func:`public_view`); default True.
    """
    layers, titles = load_layers(data_dir, facilities_path, public=public)
    districts = geo.load_districts()
    return Atlas(
        layers=layers,
        source_titles=titles,
        districts=districts,
        district_labels=_district_labels(districts),
    )
