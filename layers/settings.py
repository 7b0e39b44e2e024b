"""The app's settings, in one typed table, and the error a bad setting or URL value raises.

Every environment variable the app reads is a :class:`Setting` in :data:`SETTINGS`, documented
in the README (``tests/test_docs.py`` checks that each is). :func:`setting` reads one;
:func:`data_paths` and :func:`public_mode` interpret the ones that name files and the view.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from layers.errors import LayersError
from layers.records.facilities import default_facilities_path

__all__ = [
    "SETTINGS",
    "BadParameterError",
    "Setting",
    "data_paths",
    "public_mode",
    "setting",
]


@dataclass(frozen=True)
class Setting:
    """One environment setting of the app."""

    name: str
    default: str
    help: str


#: Every environment setting the app reads.
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "ATLAS_DATA_DIR",
        "",
        "Data package directory (default: the repository's data/); tests point it at "
        "tests/fixtures/small.",
    ),
    Setting(
        "ATLAS_FACILITIES",
        "",
        "BuzzFeed facility TSV (default: DATA_DIR/external/buzzfeed_2021/"
        "all_locations_2021-07-20.tsv).",
    ),
    Setting(
        "ATLAS_PUBLIC",
        "1",
        "1 (default): show and download only what may be published (no private records; "
        "restricted people without names, quotes or exact homes). 0: everything, for curators.",
    ),
    Setting(
        "ATLAS_BASEMAP",
        "offline",
        "'offline' (district polygons only) or 'osm' (adds OpenStreetMap tiles: online, "
        "tells openstreetmap.org what is looked at).",
    ),
    Setting(
        "ATLAS_MAX_UPLOAD_MB",
        "20",
        "Largest file a user may upload as a session-only overlay, in MB. Streamlit's own "
        "limit is `[server] maxUploadSize` in .streamlit/config.toml (also 20): raise both.",
    ),
    Setting(
        "ATLAS_MAX_UPLOAD_FEATURES",
        "50000",
        "Most rows (CSV/TSV) or features (GeoJSON, GeoPackage, KML) an upload may have.",
    ),
)


class BadParameterError(LayersError, ValueError):
    """A setting or a URL parameter has a value the app cannot use.

    Parameters
    ----------
    message : str
        The full message, naming the parameter and its value.
    name, value : str
        The parameter and the offending value.
    """

    def __init__(self, message: str, *, name: str, value: str) -> None:
        super().__init__(message)
        self.name = name
        self.value = value


def setting(name: str, environ: Mapping[str, str] | None = None) -> str:
    """Return the value of a :data:`SETTINGS` entry from ``environ`` (default ``os.environ``).

    Raises
    ------
    KeyError
        If ``name`` is not a known setting.
    """
    known = {s.name: s for s in SETTINGS}
    if name not in known:
        msg = f"unknown setting {name!r}"
        raise KeyError(msg)
    env = os.environ if environ is None else environ
    return env.get(name, "") or known[name].default


def data_paths(environ: Mapping[str, str] | None = None) -> tuple[Path | None, Path | None]:
    """Return the data directory and facility file the settings name (None: the default)."""
    data = setting("ATLAS_DATA_DIR", environ)
    facilities = setting("ATLAS_FACILITIES", environ)
    data_dir = Path(data) if data else None
    if facilities:
        return data_dir, Path(facilities)
    if data_dir is not None:
        return data_dir, default_facilities_path(data_dir)
    return None, None


def public_mode(environ: Mapping[str, str] | None = None) -> bool:
    """Return whether the app shows the public view (``ATLAS_PUBLIC``, default 1).

    Raises
    ------
    BadParameterError
        If the setting is neither 0 nor 1.
    """
    value = setting("ATLAS_PUBLIC", environ).strip()
    if value not in {"0", "1"}:
        msg = f"ATLAS_PUBLIC={value!r} is neither 0 nor 1"
        raise BadParameterError(msg, name="ATLAS_PUBLIC", value=value)
    return value == "1"
