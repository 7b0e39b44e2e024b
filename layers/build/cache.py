"""A parquet cache of the built layers, rebuilt when the data, the facilities or the code change.

Building the layers of 100,000 records takes ~15-25 s (reading, geocoding, district lookup,
public view); reading them back from parquet well under that (see the README's "Performance").
:func:`cached_layers` returns the cached layers when the key matches, else builds, stores
and returns them.

The key is the sha256 of: the cache format version, the view (public or curator), the
content of ``datapackage.json``, of every CSV it names and of the facility file, and of the
code and data that shape the layers (``layers/*.py``, ``geo/*.py``, ``geo/data/*``). Any
edit to any of them gives a new key; when an entry is written, only the four newest stay.

One entry is a directory ``<cache_dir>/<key>/`` holding one GeoParquet file per layer,
``pool.parquet`` and ``manifest.json`` (source citations, and how each column was stored).
Parquet holds scalar columns as they are and shapely geometries in other columns as WKB.
Nested cells are JSON text (tuples tagged so they come back as tuples): a column whose
cells are lists (``sources``, ``aliases``...) stores, per cell, the indices of its items in
the entry's pool of distinct items (``pool.parquet``: one JSON array), so an item cited by
several features is stored and decoded once; other nested cells are one JSON text each. A
layer reads back equal to the one built. A missing or unreadable entry is rebuilt
(logged), never half-used.

Reading is most of the app's first page load (100k records: 1.6 s with one JSON text per
cell and the collector on, ~0.55 s now; see :func:`read_layers`).
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pyproj
import shapely

from layers.errors import LayersError
from layers.layerset import LAYER_NAMES, Layers

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
CACHE_VERSION = 2
#: Environment variable naming the cache directory (default: ``$XDG_CACHE_HOME`` or
#: ``~/.cache``, then ``xinjiang-atlas``).
CACHE_DIR_ENV = "ATLAS_CACHE_DIR"

_REPO = Path(__file__).resolve().parents[2]
_TUPLE = "\u0000tuple"
_POOL_FILE = "pool.parquet"


class CacheError(LayersError, RuntimeError):
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
    files = sorted((repo / "layers").rglob("*.py")) + sorted((repo / "geo").glob("*.py"))
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
            name = path.relative_to(repo) if label == "code" else path.name
            digest.update(f"{label}:{name}\n".encode())
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


def _dumps(value: Any) -> str:
    return json.dumps(_tag(value), ensure_ascii=False, separators=(",", ":"))


class _Pool:
    """The distinct items of every list cell of an entry, each stored once as JSON text.

    A quote cited by a site, a witness and a detention is one item, not three: at 100k
    records the 192k ``sources`` items are 66k distinct ones (18 of 47 MB of JSON), and
    decoding is most of reading. Cells store the items' indices; read back, equal items are
    one shared object (as :class:`~layers.layerset.Layers` allows: read-only).
    """

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def add(self, value: Any) -> int:
        return self.index.setdefault(_dumps(value), len(self.index))

    def text(self) -> str:
        return "[" + ",".join(self.index) + "]"


def _encode_column(series: pd.Series, pool: _Pool) -> tuple[str, pd.Series]:
    """Return how an object column is stored and its stored values.

    ``wkb``: shapely geometries as WKB. ``pooled``: every cell a list (or missing), stored
    as the indices of its items in ``pool``. ``json``: other nested cells (dicts, tuples),
    one JSON text each. ``plain``: anything else, as it is.
    """
    values = series.tolist()
    present = [v for v in values if v is not None and v is not pd.NA]
    if any(isinstance(v, shapely.Geometry) for v in present):
        wkb = shapely.to_wkb(np.array(values, dtype=object))
        return "wkb", pd.Series(list(wkb), index=series.index, dtype=object)
    if present and all(type(v) is list for v in present):
        cells = [None if v is None or v is pd.NA else [pool.add(x) for x in v] for v in values]
        return "pooled", pd.Series(cells, index=series.index, dtype=object)
    if any(isinstance(v, (list, dict, tuple)) for v in present):
        # One dumps per cell keeps each cell's text; the column is joined only when read.
        text = [None if v is None else _dumps(v) for v in values]
        return "json", pd.Series(text, index=series.index, dtype=object)
    return "plain", series


def _decode_column(
    kind: str, values: pa.ChunkedArray, pool: npt.NDArray[np.object_]
) -> npt.NDArray[np.object_]:
    """Return the object column stored as ``kind``, straight from its Arrow values."""
    decoded = np.empty(len(values), dtype=object)
    if kind == "wkb":
        return shapely.from_wkb(values.to_numpy(zero_copy_only=False))
    if kind == "pooled":
        if pa.types.is_null(values.type):  # every cell missing
            return decoded
        cells = values.combine_chunks()
        bounds = cells.offsets.to_numpy().tolist()
        items = pool[cells.values.to_numpy()] if len(cells.values) else pool[:0]
        valid = cells.is_valid().to_numpy(zero_copy_only=False)
        decoded[:] = [
            items[start:end].tolist() if ok else None
            for start, end, ok in zip(bounds[:-1], bounds[1:], valid, strict=True)
        ]
        return decoded
    if kind == "json":
        # One parse of the whole column: ~20x faster than a json.loads per cell.
        texts = values.to_pylist()
        joined = "[" + ",".join("null" if v is None else v for v in texts) + "]"
        decoded[:] = json.loads(joined, object_hook=_untag)
        return decoded
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type) or (
        pa.types.is_null(values.type)
    ):  # text straight to Python str, missing as None (an all-empty column is type null)
        return values.to_numpy(zero_copy_only=False)
    decoded[:] = values.to_pylist()  # numbers in an object column: None, not NaN
    return decoded


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Switch the cyclic garbage collector off while the body runs (on again after).

    Decoding builds a few million containers at once; with the collector on, each
    generation-2 pass walks everything alive again, which cost twice the decoding itself
    (100k records: 0.85 s instead of 0.3 s for the JSON columns). Nothing decoded is garbage.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


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
        pool = _Pool()
        for name, frame in layers.items():
            stored = frame.copy()
            kinds: dict[str, str] = {}
            for column in frame.columns:
                if column == frame.geometry.name:
                    continue
                dtype = str(frame[column].dtype)
                kind = "plain"
                if dtype == "object":
                    kind, stored[column] = _encode_column(frame[column], pool)
                kinds[column] = f"{kind}:{dtype}"
            columns[name] = {"order": list(frame.columns), "kinds": kinds,
                             "geometry": frame.geometry.name,
                             "crs": frame.crs.to_string() if frame.crs else None,
                             "attrs": frame.attrs}
            stored.to_parquet(staging / f"{name}.parquet", index=False)
        manifest["layers"] = columns
        # The pool's JSON array as one zstd-compressed text cell: 25 MB of JSON at 100k
        # records becomes 2 MB on disk and reads back faster than the plain file.
        pool_table = pa.table({"items": pa.array([pool.text()], type=pa.large_string())})
        pq.write_table(pool_table, staging / _POOL_FILE, compression="zstd")
        (staging / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False), encoding="utf-8"
        )
        if directory.exists():
            shutil.rmtree(directory)
        staging.rename(directory)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)


def _read_frame(
    path: Path, info: dict[str, Any], crs: dict[str, pyproj.CRS], pool: npt.NDArray[np.object_]
) -> gpd.GeoDataFrame:
    """Return one layer's frame from its parquet file and its manifest ``info``.

    The file is read with pyarrow and each column converted once, to what was built: object
    columns straight from Arrow (no pandas string dtype on the way), other columns through
    pandas' own metadata. ``crs`` memoises the CRS objects, so six layers parse one CRS.
    """
    # ParquetFile, not read_table: read_table goes through pyarrow.dataset, whose first
    # import and set-up cost ~0.2 s of the first page load; the file is one plain table.
    with pq.ParquetFile(path) as parquet:
        table = parquet.read()
    geometry = info["geometry"]
    kinds = {c: spec.split(":", 1) for c, spec in info["kinds"].items()}
    typed = [c for c, (_, dtype) in kinds.items() if dtype != "object"]
    frame = table.select(typed).to_pandas() if typed else pd.DataFrame(index=range(len(table)))
    columns: dict[str, Any] = {}
    for column in info["order"]:
        if column == geometry:
            continue
        kind, dtype = kinds[column]
        if dtype == "object":
            # dtype=object: pandas 3 would infer its own string dtype from the str values
            values = _decode_column(kind, table.column(column), pool)
            columns[column] = pd.Series(values, dtype=object, copy=False)
        elif str(frame[column].dtype) != dtype:
            columns[column] = frame[column].astype(dtype)
        else:
            columns[column] = frame[column]
    name = info["crs"]
    if name is not None and name not in crs:
        crs[name] = pyproj.CRS.from_user_input(name)
    geoms = gpd.array.from_wkb(
        table.column(geometry).to_numpy(zero_copy_only=False),
        crs=crs[name] if name is not None else None,
    )
    columns[geometry] = geoms
    out = gpd.GeoDataFrame(
        pd.DataFrame({c: columns[c] for c in info["order"]}, copy=False), geometry=geometry
    )
    out.attrs.update(info.get("attrs") or {})
    return out


def read_layers(directory: Path) -> tuple[Layers, dict[str, str]]:
    """Return the layers and citations stored in ``directory``.

    The pool is decoded first (one ``json.loads``), then each layer's columns straight from
    Arrow, with the cyclic garbage collector paused (:func:`_gc_paused`).

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
    crs: dict[str, pyproj.CRS] = {}
    with _gc_paused():
        pool_path = directory / _POOL_FILE
        try:
            with pq.ParquetFile(pool_path) as parquet:
                text = parquet.read().column("items")[0].as_py()
            items = json.loads(text, object_hook=_untag)
        except (OSError, ValueError, KeyError, IndexError, pa.ArrowException) as exc:
            msg = f"cache file {str(pool_path)!r} cannot be read: {exc!r}"
            raise CacheError(msg, path=pool_path) from None
        pool = np.empty(len(items), dtype=object)
        pool[:] = items
        for name in LAYER_NAMES:
            info = manifest["layers"].get(name)
            path = directory / f"{name}.parquet"
            if info is None:
                msg = f"cache entry {str(directory)!r} has no layer {name!r}"
                raise CacheError(msg, path=manifest_path)
            try:
                frames[name] = _read_frame(path, info, crs, pool)
            except (
                OSError, ValueError, KeyError, IndexError, pa.ArrowException,
                pyproj.exceptions.CRSError, shapely.errors.ShapelyError,
            ) as exc:
                msg = f"cache file {str(path)!r} cannot be read: {exc!r}"
                raise CacheError(msg, path=path) from None
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
    # Hand out what the cache holds, so a run that built the layers works on the same
    # column types as every later run that reads them (the build's columns are partly Python
    # objects: the 100k map payload took 0.52 s from them against 0.33 s from the cache).
    try:
        return read_layers(entry)
    except CacheError as exc:
        logger.warning("using the built layers: the new cache entry is unreadable: %s", exc)
        return layers, titles
