"""The atlas in the browser: `streamlit run app.py` (or `make run`).

A thin shell: it reads widgets and the URL, calls ``layers`` (filters, render, export, view)
and shows the result. Everything it computes is a typed pure function in ``layers/``.
Settings (environment variables) are listed in ``layers.settings.SETTINGS``.
"""

from __future__ import annotations

import gc
import hashlib
import json
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from layers import LAYER_KINDS, LAYER_NAMES
from layers.filters import Filters, filter_layers
from layers.io.upload import (
    OVERLAY_LABEL,
    UPLOAD_SUFFIXES,
    Upload,
    UploadError,
    UploadLimits,
    available_mappings,
    check_upload,
    upload_details_html,
    upload_limits,
)
from layers.records.load import source_dir
from layers.render.draw import (
    BOUNDARY_ATTRIBUTION,
    FACILITY_ATTRIBUTION,
    LAYER_LABELS,
    base_map,
    base_payload,
    data_group,
    details_html,
    map_payload,
)
from layers.settings import BadParameterError, data_paths, public_mode, setting
from layers.view import (
    Atlas,
    clicked_ids,
    feature_by_id,
    filters_from_params,
    is_large_view,
    layer_counts,
    load_atlas,
    params_from_filters,
    per_year,
    shown_table,
    year_bounds,
)

#: What identifies a loaded atlas: data directory, facility file, public view.
AtlasKey = tuple[str, str, bool]

st.set_page_config(page_title="Xinjiang detention atlas", layout="wide")


@st.cache_resource(show_spinner="Loading records, facilities and districts…")
def atlas_for(data_dir: str, facilities: str, public: bool) -> Atlas:
    atlas = load_atlas(
        Path(data_dir) if data_dir else None,
        Path(facilities) if facilities else None,
        public=public,
    )
    # The loaded atlas lives as long as the server and holds most of its objects (~800k at
    # 100k records); move them out of the collector's way, or a full collection (~0.45 s)
    # lands on every few reruns.
    gc.freeze()
    return atlas


@st.cache_resource(show_spinner=False)
def atlas_years(key: AtlasKey) -> tuple[int, int]:
    """Return the first and last year of the atlas (the slider's range)."""
    return year_bounds(atlas_for(*key).layers)


def current_atlas() -> tuple[Atlas, AtlasKey]:
    data_dir, facilities = data_paths()
    key = (str(data_dir or ""), str(facilities or ""), public_mode())
    return atlas_for(*key), key


# cache_resource, not cache_data: cache_data pickles the result and unpickles a copy on every
# hit (65k features: 1.7 s + 1.2 s per rerun); the layers are read-only, so share them.
@st.cache_resource(show_spinner=False, max_entries=16)
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


@st.cache_resource(show_spinner=False)
def shown_base(key: AtlasKey) -> dict[str, Any]:
    """Return the part of the map no filter changes (basemap, labels), read-only."""
    return base_payload(atlas_for(*key).districts)


@st.cache_resource(show_spinner=False, max_entries=16)
def shown_payload(key: AtlasKey, filter_key: tuple[Any, ...]) -> dict[str, Any]:
    """Return the map's selection for these filters (read-only, shared by reruns)."""
    atlas = atlas_for(*key)
    return map_payload(
        shown_layers(key, *filter_key),
        districts_gdf=atlas.districts,
        source_titles=atlas.source_titles,
        basemap=False,
    )


@st.cache_resource(show_spinner=False, max_entries=16)
def shown_per_year(key: AtlasKey, filter_key: tuple[Any, ...]) -> Any:  # DataFrame, read-only
    return per_year(shown_layers(key, *filter_key))


@st.cache_data(show_spinner=False)
def shown_geojson(key: AtlasKey, filter_key: tuple[Any, ...]) -> bytes:
    from layers.io.export import to_geojson_bytes  # here: its imports cost the first page ~0.1 s

    return to_geojson_bytes(shown_layers(key, *filter_key), public=key[2])


@st.cache_data(show_spinner=False)
def quote_proof(data_dir: str, sources: str) -> Any:  # QuoteProof, computed once per install
    """Return whether this install proved every quote against its source texts."""
    from layers.records.validate import quote_proof_status  # here: its imports cost the first page

    return quote_proof_status(Path(data_dir) if data_dir else None, Path(sources))


NO_MAPPING = "(match columns by their names)"


def checked_upload(
    uploaded: Any, mapping: str, fix_swapped: bool, repair: bool, limits: UploadLimits
) -> Upload | str | None:
    """Return the session's checked upload (or why it cannot be used); None without a file.

    The result lives in ``st.session_state`` only (this browser session), keyed by the file's
    content and the options, so a rerun does not check the file again.
    """
    if uploaded is None:
        st.session_state.pop("upload_result", None)
        return None
    data = uploaded.getvalue()
    key = (uploaded.name, hashlib.sha256(data).hexdigest(), mapping, fix_swapped, repair, limits)
    cached = st.session_state.get("upload_result")
    if cached is not None and cached[0] == key:
        return cached[1]
    mappings = available_mappings()
    try:
        with st.spinner("Checking your file…"):
            result: Upload | str = check_upload(
                uploaded.name,
                data,
                limits=limits,
                mapping=mappings.get(mapping),
                fix_swapped=fix_swapped,
                repair_geometry=repair,
            )
    except UploadError as exc:
        result = str(exc)
    st.session_state["upload_result"] = (key, result)
    return result


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
    # Untrusted text (CSV values, paths) goes into st.code, never into Markdown (st.error
    # would render "![x](http://...)" in it as an image request).
    st.error("The atlas data could not be loaded:")
    st.code(str(exc), language=None)
    st.info("`python -m layers validate` lists every problem with file, row and field.")
    st.stop()
bounds = atlas_years(atlas_key)
init_state(bounds)

st.title("Xinjiang detention atlas")
st.caption(
    "Camps, prisons and detention sites, the inmate numbers witnesses reported, and the "
    "witnesses' home places. Every point traces to a verbatim quote from a published source."
)
if "url_error" in st.session_state:
    st.warning("The link's filters were not used:")
    st.code(st.session_state["url_error"], language=None)  # the raw URL value: not Markdown

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

    st.header("Add your own data")
    try:
        limits: UploadLimits | None = upload_limits()
    except BadParameterError as exc:
        limits = None
        st.error("Uploads are switched off: a setting is wrong.")
        st.code(str(exc), language=None)
    uploaded = None
    if limits is not None:
        st.caption(
            f"CSV, TSV, GeoJSON, GeoPackage or KML, {limits.describe()}. Checked like "
            "`python -m layers import --check` and drawn as its own layer, for you only: "
            "it is kept in this browser session, never saved, and never mixed into the "
            "atlas or its download."
        )
        uploaded = st.file_uploader(
            "Your file",
            type=[suffix.lstrip(".") for suffix in UPLOAD_SUFFIXES],
            key="upload",
            max_upload_size=limits.max_mb,
        )
        upload_mapping = st.selectbox(
            "Column mapping", options=[NO_MAPPING, *available_mappings()], key="upload_mapping"
        )
        upload_fix = st.checkbox("Swap likely swapped lon/lat", key="upload_fix_swapped")
        upload_repair = st.checkbox("Repair invalid polygons", key="upload_repair")

district_ids: list[str] = []
for choice in district_choice:
    if choice in atlas.district_labels:
        district_ids.append(choice)
        continue
    try:
        url_filters = filters_from_params({"district": [choice]}, bounds=bounds)
    except BadParameterError as exc:
        st.sidebar.error("This district is not known:")
        st.sidebar.code(str(exc).replace("URL parameter district=", "District "), language=None)
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
upload_result = (
    checked_upload(uploaded, upload_mapping, upload_fix, upload_repair, limits)
    if limits is not None
    else None
)
upload = upload_result if isinstance(upload_result, Upload) else None
shown = shown_layers(atlas_key, *filter_key)
counts = layer_counts(shown)

st.markdown(
    f"**Shown: {sum(counts.values())} features** \u2014 "
    + " \u00b7 ".join(f"{label}: {n}" for label, n in counts.items())
)

payload = shown_payload(atlas_key, filter_key)
# The map itself (basemap, labels, legend) is the same for every filter, so st_folium keeps
# it; each rerun sends only the selection (and the upload), which replace the drawn ones.
# A change of districts, layers or search fits the map to what is found; a change of years
# keeps the reader's view.
view_key = json.dumps([filters.districts, filters.layers, filters.search])
groups = [data_group(payload, slot="atlas", fit=view_key)]
if upload is not None:
    groups.append(data_group(upload.payload, slot="upload"))

if payload.get("undrawn"):
    st.caption(
        f"{payload['undrawn']} of these are known only to a country (\"in China\"), so the map "
        "does not draw them; they are in the table and the download, with precision: country."
    )

map_column, details_column = st.columns([5, 2])
with map_column:
    folium_map = base_map(
        shown_base(atlas_key),
        basemap="osm" if setting("ATLAS_BASEMAP") == "osm" else "offline",
    )
    clicked = st_folium(
        folium_map,
        feature_group_to_add=groups,
        key="map",
        height=680,
        use_container_width=True,
        returned_objects=["last_object_clicked_popup"],
    )
with details_column:
    st.subheader("Details")
    popup = (clicked or {}).get("last_object_clicked_popup")
    # The map (and its last click) outlives an upload: a click on an earlier file's marker
    # must not show the row of a new file that happens to have the same id.
    upload_key = st.session_state["upload_result"][0] if upload is not None else None
    if popup != st.session_state.get("clicked_popup"):
        st.session_state["clicked_popup"] = popup
        st.session_state["clicked_upload"] = upload_key
    ids = clicked_ids(popup)
    features = feature_by_id(shown, ids) if ids else []
    uploaded_html = (
        upload_details_html(upload, ids[0])
        if upload is not None and ids and st.session_state.get("clicked_upload") == upload_key
        else ""
    )
    if not features and not uploaded_html:
        st.caption("Click a marker or a line on the map to see all its quotes and sources.")
    for feature in features:
        st.html(details_html(feature, source_titles=atlas.source_titles))
    if uploaded_html:
        st.html(uploaded_html)

if upload_result is not None:
    st.subheader(OVERLAY_LABEL)
    if isinstance(upload_result, str):
        st.error("Your file could not be used:")
        st.code(upload_result, language=None)
    else:
        report = upload_result.report
        lines = [report.summary()]
        if report.encoding:
            lines.append(f"{report.file}: encoding {report.encoding}")
        st.code("\n".join(lines), language=None)
        st.caption(
            "Accepted and flagged rows are drawn (flagged ones with the importer's note); "
            "rejected rows are not. Each line says why. Nothing here is checked against a "
            "source: it is your data, shown only to you."
        )
        if report.problems:
            st.dataframe(upload_result.problems_table(), hide_index=True, key="upload_report")
        st.download_button(
            "Download your upload's checked rows (CSV)",
            data=upload_result.csv,
            file_name=f"{report.source_id}-checked.csv",
            mime="text/csv",
            key="upload_download",
        )

st.subheader("Detentions and reports per year")
chart = shown_per_year(atlas_key, filter_key)
if len(chart):
    st.bar_chart(chart, stack=False)
    st.caption(
        "Detentions: people held that year (a detention counts in every year it spans). "
        "Reports: inmate numbers reported for that year."
    )
else:
    st.caption("Nothing shown is dated.")

st.subheader("What is shown")
total_shown = sum(counts.values())
large = is_large_view(total_shown)
if not large or st.toggle(f"Show the table ({total_shown:,} rows)", key="show_table"):
    st.dataframe(shown_table(shown), hide_index=True)
st.download_button(
    "Download what is shown (GeoJSON; the atlas only, never your upload)",
    # A large view's file is made only when asked for (same bytes, same code path).
    data=(lambda: shown_geojson(atlas_key, filter_key)) if large else shown_geojson(
        atlas_key, filter_key
    ),
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
proof = quote_proof(atlas_key[0], str(source_dir()))
if proof.proven:  # the public view does not count quotes: private records' would be among them
    counted = "" if atlas_key[2] else f", {proof.quotes} quotes"
    proof_text = f"proven against the source texts on this install ({proof.sources} source"
    proof_text += f"{'' if proof.sources == 1 else 's'}{counted})."
elif proof.skipped:
    proof_text = "NOT proven on this install: the source texts are missing (see README)."
else:
    proof_text = "NOT proven on this install: run `python -m layers validate` to see why."
st.caption(f"Quotes {proof_text}")
st.caption(
    f"Facilities: {FACILITY_ATTRIBUTION}. {BOUNDARY_ATTRIBUTION}. "
    "Testimony records: xinjiang-atlas contributors, CC BY 4.0, each citing its source. "
    "The map loads nothing from the internet."
)
