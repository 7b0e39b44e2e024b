"""A user's own file as a session-only overlay: checked by the importer, never mixed in.

The app's uploader hands the bytes to :func:`check_upload`, which runs them through exactly the
checks of ``python -m layers import --kind facilities`` (its check step,
:func:`layers.io.importer.check_file`: encoding and delimiter detection, column mapping,
coordinate, swap, region and geometry checks, geocoding of rows without coordinates, the
Frictionless schema) and returns an :class:`Upload`: the check's report and the accepted and
flagged rows as a GeoDataFrame.

Where the bytes go: into one private temporary file (``tempfile``, outside ``data/``), since
the readers (GDAL above all) read files; it is deleted before :func:`check_upload` returns.
The check writes nothing, and the importer's writer is never called: no data directory, not
even a temporary one. The app keeps the :class:`Upload` in ``st.session_state`` only, so it
lives as long as the browser session.

The overlay never joins the curated layers: :func:`overlay_payload` adds it to a copy of the
map's payload as one more layer, "Your upload (not verified)", whose popups are built from
strings escaped here with :func:`layers.render.popup.esc`; the curated GeoJSON download leaves
it out,
and :attr:`Upload.csv` offers the checked rows back as the importer wrote them.

Limits (settings ``ATLAS_MAX_UPLOAD_MB``, ``ATLAS_MAX_UPLOAD_FEATURES``): :func:`upload_limits`;
besides them, one upload geocodes at most :data:`UPLOAD_MAX_GEOCODE` distinct place names and
runs for at most :data:`UPLOAD_MAX_SECONDS` seconds. The file is read only through the
importer's allow-listed readers (:mod:`layers.io.gdal`): its name and its bytes must agree, and
no GDAL driver that can reach another file or a URL is registered.

Any failure reaches the page as an :class:`UploadError` whose message names the file, never a
server path or a traceback; the map and its filters keep working.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely import wkt as shapely_wkt
from shapely.geometry import Point

from layers.errors import LayersError
from layers.io.csvsafe import cell_text
from layers.io.importer import CheckedImport, ImportReport, check_file, facility_csv
from layers.io.importread import FileImportError
from layers.io.mapping import Mapping as ImportMapping
from layers.io.mapping import MappingError, facility_schema, load_mapping
from layers.records.load import DEFAULT_DATA_DIR
from layers.render.popup import APPROXIMATE_PRECISIONS, esc, plain

__all__ = [
    "OVERLAY_COLOUR",
    "OVERLAY_LABEL",
    "OVERLAY_REF_PREFIX",
    "UPLOAD_MAX_GEOCODE",
    "UPLOAD_MAX_SECONDS",
    "UPLOAD_SUFFIXES",
    "Upload",
    "UploadError",
    "UploadLimits",
    "available_mappings",
    "check_upload",
    "overlay_payload",
    "safe_name",
    "upload_details_html",
    "upload_limits",
    "upload_payload",
]

logger = logging.getLogger(__name__)

#: File name endings the uploader accepts (a subset of the importer's: single files only).
UPLOAD_SUFFIXES: tuple[str, ...] = (".csv", ".tsv", ".tab", ".txt", ".geojson", ".json",
                                    ".gpkg", ".kml")
#: Name of the overlay layer on the map.
OVERLAY_LABEL = "Your upload (not verified)"
#: Colour of the overlay's markers (purple: no curated layer uses it).
OVERLAY_COLOUR = "#762a83"
#: Prefix of an overlay feature's record id in popups, so it never matches a curated id.
OVERLAY_REF_PREFIX = "upload:"
#: Most distinct place names one upload geocodes (rows without coordinates past it: rejected).
UPLOAD_MAX_GEOCODE = 2_000
#: Time budget of checking one upload, in seconds.
UPLOAD_MAX_SECONDS = 60.0

_REPO = Path(__file__).resolve().parents[2]
_MAPPINGS_DIR = _REPO / "mappings"
_COORD_DECIMALS = 5
_FACTS = (
    ("facility_type", "Type"),
    ("corroboration", "Corroboration"),
    ("town", "Town"),
    ("prefecture", "Prefecture"),
    ("aspi_no", "ASPI no."),
    ("shawn_zhang_no", "Shawn Zhang no."),
    ("etnam", "ETNAM"),
    ("description", "Description"),
    ("note", "Importer's note"),
)
_LIMIT_FLAGS = (("--max-rows", "ATLAS_MAX_UPLOAD_FEATURES"), ("--max-size", "ATLAS_MAX_UPLOAD_MB"))


class UploadError(LayersError, ValueError):
    """An uploaded file cannot be used as a whole (type, size, limits, unreadable, mapping).

    Parameters
    ----------
    message : str
        The full message, naming the file and the offending value.
    file : str
        The uploaded file's name.
    value : object
        The offending value (suffix, size, setting...).
    """

    def __init__(self, message: str, *, file: str, value: object) -> None:
        super().__init__(message)
        self.file = file
        self.value = value


@dataclass(frozen=True)
class UploadLimits:
    """Server-side limits of one upload.

    Attributes
    ----------
    max_mb : int
        Largest file, in MB (2**20 bytes, as Streamlit's ``server.maxUploadSize``).
    max_features : int
        Most rows (CSV/TSV) or features (vector files).
    """

    max_mb: int
    max_features: int

    @property
    def max_bytes(self) -> int:
        """Return :attr:`max_mb` in bytes."""
        return self.max_mb * 2**20

    def describe(self) -> str:
        """Return the limits as a sentence for the page."""
        return f"at most {self.max_mb} MB and {self.max_features:,} rows or features"


@dataclass(frozen=True)
class Upload:
    """A checked upload: the importer's report and the rows it would write.

    Attributes
    ----------
    file : str
        The file's (sanitised) name.
    report : ImportReport
        The check's report (counts, every rejected and flagged row with its reason).
    frame : geopandas.GeoDataFrame
        Accepted and flagged rows: the facility schema's columns (their text in :attr:`csv`)
        and their geometry (EPSG:4326; the polygon when the file gave one, else the point).
    csv : bytes
        The same rows as the importer writes them (``facilities.csv``: UTF-8, facility schema).
    """

    file: str
    report: ImportReport
    frame: gpd.GeoDataFrame
    csv: bytes

    def problems_table(self) -> pd.DataFrame:
        """Return the report's lines as a table: row, field, status, message (plain text)."""
        rows = [
            {"row": p.row, "field": p.field, "status": p.status, "message": p.message}
            for p in self.report.problems
        ]
        return pd.DataFrame(rows, columns=["row", "field", "status", "message"])

    @cached_property
    def payload(self) -> dict[str, Any]:
        """The rows as a map payload (:func:`upload_payload`), made once per upload.

        The app draws it on every rerun of the session; up to 50,000 rows are escaped
        one by one, so it is kept with the upload instead of being made again each time.
        """
        return upload_payload(self)


def upload_limits(environ: Mapping[str, str] | None = None) -> UploadLimits:
    """Return the limits the settings give (``ATLAS_MAX_UPLOAD_MB``, ``..._FEATURES``).

    Raises
    ------
    layers.view.BadParameterError
        If a setting is not a positive whole number (the message names it and its value).
    """
    from layers.settings import BadParameterError, setting

    values: list[int] = []
    for name in ("ATLAS_MAX_UPLOAD_MB", "ATLAS_MAX_UPLOAD_FEATURES"):
        text = setting(name, environ).strip()
        if not text.isdigit() or int(text) < 1:
            msg = f"{name}={text!r} is not a positive whole number"
            raise BadParameterError(msg, name=name, value=text)
        values.append(int(text))
    return UploadLimits(max_mb=values[0], max_features=values[1])


def safe_name(name: str) -> str:
    """Return a harmless file name for an upload: no directories, ``[a-z0-9_-]`` stem.

    The suffix (lower-cased) is kept: it tells the importer how to read the file.

    Raises
    ------
    UploadError
        If the suffix is not one of :data:`UPLOAD_SUFFIXES`.
    """
    base = re.split(r"[\\/]", name)[-1]
    stem, dot, suffix = base.rpartition(".")
    suffix = f".{suffix.lower()}" if dot else ""
    if suffix not in UPLOAD_SUFFIXES:
        msg = (
            f"{base!r}: unsupported file type {suffix!r} "
            f"(choose {', '.join(UPLOAD_SUFFIXES)})"
        )
        raise UploadError(msg, file=base, value=suffix)
    slug = re.sub(r"[^a-z0-9_]+", "-", stem.lower()).strip("-")[:60].strip("-")
    return f"{slug or 'upload'}{suffix}"


def available_mappings(directory: Path = _MAPPINGS_DIR) -> dict[str, Path]:
    """Return the facility mappings in ``directory`` (file name -> path), sorted by name.

    Mappings of curated kinds (people, sites...) and unreadable ones are left out: an upload
    is always a facility-like list of places.
    """
    found: dict[str, Path] = {}
    for path in sorted(directory.glob("*.yaml")):
        try:
            mapping = load_mapping(path)
        except MappingError as exc:
            logger.warning("mapping %s left out: %s", path, exc)
            continue
        if mapping.kind in (None, "facilities"):
            found[path.name] = path
    return found


def _inside(path: Path, directory: Path) -> bool:
    try:
        path.resolve().relative_to(directory.resolve())
    except ValueError:
        return False
    return True


def _limit_message(message: str, real: str, file: str) -> str:
    """Return an importer message as the app should say it (settings, not CLI flags)."""
    message = message.replace(real, file)
    for flag, name in _LIMIT_FLAGS:
        message = message.replace(f"limit {flag} ", f"limit {name}=").replace(flag, name)
    return message


def _geometry(row: Mapping[str, str]) -> Any:
    text = (row.get("wkt") or "").strip()
    if text:
        return shapely_wkt.loads(text)
    return Point(float(row["lon"]), float(row["lat"]))


def _frame(records: Sequence[Mapping[str, object]]) -> gpd.GeoDataFrame:
    """Return checked facility records as a GeoDataFrame (text columns, geometry).

    Each cell is the text the importer's CSV holds for it (:func:`layers.io.csvsafe.cell_text`),
    so the frame shows what :attr:`Upload.csv` offers.
    """
    columns = [f["name"] for f in facility_schema()["fields"]]
    rows = [{c: cell_text(record.get(c)) for c in columns} for record in records]
    geometries = [_geometry(row) for row in rows]
    data = pd.DataFrame(rows, columns=columns, dtype=object)
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometries, crs="EPSG:4326"))


def check_upload(
    name: str,
    data: bytes,
    *,
    limits: UploadLimits,
    mapping: ImportMapping | Path | None = None,
    fix_swapped: bool = False,
    repair_geometry: bool = False,
    geocoder: Callable[..., Any] | None = None,
    data_dir: Path = DEFAULT_DATA_DIR,
) -> Upload:
    """Check an uploaded file as ``python -m layers import --kind facilities --check`` would.

    Parameters
    ----------
    name : str
        The file name the browser sent (only its sanitised form is used: :func:`safe_name`).
    data : bytes
        The file's content.
    limits : UploadLimits
        Size and row/feature limits.
    mapping : Mapping or Path, optional
        Column mapping (see ``mappings/``); without one, columns are matched by name.
    fix_swapped, repair_geometry : bool
        As the importer's ``--fix-swapped`` and ``--repair-geometry`` (flagged rows).
    geocoder : callable, optional
        For rows without coordinates (default ``geo.geocode``, offline).
    data_dir : Path
        The curated data directory, only to refuse a temporary file inside it.

    Returns
    -------
    Upload

    Raises
    ------
    UploadError
        If the file is of an unsupported type, too large, has too many rows, cannot be read
        or the mapping does not fit; the message names the file and the value.
    """
    file = safe_name(name)
    if len(data) > limits.max_bytes:
        msg = (
            f"{file!r} is {len(data) / 2**20:.1f} MB, over the upload limit of "
            f"{limits.max_mb} MB (ATLAS_MAX_UPLOAD_MB)"
        )
        raise UploadError(msg, file=file, value=len(data))
    with tempfile.TemporaryDirectory(prefix="atlas-upload-") as tmp:
        root = Path(tmp)
        if _inside(root, data_dir):
            msg = f"the temporary directory {tmp!r} is inside the data directory; set TMPDIR"
            raise UploadError(msg, file=file, value=tmp)
        path = root / file
        path.write_bytes(data)
        checked = _check(
            path,
            limits=limits,
            mapping=mapping,
            fix_swapped=fix_swapped,
            repair_geometry=repair_geometry,
            geocoder=geocoder,
        )
    records = checked.records
    report = checked.report()
    logger.info("upload %s: %s", file, report.summary())
    return Upload(file=file, report=report, frame=_frame(records), csv=facility_csv(records))


def _check(
    path: Path,
    *,
    limits: UploadLimits,
    mapping: ImportMapping | Path | None,
    fix_swapped: bool,
    repair_geometry: bool,
    geocoder: Callable[..., Any] | None,
) -> CheckedImport:
    """Run the importer's check on the upload's temporary file; any failure: an UploadError.

    The message names the file (``path``'s name), never the temporary file's path.
    """
    file = path.name
    try:
        return check_file(
            path,
            kind="facilities",
            mapping=mapping,
            fix_swapped=fix_swapped,
            repair_geometry=repair_geometry,
            max_bytes=limits.max_bytes,
            max_rows=limits.max_features,
            max_geocode=UPLOAD_MAX_GEOCODE,
            max_seconds=UPLOAD_MAX_SECONDS,
            geocoder=geocoder,
        )
    except FileImportError as exc:
        raise UploadError(_limit_message(str(exc), str(path), file), file=file, value=file) from exc
    except Exception as exc:  # a reader's own failure: a message, never a traceback
        logger.exception("upload %s could not be checked", file)
        detail = str(exc).replace(str(path), file).replace(str(path.parent), "")[:300]
        msg = f"{file!r} could not be read ({exc.__class__.__name__}: {detail})"
        raise UploadError(msg, file=file, value=exc.__class__.__name__) from exc


def _parts(row: Mapping[str, Any], file: str) -> dict[str, Any]:
    """Return the plain (not yet escaped) popup text of one overlay row."""
    precision = plain(row.get("precision"))
    approx = ""
    if precision in APPROXIMATE_PRECISIONS:
        approx = (
            f"Place found from its name only to the {precision}: marked at the {precision}'s "
            "centre."
        )
    facts = [f"{label}: {plain(row.get(key))}" for key, label in _FACTS if plain(row.get(key))]
    facts.append(f"From {file}, row {plain(row.get('source_row'))}; not checked by the atlas.")
    return {
        "title": plain(row.get("name")) or plain(row.get("facility_id")),
        "subtitle": OVERLAY_LABEL,
        "where": ", ".join(p for p in (plain(row.get("town")), plain(row.get("prefecture"))) if p),
        "when": "",
        "approx": approx,
        "facts": facts,
        "ref": OVERLAY_REF_PREFIX + plain(row.get("facility_id")),
    }


def overlay_payload(payload: Mapping[str, Any], upload: Upload) -> dict[str, Any]:
    """Return a copy of a map payload with the upload as one more layer (the input is unchanged).

    Parameters
    ----------
    payload : mapping
        A :func:`layers.render.draw.map_payload` payload (read-only; it may be cached and shared).
    upload : Upload
        The checked upload.

    Returns
    -------
    dict
        The payload with the layer :data:`OVERLAY_LABEL` added: its records' strings escaped
        with :func:`layers.render.popup.esc` and appended to the string table, its points appended.

    Raises
    ------
    UploadError
        If the payload has no records and points (a compact payload for very many
        features): the overlay cannot be added to it.
    """
    if not {"s", "layers", "r", "p"} <= set(payload):
        msg = (
            f"{upload.file!r} cannot be drawn on this map: it shows too many features for "
            "full popups; narrow the filters to see your upload on the map"
        )
        raise UploadError(msg, file=upload.file, value=payload.get("mode"))
    strings = list(payload["s"])
    index = {text: i for i, text in enumerate(strings)}

    def table(raw: str) -> int:
        escaped = esc(raw)
        found = index.get(escaped)
        if found is None:
            found = index[escaped] = len(strings)
            strings.append(escaped)
        return found

    layers = [list(layer) for layer in payload["layers"]]
    layer_index = len(layers)
    layers.append(["upload", table(OVERLAY_LABEL), OVERLAY_COLOUR, "pin"])
    records = list(payload["r"])
    points = list(payload["p"])
    columns = [c for c in upload.frame.columns if c != upload.frame.geometry.name]
    for values, geometry in zip(
        upload.frame[columns].itertuples(index=False, name=None),
        upload.frame.geometry.to_numpy(),
        strict=True,
    ):
        if geometry is None or geometry.is_empty:
            continue
        parts = _parts(dict(zip(columns, values, strict=True)), upload.file)
        record = len(records)
        records.append(
            [
                layer_index,
                table(parts["title"]),
                table(parts["subtitle"]),
                table(parts["where"]),
                table(parts["when"]),
                table(parts["approx"]),
                [table(fact) for fact in parts["facts"]],
                [],
                table(parts["ref"]),
            ]
        )
        point = geometry if geometry.geom_type == "Point" else geometry.representative_point()
        points.append(
            [round(point.y, _COORD_DECIMALS), round(point.x, _COORD_DECIMALS), record]
        )
    return {**payload, "s": strings, "layers": layers, "r": records, "p": points}


def upload_payload(upload: Upload) -> dict[str, Any]:
    """Return the upload alone as a full map payload, drawn in its own slot of the map.

    The app draws it with :func:`layers.render.draw.data_group` (slot "upload") over the atlas's
    own selection, whatever that selection's size or mode: the upload is never mixed into it.

    Parameters
    ----------
    upload : Upload
        The checked upload.

    Returns
    -------
    dict
        A payload with one layer, :data:`OVERLAY_LABEL` (see :func:`overlay_payload`).
    """
    empty: dict[str, Any] = {
        "mode": "full", "s": [""], "layers": [], "r": [], "p": [], "l": [], "o": [],
        "attribution": 0, "undrawn": 0,
    }
    return overlay_payload(empty, upload)


def upload_details_html(upload: Upload, ref: str) -> str:
    """Return the details panel of the overlay feature whose popup ended in ``ref``.

    Returns '' when ``ref`` is not an overlay reference or names no row of the upload. Every
    data string is escaped.
    """
    if not ref.startswith(OVERLAY_REF_PREFIX):
        return ""
    wanted = ref.removeprefix(OVERLAY_REF_PREFIX)
    hits = upload.frame[upload.frame["facility_id"] == wanted]
    if not len(hits):
        return ""
    row = hits.drop(columns=hits.geometry.name).iloc[0].to_dict()
    parts = _parts(row, upload.file)
    html = ['<div class="atlas-details">', f"<div><small>{esc(parts['subtitle'])}</small></div>",
            f"<h4>{esc(parts['title'])}</h4>"]
    if parts["where"]:
        html.append(f"<div>{esc(parts['where'])}</div>")
    if parts["approx"]:
        html.append(f"<div><em>{esc(parts['approx'])}</em></div>")
    html.append("<ul>" + "".join(f"<li>{esc(f)}</li>" for f in parts["facts"]) + "</ul>")
    html.append(f"<div><small>Record id: <code>{esc(parts['ref'])}</code></small></div></div>")
    return "".join(html)
