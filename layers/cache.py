"""A parquet cache of the built layers, rebuilt when the data, the facilities or the code change.

Building the layers of 100,000 records takes ~15-25 s (reading, geocoding, district lookup,
public view); reading them back from parquet well under that (see the README's "Performance").
:func:`cached_layers` returns the cached layers when the key matches, else builds, stores
and returns them.

The key is the sha256 of: the cache format version, the view (public or curator), the
content of ``datapackage.json``, of every CSV it names and of the facility file, and of the
code and data that shape the layers (``layers/*.py``, ``geo/*.py``, ``geo/data/*``). Any
edit to any of them gives a new key; when an entry is written, only the four newest stay.

One entry is a directory ``<cache_dir>/<key>/`` holding one GeoParquet file per layer and
``manifest.json`` (source citations, and how each column was stored). Parquet holds scalar
columns as they are; nested cells (lists, dicts, tuples: ``sources``, ``aliases``...) are
stored as JSON text (tuples tagged so they come back as tuples) and shapely geometries in
other columns as WKB, so a layer reads back equal to the one built. A missing or unreadable
entry is rebuilt (logged), never half-used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from layers._layerset import LAYER_NAMES, Layers

__all__ = [
    "CACHE_DIR_ENV",
    "CACHE_VERSION",
    "CacheError",
    "cache_key",
    "cached_layers",
    "default_cache_dir",
    "read_layers",
    "write_layers",
]

logger = logging.getLogger(__name__)

#: Bump when the stored layout changes.
CACHE_VERSION = 1
#: Environment variable naming the cache directory (default: ``$XDG_CACHE_HOME`` or
#: ``~/.cache``, then ``xinjiang-atlas``).
CACHE_DIR_ENV = "ATLAS_CACHE_DIR"

_REPO = Path(__file__).resolve().parent.parent
_TUPLE = "\u0000tuple"


class CacheError(RuntimeError):
    """A cache entry cannot be read back as it was written.

    Parameters
    ----------
    message : str
        The full message, naming the entry and the problem.
    path : pathlib.Path
        The entry's directory or file.
    """

    def __init__(self, message: str, *, path: Path) -> None:
        super().__init__(message)
        self.path = path


def default_cache_dir(environ: dict[str, str] | None = None) -> Path:
    """Return ``$ATLAS_CACHE_DIR``, else ``$XDG_CACHE_HOME/xinjiang-atlas`` (``~/.cache``)."""
    env = dict(os.environ) if environ is None else environ
    if env.get(CACHE_DIR_ENV):
        return Path(env[CACHE_DIR_ENV])
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "xinjiang-atlas"


def _code_files(repo: Path) -> list[Path]:
    files = sorted((repo / "layers").glob("*.py")) + sorted((repo / "geo").glob("*.py"))
    data = repo / "geo" / "data"
    if data.is_dir():
        files += sorted(p for p in data.rglob("*") if p.is_file())
    return files


def package_files(data_dir: Path, facilities_path: Path | None) -> list[Path]:
    """Return ``datapackage.json``, every file its resources name and the facility file."""
    descriptor_path = Path(data_dir) / "datapackage.json"
    files = [descriptor_path]
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        descriptor = {}
    for resource in descriptor.get("resources", []):
        if isinstance(resource.get("path"), str):
            files.append(Path(data_dir) / resource["path"])
    if facilities_path is not None:
        files.append(Path(facilities_path))
    return files


def cache_key(files: Iterable[Path], *, public: bool, repo: Path = _REPO) -> str:
    """Return the sha256 key of ``files``' names and contents, the view and the code.

    A file that does not exist counts as missing (the build will say why it cannot run).
    """
    digest = hashlib.sha256(f"atlas-cache-v{CACHE_VERSION}\npublic={public}\n".encode())
    for label, paths in (("data", list(files)), ("code", _code_files(repo))):
        for path in paths:
            digest.update(f"{label}:{path.name}\n".encode())
            try:
                digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
            except FileNotFoundError:
                digest.update(b"missing")
    return digest.hexdigest()


def _tag(value: Any) -> Any:
    """Return ``value`` with tuples tagged and numpy/pandas scalars as Python values."""
    if isinstance(value, tuple):
        return {_TUPLE: [_tag(v) for v in value]}
    if isinstance(value, list):
        return [_tag(v) for v in value]
    if isinstance(value, dict):
        return {k: _tag(v) for k, v in value.items()}
    if value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        return value.item()
    return value


def _untag(value: dict[str, Any]) -> Any:
    if len(value) == 1 and _TUPLE in value:
        return tuple(value[_TUPLE])
    return value


def _encode_column(series: pd.Series) -> tuple[str, pd.Series]:
    """Return how an object column is stored (``plain``, ``json``, ``wkb``) and its values."""
    values = series.tolist()
    present = [v for v in values if v is not None and v is not pd.NA]
    if any(isinstance(v, shapely.Geometry) for v in present):
        wkb = shapely.to_wkb(np.array(values, dtype=object))
        return "wkb", pd.Series(list(wkb), index=series.index, dtype=object)
    if any(isinstance(v, (list, dict, tuple)) for v in present):
        # One dumps per cell keeps each cell's text; the column is joined only when read.
        text = [None if v is None else json.dumps(_tag(v), ensure_ascii=False) for v in values]
        return "json", pd.Series(text, index=series.index, dtype=object)
    return "plain", series


def _decode_column(kind: str, series: pd.Series) -> pd.Series:
    values = series.tolist()
    decoded: list[Any]
    if kind == "wkb":
        decoded = list(shapely.from_wkb(np.array(values, dtype=object)))
    elif kind == "json":
        # One parse of the whole column: ~20x faster than a json.loads per cell.
        joined = "[" + ",".join("null" if v is None else v for v in values) + "]"
        decoded = json.loads(joined, object_hook=_untag)
    else:  # an all-empty text column reads back as float NaN: missing is None, as built
        decoded = [None if v is None or v is pd.NA or v != v else v for v in values]
    return pd.Series(decoded, index=series.index, dtype=object)


def write_layers(
    directory: Path, layers: Layers, source_titles: dict[str, str]
) -> None:
    """Write ``layers`` and the citations to ``directory`` (created; replaced atomically).

    Raises
    ------
    OSError
        If the directory cannot be written.
    """
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".writing-", dir=directory.parent))
    try:
        manifest: dict[str, Any] = {"version": CACHE_VERSION, "titles": source_titles}
        columns: dict[str, Any] = {}
        for name, frame in layers.items():
            stored = frame.copy()
            kinds: dict[str, str] = {}
            for column in frame.columns:
                if column == frame.geometry.name:
                    continue
                dtype = str(frame[column].dtype)
                kind = "plain"
                if dtype == "object":
                    kind, stored[column] = _encode_column(frame[column])
                kinds[column] = f"{kind}:{dtype}"
            columns[name] = {"order": list(frame.columns), "kinds": kinds,
                             "crs": frame.crs.to_string() if frame.crs else None,
                             "attrs": frame.attrs}
            stored.to_parquet(staging / f"{name}.parquet", index=False)
        manifest["layers"] = columns
        (staging / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False), encoding="utf-8"
        )
        if directory.exists():
            shutil.rmtree(directory)
        staging.rename(directory)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def read_layers(directory: Path) -> tuple[Layers, dict[str, str]]:
    """Return the layers and citations stored in ``directory``.

    Raises
    ------
    CacheError
        If the entry is missing, from another format version, or a file cannot be read.
    """
    directory = Path(directory)
    manifest_path = directory / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        msg = f"cache entry {str(directory)!r} has no readable manifest.json: {exc}"
        raise CacheError(msg, path=manifest_path) from None
    if manifest.get("version") != CACHE_VERSION:
        msg = (
            f"cache entry {str(directory)!r} is format {manifest.get('version')!r}, "
            f"not {CACHE_VERSION!r}"
        )
        raise CacheError(msg, path=manifest_path)
    frames: dict[str, gpd.GeoDataFrame] = {}
    for name in LAYER_NAMES:
        info = manifest["layers"].get(name)
        path = directory / f"{name}.parquet"
        if info is None:
            msg = f"cache entry {str(directory)!r} has no layer {name!r}"
            raise CacheError(msg, path=manifest_path)
        try:
            frame = gpd.read_parquet(path)
        except (OSError, ValueError) as exc:
            msg = f"cache file {str(path)!r} cannot be read: {exc}"
            raise CacheError(msg, path=path) from None
        for column, spec in info["kinds"].items():
            kind, dtype = spec.split(":", 1)
            if dtype == "object":
                frame[column] = _decode_column(kind, frame[column])
            elif str(frame[column].dtype) != dtype:
                frame[column] = frame[column].astype(dtype)
        frame = frame[info["order"]]
        frame.attrs.update(info.get("attrs") or {})
        frames[name] = frame
    return Layers(**frames), dict(manifest["titles"])


def cached_layers(
    files: Iterable[Path],
    build: Callable[[], tuple[Layers, dict[str, str]]],
    *,
    public: bool,
    cache_dir: Path | None = None,
    keep: int = 4,
) -> tuple[Layers, dict[str, str]]:
    """Return the layers and citations from the cache, or build and store them.

    Parameters
    ----------
    files : iterable of pathlib.Path
        The data files the layers are built from (:func:`package_files`).
    build : callable
        Builds ``(layers, source_titles)`` when the cache has no entry for the key.
    public : bool
        Which view ``build`` makes (part of the key).
    cache_dir : pathlib.Path, optional
        Default :func:`default_cache_dir`.
    keep : int
        Entries kept (the most recently written); older ones are deleted.

    Returns
    -------
    (Layers, dict)
        Equal to what ``build()`` returns.
    """
    root = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = cache_key(files, public=public)
    entry = root / key
    if (entry / "manifest.json").exists():
        try:
            layers, titles = read_layers(entry)
        except CacheError as exc:
            logger.warning("rebuilding the layers: %s", exc)
        else:
            logger.info("layers read from the cache %s", entry)
            return layers, titles
    layers, titles = build()
    try:
        write_layers(entry, layers, titles)
    except OSError as exc:
        logger.warning("could not write the layer cache %s: %s", entry, exc)
        return layers, titles
    entries = [p for p in root.iterdir() if p.is_dir() and len(p.name) == 64]
    entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    logger.info("layers built and cached in %s", entry)
    return layers, titles
