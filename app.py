"""The atlas in the browser: `streamlit run app.py` (or `make run`).

A thin shell: it reads widgets and the URL, calls ``layers`` (filters, render, export, view)
and shows the result. Everything it computes is a typed pure function in ``layers/``.
Settings (environment variables) are listed in ``layers.view.SETTINGS``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from layers import LAYER_KINDS, LAYER_NAMES
from layers.export import to_geojson_bytes
from layers.filters import Filters, filter_layers
from layers.render import (
    BOUNDARY_ATTRIBUTION,
    FACILITY_ATTRIBUTION,
    LAYER_LABELS,
    details_html,
    map_from_payload,
    map_payload,
)
from layers.view import (
    Atlas,
    BadParameterError,
    clicked_ids,
    data_paths,
    feature_by_id,
    filters_from_params,
    layer_counts,
    load_atlas,
    params_from_filters,
    per_year,
    public_mode,
    setting,
    shown_table,
    year_bounds,
)

#: What identifies a loaded atlas: data directory, facility file, public view.
AtlasKey = tuple[str, str, bool]

st.set_page_config(page_title="Xinjiang detention atlas", layout="wide")


@st.cache_resource(show_spinner="Loading records, facilities and districts…")
def atlas_for(data_dir: str, facilities: str, public: bool) -> Atlas:
    return load_atlas(
        Path(data_dir) if data_dir else None,
        Path(facilities) if facilities else None,
        public=public,
    )


def current_atlas() -> tuple[Atlas, AtlasKey]:
    data_dir, facilities = data_paths()
    key = (str(data_dir or ""), str(facilities or ""), public_mode())
    return atlas_for(*key), key


@st.cache_data(show_spinner=False)
def shown_layers(
    key: AtlasKey,
    years: tuple[int, int] | None,
    include_undated: bool,
    districts: tuple[str, ...],
    layer_names: tuple[str, ...],
    search: str,
) -> Any:  # Layers, cached by filter values
    filters = Filters(
        years=years,
        include_undated=include_undated,
        districts=districts,
        layers=layer_names,
        search=search,
    )
    return filter_layers(atlas_for(*key).layers, filters)


@st.cache_resource(show_spinner=False, max_entries=16)
def shown_payload(key: AtlasKey, filter_key: tuple[Any, ...]) -> dict[str, Any]:
    """Return the map's payload for these filters (read-only, shared by reruns)."""
    atlas = atlas_for(*key)
    return map_payload(
        shown_layers(key, *filter_key),
        districts_gdf=atlas.districts,
        source_titles=atlas.source_titles,
    )


@st.cache_data(show_spinner=False)
def shown_geojson(key: AtlasKey, filter_key: tuple[Any, ...]) -> bytes:
    return to_geojson_bytes(shown_layers(key, *filter_key), public=key[2])


def url_params() -> dict[str, list[str]]:
    return {name: st.query_params.get_all(name) for name in st.query_params}


def init_state(bounds: tuple[int, int]) -> None:
    """Put the URL's filters into the widgets' state, once per session."""
    if "initialised" in st.session_state:
        return
    st.session_state["initialised"] = True
    try:
        filters = filters_from_params(url_params(), bounds=bounds)
    except BadParameterError as exc:
        st.session_state["url_error"] = str(exc)
        filters = Filters()
    st.session_state["years"] = filters.years or bounds
    st.session_state["undated"] = filters.include_undated
    st.session_state["districts"] = list(filters.districts)
    st.session_state["layers"] = list(filters.layers)
    st.session_state["q"] = filters.search


try:
    atlas, atlas_key = current_atlas()
except (ValueError, LookupError, OSError) as exc:  # bad data or settings: say what, stop
    st.error(f"The atlas data could not be loaded: {exc}")
    st.info("`python -m layers validate` lists every problem with file, row and field.")
    st.stop()
bounds = year_bounds(atlas.layers)
init_state(bounds)

st.title("Xinjiang detention atlas")
st.caption(
    "Camps, prisons and detention sites, the inmate numbers witnesses reported, and the "
    "witnesses' home places. Every point traces to a verbatim quote from a published source."
)
if "url_error" in st.session_state:
    st.warning(f"The link's filters were not used: {st.session_state['url_error']}")

with st.sidebar:
    st.header("Filters")
    if bounds[0] < bounds[1]:
        years_value = st.slider(
            "Years", min_value=bounds[0], max_value=bounds[1], key="years", step=1
        )
    else:
        years_value = bounds
    include_undated = st.toggle("Include undated records", key="undated")
    district_choice = st.multiselect(
        "Districts (county, prefecture or Kazakhstan region; any name)",
        options=list(atlas.district_labels),
        format_func=lambda d: atlas.district_labels.get(d, d),
        key="districts",
        accept_new_options=True,
    )
    layer_choice = st.multiselect(
        "Layers",
        options=list(LAYER_NAMES),
        format_func=lambda n: LAYER_LABELS[LAYER_KINDS[n]],
        key="layers",
    )
    search = st.text_input("Search names (any script)", key="q")

district_ids: list[str] = []
for choice in district_choice:
    if choice in atlas.district_labels:
        district_ids.append(choice)
        continue
    try:
        url_filters = filters_from_params({"district": [choice]}, bounds=bounds)
    except BadParameterError as exc:
        st.sidebar.error(str(exc).replace("URL parameter district=", "District "))
        continue
    district_ids += [d for d in url_filters.districts if d not in district_ids]

years = None if tuple(years_value) == bounds else (int(years_value[0]), int(years_value[1]))
filters = Filters(
    years=years,
    include_undated=bool(include_undated),
    districts=tuple(district_ids),
    layers=tuple(layer_choice),
    search=search,
)
wanted = params_from_filters(filters, bounds=bounds)
normalised = {k: v if isinstance(v, list) else [v] for k, v in wanted.items()}
if normalised != url_params():
    st.query_params.from_dict(wanted)

filter_key = (filters.years, filters.include_undated, filters.districts, filters.layers,
              filters.search)
shown = shown_layers(atlas_key, *filter_key)
counts = layer_counts(shown)

st.markdown(
    f"**Shown: {sum(counts.values())} features** \u2014 "
    + " \u00b7 ".join(f"{label}: {n}" for label, n in counts.items())
)

map_column, details_column = st.columns([5, 2])
with map_column:
    folium_map = map_from_payload(
        shown_payload(atlas_key, filter_key),
        basemap="osm" if setting("ATLAS_BASEMAP") == "osm" else "offline",
    )
    clicked = st_folium(
        folium_map,
        key="map",
        height=680,
        use_container_width=True,
        returned_objects=["last_object_clicked_popup"],
    )
with details_column:
    st.subheader("Details")
    popup = (clicked or {}).get("last_object_clicked_popup")
    features = feature_by_id(shown, clicked_ids(popup))
    if not features:
        st.caption("Click a marker or a line on the map to see all its quotes and sources.")
    for feature in features:
        st.html(details_html(feature, source_titles=atlas.source_titles))

st.subheader("Detentions and reports per year")
chart = per_year(shown)
if len(chart):
    st.bar_chart(chart, stack=False)
    st.caption(
        "Detentions: people held that year (a detention counts in every year it spans). "
        "Reports: inmate numbers reported for that year."
    )
else:
    st.caption("Nothing shown is dated.")

st.subheader("What is shown")
st.dataframe(shown_table(shown), hide_index=True)
st.download_button(
    "Download what is shown (GeoJSON)",
    data=shown_geojson(atlas_key, filter_key),
    file_name="xinjiang-atlas.geojson",
    mime="application/geo+json",
    key="download",
)

st.divider()
if atlas_key[2]:
    st.caption(
        "Public view: private records are left out; people marked restricted are shown "
        "without names, quotes or exact homes (their district's centre instead)."
    )
else:
    st.caption("Curator view (ATLAS_PUBLIC=0): every record, including restricted ones.")
st.caption(
    f"Facilities: {FACILITY_ATTRIBUTION}. {BOUNDARY_ATTRIBUTION}. "
    "Testimony records: xinjiang-atlas contributors, CC BY 4.0, each citing its source. "
    "The map loads nothing from the internet."
)
