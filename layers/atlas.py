"""The atlas as the app and the export load it: records and facilities, built, made public, cached.

One path for both, so ``python -m layers export`` and the app read the same cached layers and,
for the same filters, write the same bytes: :func:`load_layers` loads the data package and the
facility list, builds the layers (:func:`layers.build.assemble.build_layers`), applies the
public view once when asked (:func:`layers.public.public_layers`) and keeps the result in the
parquet cache (:mod:`layers.build.cache`), keyed on the data files' and the code's sha256.
"""

from __future__ import annotations

from pathlib import Path

from layers.build.assemble import build_layers
from layers.build.cache import cached_layers, package_files
from layers.layerset import Layers
from layers.public import public_layers
from layers.records.facilities import CITATION as FACILITY_CITATION
from layers.records.facilities import SOURCE_ID as FACILITY_SOURCE_ID
from layers.records.facilities import default_facilities_path, load_facilities
from layers.records.load import DEFAULT_DATA_DIR, Records, load_records
from layers.render.popup import plain

__all__ = ["load_layers", "source_titles"]


def source_titles(records: Records) -> dict[str, str]:
    """Return source id -> citation, for the facility list and every curated source."""
    titles = {FACILITY_SOURCE_ID: FACILITY_CITATION}
    for row in records.sources.itertuples(index=False):
        titles[str(row.id)] = plain(row.citation) or plain(row.id)
    return titles


def load_layers(
    data_dir: Path | None = None, facilities_path: Path | None = None, *, public: bool
) -> tuple[Layers, dict[str, str]]:
    """Return the built layers (the public view when ``public``) and the source citations.

    Parameters
    ----------
    data_dir : pathlib.Path, optional
        Data package directory (default: the repository's ``data/``).
    facilities_path : pathlib.Path, optional
        Facility file (default: :func:`layers.records.facilities.default_facilities_path`).
    public : bool
        Keep only what may be published (:func:`layers.public.public_layers`).

    Raises
    ------
    layers.errors.LayersError
        If the data cannot be loaded or built; the message names the file and value.
    """
    data = DEFAULT_DATA_DIR if data_dir is None else Path(data_dir)
    path = default_facilities_path(data) if facilities_path is None else Path(facilities_path)

    def build() -> tuple[Layers, dict[str, str]]:
        records = load_records(data)
        layers = build_layers(records, load_facilities(path))
        return (public_layers(layers) if public else layers), source_titles(records)

    layers, titles = cached_layers(package_files(data, path), build, public=public)
    return layers, titles
