"""The geocoder's index on disk: built once per install, rebuilt when the tables or code change.

Building the name index from the shipped tables takes 1.5-2.5 s (it reads the district polygons
with geopandas to place every GeoNames entry); loading the pickled index takes ~30 ms and needs
neither geopandas nor the polygons. The file is keyed on the sha256 of the shipped tables
(gazetteer, alias table, district polygons, history table), of the modules that build the index
and of this format's version, so an edited table or rule gives a new key and a rebuild: a stale
index is never read. Writing a file keeps the two newest of other keys (another checkout may
use them) and removes the rest.

Where: ``$ATLAS_CACHE_DIR/geo`` if set (the directory ``layers``' build cache uses too), else
``$XDG_CACHE_HOME/xinjiang-atlas/geo`` (``~/.cache/...``): outside the repository, so a fresh
clone starts with none and builds it on first use. ``ATLAS_GEO_CACHE=0`` turns the file off
(the index is built in memory on every run). A file that cannot be read or written is rebuilt or
skipped with a warning; nothing fails because of the cache.

The file is a pickle: only load caches you wrote (it lives in your own cache directory).
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

__all__ = [
    "CACHE_DIR_ENV",
    "CACHE_SWITCH_ENV",
    "FORMAT_VERSION",
    "cache_dir",
    "cache_key",
    "load_or_build",
]

logger = logging.getLogger(__name__)

CACHE_DIR_ENV = "ATLAS_CACHE_DIR"
CACHE_SWITCH_ENV = "ATLAS_GEO_CACHE"
#: Bump when the pickled structure changes in a way the code hashes would not show.
FORMAT_VERSION = 1
_PREFIX = "geocode-index-"
#: Index files kept in the directory (this one and the newest others).
_KEEP = 3

T = TypeVar("T")


def cache_dir(environ: Mapping[str, str] | None = None) -> Path | None:
    """Return the directory of the index file, or None when ``ATLAS_GEO_CACHE=0``.

    Parameters
    ----------
    environ : mapping, optional
        The environment (default ``os.environ``).
    """
    env = os.environ if environ is None else environ
    if env.get(CACHE_SWITCH_ENV, "1").strip().lower() in ("0", "off", "no", "false"):
        return None
    if env.get(CACHE_DIR_ENV):
        return Path(env[CACHE_DIR_ENV]) / "geo"
    base = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"
    return base / "xinjiang-atlas" / "geo"


def cache_key(files: Iterable[Path]) -> str:
    """Return the sha256 of the format version, the Python version and the files' contents.

    A missing file counts as missing (its name with no content), so building then fails with
    the reader's own message.
    """
    digest = hashlib.sha256(
        f"geo-index-v{FORMAT_VERSION}\npython {sys.version_info[0]}.{sys.version_info[1]}\n"
        .encode()
    )
    for path in files:
        digest.update(f"\n{path.name}\n".encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<missing>")
    return digest.hexdigest()


def load_or_build(
    build: Callable[[], T], *, key: str, directory: Path | None, kind: type[T]
) -> T:
    """Return the object pickled under ``key`` in ``directory``, else build and store it.

    Parameters
    ----------
    build : callable
        Builds the object when no usable file exists.
    key : str
        :func:`cache_key` of everything the object is made from.
    directory : Path or None
        Where the file lives; None builds without a file.
    kind : type
        The type the file must hold; anything else is rebuilt.

    Returns
    -------
    object
        The loaded or built object.
    """
    if directory is None:
        return build()
    path = directory / f"{_PREFIX}{key[:32]}.pickle"
    try:
        data = path.read_bytes()
        enabled = gc.isenabled()
        gc.disable()  # the index is ~100k objects; collections during the load double its time
        try:
            stored_key, value = pickle.loads(data)
        finally:
            if enabled:
                gc.enable()
        if stored_key == key and isinstance(value, kind):
            logger.debug("geocoder index loaded from %s", path)
            return value
        logger.warning("geocoder index %s is for another key; rebuilding it", path)
    except FileNotFoundError:
        logger.info("no geocoder index at %s: building it (once)", path)
    except Exception as exc:
        logger.warning("geocoder index %s is unreadable (%s); rebuilding it", path, exc)
    value = build()
    _store(path, key, value)
    return value


def _store(path: Path, key: str, value: object) -> None:
    """Write ``(key, value)`` atomically and remove the files of other keys."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                pickle.dump((key, value), fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        logger.warning("geocoder index not written to %s (%s); it is rebuilt next run", path, exc)
        return
    try:
        others = sorted(
            (p for p in path.parent.glob(f"{_PREFIX}*.pickle") if p != path),
            key=lambda p: p.stat().st_mtime,
            reverse=True,
        )
        for old in others[_KEEP - 1 :]:  # other checkouts may still use the newest few
            old.unlink(missing_ok=True)
    except OSError as exc:  # another process pruned or wrote at the same time
        logger.debug("old geocoder indexes not pruned (%s)", exc)
    logger.info("geocoder index written to %s", path)
