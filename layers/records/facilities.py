"""The third-party facility list: BuzzFeed News's 2021 Xinjiang detention facilities.

:func:`load_facilities` reads ``data/external/buzzfeed_2021/all_locations_2021-07-20.tsv``
(UTF-8, tab-separated; see the README beside it) and keeps every usable row with its
cross-references (ETNAM, Shawn Zhang, ASPI, XJVDB, media, links). Nothing is dropped silently:
blank lines are counted with their line numbers, and every other row that cannot be used is in
:attr:`FacilityLoad.rejected` with its line and the reason.

:func:`site_candidates` lists, for each testimony site, the catalogued facilities in the same
county: a candidate, never a claimed match (the testimony rarely says which compound it was).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

import geo
from geo._errors import CoordinateError, GeoError
from geo.coords import validate_lonlat
from layers.errors import LayersError
from layers.records.csvrows import read_text_table
from layers.records.load import DEFAULT_DATA_DIR, Records

__all__ = [
    "ATTRIBUTION",
    "CITATION",
    "DEFAULT_FACILITIES_PATH",
    "FACILITIES_FILE",
    "FACILITY_COLUMNS",
    "SOURCE_ID",
    "XINJIANG_BBOX",
    "FacilityFormatError",
    "FacilityLoad",
    "Rejected",
    "default_facilities_path",
    "load_facilities",
    "site_candidates",
]

logger = logging.getLogger(__name__)

#: Attribution to show wherever the facility data is displayed or exported (CC BY 4.0).
ATTRIBUTION = "BuzzFeed News (Rajagopalan, Killing, Buschek), CC BY 4.0"

#: The source id every facility feature cites (its ``sources`` entry has no quote: the row
#: itself, with its cross-references and links, is the evidence).
SOURCE_ID = "buzzfeed-2021"

#: The citation shown for :data:`SOURCE_ID`.
CITATION = (
    "BuzzFeed News (Megha Rajagopalan, Alison Killing, Christo Buschek), \"Built to Last\" "
    "(2020), facility locations of 2021-07-20, CC BY 4.0"
)
#: Where a data directory keeps the 2021 release.
FACILITIES_FILE = Path("external") / "buzzfeed_2021" / "all_locations_2021-07-20.tsv"


def default_facilities_path(data_dir: Path | None = None) -> Path:
    """Return the facility file of ``data_dir`` (default: the repository's ``data/``)."""
    return (DEFAULT_DATA_DIR if data_dir is None else Path(data_dir)) / FACILITIES_FILE


#: The 2021 release as shipped in the repository.
DEFAULT_FACILITIES_PATH = default_facilities_path()
#: ``(lon_min, lat_min, lon_max, lat_max)`` of Xinjiang (WGS84), a little generous at the edges.
XINJIANG_BBOX: tuple[float, float, float, float] = (73.3, 34.2, 96.5, 49.3)

# Published header (stripped: the file has "ETNAM " with a trailing space) -> our column.
_RENAME: dict[str, str] = {
    "id": "id",
    "Name": "name",
    "id_sub": "id_sub",
    "Town": "town",
    "Prefecture": "prefecture",
    "lat": "lat",
    "long": "lon",
    "facility type": "facility_type",
    "corroboration level": "corroboration",
    "ETNAM": "etnam",
    "Shawn Zhang list": "shawn_zhang_list",
    "Shawn Zhang #": "shawn_zhang_no",
    "ASPI 2020 #": "aspi_no",
    "XJVDB": "xjvdb",
    "Media reports": "media",
    "Researchers": "researchers",
}
_LINKS = ("Links", "Links 2", "Links 3", "Links 4")
# Cell values that mean "no value" in the published spreadsheet.
_MISSING = frozenset({"", "#n/a", "n/a", "#na"})

#: Columns of :attr:`FacilityLoad.frame`, in order.
FACILITY_COLUMNS: tuple[str, ...] = (
    "facility_id",
    "name",
    "label",
    "id",
    "id_sub",
    "town",
    "prefecture",
    "lon",
    "lat",
    "facility_type",
    "corroboration",
    "etnam",
    "shawn_zhang_list",
    "shawn_zhang_no",
    "aspi_no",
    "xjvdb",
    "media",
    "researchers",
    "links",
    "line",
    "attribution",
)


class FacilityFormatError(LayersError, ValueError):
    """The facility file cannot be read at all (missing, not UTF-8, header unlike the README).

    Parameters
    ----------
    message : str
        The full message, naming the file and the offending value.
    path : pathlib.Path
        The file.
    """

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


class Rejected(NamedTuple):
    """A row of the facility file that could not be used.

    Attributes
    ----------
    row_number : int
        Line of the file the row is on (header = line 1).
    reason : str
        Why, naming the offending value.
    raw_row : dict of str to str
        The row as published, by header label.
    """

    row_number: int
    reason: str
    raw_row: dict[str, str]


@dataclass(frozen=True, eq=False)
class FacilityLoad:
    """What :func:`load_facilities` made of the file.

    Attributes
    ----------
    frame : pandas.DataFrame
        The usable rows, columns :data:`FACILITY_COLUMNS`: text columns as ``string`` dtype with
        ``<NA>`` for empty, ``#N/A`` or ``N/A`` cells; ``lon``/``lat`` as ``Float64``; ``links``
        pipe-separated; ``line`` the file line; ``label`` the published name or, where the row
        has none, ``"<town> (BuzzFeed #<id>)"``.
    rejected : tuple of Rejected
        Every non-blank row that could not be used, with its line and reason.
    blank_lines : tuple of int
        Line numbers of the rows with no value at all.
    path : pathlib.Path
        The file read.
    """

    frame: pd.DataFrame
    rejected: tuple[Rejected, ...] = ()
    blank_lines: tuple[int, ...] = ()
    path: Path = field(default=DEFAULT_FACILITIES_PATH)

    def summary(self) -> str:
        """Return a one-line account: rows kept, rejected and blank."""
        blanks = ", ".join(map(str, self.blank_lines)) or "none"
        return (
            f"{self.path.name}: {len(self.frame)} facilities, {len(self.rejected)} rows "
            f"rejected, {len(self.blank_lines)} blank lines ({blanks})"
        )


def _clean(cell: str) -> str | None:
    """Strip a cell; ``None`` for empty and ``#N/A``-style cells."""
    text = cell.strip()
    return None if text.casefold() in _MISSING else text


def load_facilities(path: Path = DEFAULT_FACILITIES_PATH) -> FacilityLoad:
    """Read the BuzzFeed News 2021 facility list.

    Parameters
    ----------
    path : pathlib.Path
        The tab-separated UTF-8 file (default: the copy in ``data/external/buzzfeed_2021``).

    Returns
    -------
    FacilityLoad
        Usable rows in ``frame``; the others in ``rejected`` and ``blank_lines``.

    Raises
    ------
    FacilityFormatError
        If the file is missing, not UTF-8, or its header lacks a column the README describes.
    """
    path = Path(path)
    records = read_text_table(
        path,
        subject=f"facility file {str(path)!r}",
        form="UTF-8 tab-separated text",
        error=lambda msg: FacilityFormatError(msg, path=path),
        delimiter="\t",
    )
    labels = [cell.strip() for cell in records[0].cells]
    missing = [name for name in (*_RENAME, *_LINKS) if name not in labels]
    if missing:
        msg = f"{path.name}:1: header lacks {missing!r} (header: {labels!r})"
        raise FacilityFormatError(msg, path=path)

    rows: list[dict[str, Any]] = []
    rejected: list[Rejected] = []
    blank_lines: list[int] = []
    seen: dict[str, int] = {}
    for record in records[1:]:
        if record.blank:
            blank_lines.append(record.line)
            continue
        raw = dict(zip(labels, record.cells, strict=False))
        if len(record.cells) != len(labels):
            reason = f"{len(record.cells)} cells where the header has {len(labels)}"
            rejected.append(Rejected(record.line, reason, raw))
            continue
        row, reason = _parse_row(raw)
        if row is None:
            rejected.append(Rejected(record.line, reason, raw))
            continue
        first = seen.get(row["facility_id"])
        if first is not None:
            reason = f"facility_id {row['facility_id']!r} repeats line {first}"
            rejected.append(Rejected(record.line, reason, raw))
            continue
        seen[row["facility_id"]] = record.line
        row["line"] = record.line
        rows.append(row)

    load = FacilityLoad(
        frame=_frame(rows),
        rejected=tuple(rejected),
        blank_lines=tuple(blank_lines),
        path=path,
    )
    logger.info("%s", load.summary())
    for item in rejected:
        logger.warning("%s:%d: rejected: %s", path.name, item.row_number, item.reason)
    return load


def _parse_row(raw: dict[str, str]) -> tuple[dict[str, Any] | None, str]:
    """Return ``(row, "")`` for a usable row, else ``(None, reason)``."""
    row: dict[str, Any] = {column: _clean(raw[label]) for label, column in _RENAME.items()}
    identifier = row["id"]
    if identifier is None:
        return None, "no id"
    if not identifier.isdigit():
        return None, f"id {raw['id']!r} is not a whole number"
    if row["lat"] is None or row["lon"] is None:
        return None, f"no coordinates (lat {raw['lat']!r}, long {raw['long']!r})"
    try:
        lon, lat = validate_lonlat(row["lon"], row["lat"])
    except CoordinateError as exc:
        return None, f"bad coordinates: {exc}"
    if not _in_bbox(lon, lat):
        reason = f"lat {raw['lat']!r}, long {raw['long']!r} is outside Xinjiang"
        if _in_bbox(lat, lon):
            reason += " (lat and long look swapped)"
        return None, reason
    row["lon"], row["lat"] = lon, lat
    suffix = f"-{row['id_sub']}" if row["id_sub"] else ""
    row["facility_id"] = f"bf-{identifier}{suffix}"
    links = [link for link in (_clean(raw[label]) for label in _LINKS) if link]
    row["links"] = "|".join(links) or None
    row["label"] = row["name"] or f"{row['town'] or 'Unnamed'} (BuzzFeed #{identifier})"
    row["attribution"] = ATTRIBUTION
    return row, ""


def _in_bbox(lon: float, lat: float) -> bool:
    """Whether ``(lon, lat)`` is inside :data:`XINJIANG_BBOX`."""
    west, south, east, north = XINJIANG_BBOX
    return west <= lon <= east and south <= lat <= north


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build the typed frame of usable rows (columns :data:`FACILITY_COLUMNS`)."""
    columns: dict[str, pd.Series] = {}
    for name in FACILITY_COLUMNS:
        values = [row[name] for row in rows]
        if name in ("lon", "lat"):
            columns[name] = pd.Series(values, dtype="Float64")
        elif name == "line":
            columns[name] = pd.Series(values, dtype="Int64")
        else:
            columns[name] = pd.Series(values, dtype="string")
    return pd.DataFrame(columns, columns=list(FACILITY_COLUMNS))


# ---------------------------------------------------------------------------------------------
# Candidates for testimony sites
# ---------------------------------------------------------------------------------------------

#: A geocoder as ``geo.geocode``: ``geocode(name, *, country=None) -> Place``.
GeocodeFn = Callable[..., Any]
#: A point-in-district look-up as ``geo.district_at``: ``(lons, lats) -> ids``.
DistrictAtFn = Callable[[npt.NDArray[np.float64], npt.NDArray[np.float64]], Sequence[Any]]

_FINE_PRECISIONS = frozenset({"exact", "settlement", "county"})
_CANDIDATE_COLUMNS = ("site_id", "facility_id", "district_id", "basis")


def _district_at(
    lons: npt.NDArray[np.float64], lats: npt.NDArray[np.float64]
) -> Sequence[Any]:
    """Return ``geo.district_at`` of the points (today's districts)."""
    return list(geo.district_at(lons, lats))


def site_candidates(
    records: Records,
    facilities: FacilityLoad,
    *,
    geocoder: GeocodeFn | None = None,
    district_at: DistrictAtFn | None = None,
    site_counties: Mapping[str, str | None] | None = None,
) -> pd.DataFrame:
    """List the catalogued facilities in each testimony site's county.

    A site's county comes from its place: the county the geocoder puts it in (for a place of
    precision ``exact``, ``settlement`` or ``county``), or the county containing its override
    lon/lat. A site known only to a prefecture, region or country has no county and so no
    candidates; a site outside China has none either.

    Parameters
    ----------
    records : Records
        The curated tables (``sites`` and ``places`` are read).
    facilities : FacilityLoad
        The facility list.
    geocoder, district_at : callable, optional
        Stand-ins for ``geo.geocode`` and ``geo.district_at`` (default: those).
    site_counties : mapping, optional
        Site id -> county district id (or ``None``), when the caller has already placed the
        sites; skips geocoding.

    Returns
    -------
    pandas.DataFrame
        Columns ``site_id, facility_id, district_id, basis`` (``basis`` is ``"same county"``),
        sorted by site and facility; ``string`` dtype.
    """
    locate: DistrictAtFn = district_at if district_at is not None else _district_at
    if site_counties is None:
        site_counties = _site_counties(records, geocoder or geo.geocode, locate)
    frame = facilities.frame
    if frame.empty or not site_counties:
        return _candidates([])
    lons = frame["lon"].to_numpy(dtype=np.float64)
    lats = frame["lat"].to_numpy(dtype=np.float64)
    facility_counties = list(locate(lons, lats))
    by_county: dict[str, list[str]] = {}
    for facility_id, county in zip(frame["facility_id"], facility_counties, strict=True):
        if county:
            by_county.setdefault(str(county), []).append(str(facility_id))
    outside = sum(1 for county in facility_counties if not county)
    if outside:
        logger.warning("%d facilities fall in no district; they are nobody's candidate", outside)
    rows = [
        (site_id, facility_id, county, "same county")
        for site_id, county in site_counties.items()
        if county
        for facility_id in by_county.get(county, [])
    ]
    return _candidates(sorted(rows))


def _candidates(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """Build the candidates frame from ``(site_id, facility_id, district_id, basis)`` rows."""
    frame = pd.DataFrame(rows, columns=list(_CANDIDATE_COLUMNS))
    return frame.astype("string")


def _site_counties(
    records: Records, geocoder: GeocodeFn, locate: DistrictAtFn
) -> dict[str, str | None]:
    """Return site id -> the Chinese county id its place lies in (``None`` if unknown)."""
    places = records.places.set_index("id")
    result: dict[str, str | None] = {}
    for site_id, place_id in zip(records.sites["id"], records.sites["place_id"], strict=True):
        county: str | None = None
        if pd.notna(place_id) and place_id in places.index:
            county = _county_of(places.loc[place_id], geocoder, locate)
        else:
            logger.warning("site %r has unknown place %r", site_id, place_id)
        result[str(site_id)] = county
    return result


def _county_of(place: pd.Series, geocoder: GeocodeFn, locate: DistrictAtFn) -> str | None:
    """Return the CN county id of one places row, or ``None`` when coarser or outside China."""
    if pd.notna(place["lon"]) and pd.notna(place["lat"]):
        if place["precision"] not in _FINE_PRECISIONS:
            return None
        ids = locate(np.array([place["lon"]], dtype=np.float64),
                     np.array([place["lat"]], dtype=np.float64))
        found = ids[0] if len(ids) else None
        return str(found) if found and str(found).startswith("CN-") else None
    query = place["geocode_query"] if pd.notna(place["geocode_query"]) else place["name"]
    country = place["country"] if place["country"] != "OTHER" else None
    try:
        located = geocoder(str(query), country=country)
    except GeoError as exc:
        logger.warning("place %r does not geocode (%s); its sites get no candidates", query, exc)
        return None
    district = getattr(located, "district", None)
    if located.precision not in _FINE_PRECISIONS or district is None:
        return None
    if getattr(district, "level", None) != "county" or not str(district.id).startswith("CN-"):
        return None
    return str(district.id)
