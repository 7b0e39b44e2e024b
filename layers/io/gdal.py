"""The one door to GDAL for files from outside: an allow-list of drivers, chosen by name and bytes.

GDAL opens a file by what its content turns out to be, not by its name. A ``.geojson`` upload
that is really a GDAL virtual dataset (``<OGRVRTDataSource>``) would be opened by the VRT
driver, and a VRT can point at any path (``CSV:/etc/passwd``) or URL (``/vsicurl/http://...``).
So a file from outside is read only when three things agree:

1. its **name** ends in a known suffix (:data:`FORMATS`);
2. its **first bytes** look like that format (:func:`sniff`): GeoJSON starts with ``{`` or
   ``[``, a GeoPackage with the SQLite header, KML with a ``<kml>`` root element (a DOCTYPE is
   refused: it is where XML entity tricks live), KMZ with a ZIP header;
3. **GDAL** reports the expected driver after opening it.

And GDAL itself is locked down once per process (:func:`lock_down`), before any outside file
is opened: every driver but GeoJSON, GPKG, KML and LIBKML is deregistered (so no VRT, CSV,
SQLite, remote or virtual driver can be reached, whatever a file contains), and the
configuration refuses remote access (``/vsicurl/`` allows no file name, SQLite's external
access and LIBKML's style fetching are off). Paths are checked too (:func:`plain_path`): a
``/vsi...`` prefix or a ``DRIVER:`` prefix is refused before GDAL sees it.

KMZ is a ZIP archive: :func:`extract_kmz` reads it with :mod:`zipfile`, caps the number of
entries and the bytes it writes (counted while streaming, not taken from the archive's
header), and hands the inner KML to the KML path above. GDAL never opens the archive.

Writing (``python -m layers export``) uses the kept drivers (GeoJSON, GPKG, KML) only.
"""

from __future__ import annotations

import ctypes
import glob
import logging
import os
import re
import threading
import zipfile
from pathlib import Path
from typing import Literal

from layers.errors import LayersError

__all__ = [
    "ALLOWED_DRIVERS",
    "FORMATS",
    "KMZ_MAX_ENTRIES",
    "UnsafeFileError",
    "extract_kmz",
    "format_of",
    "lock_down",
    "plain_path",
    "sniff",
]

logger = logging.getLogger(__name__)

Format = Literal["geojson", "gpkg", "kml", "kmz"]

#: Vector file suffixes read through GDAL, and the format each must be.
FORMATS: dict[str, Format] = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".kml": "kml",
    ".kmz": "kmz",
}

#: GDAL drivers that stay registered; each format's drivers after opening.
ALLOWED_DRIVERS: dict[str, frozenset[str]] = {
    "geojson": frozenset({"GeoJSON"}),
    "gpkg": frozenset({"GPKG"}),
    "kml": frozenset({"KML", "LIBKML"}),
}

#: Most entries a KMZ archive may hold.
KMZ_MAX_ENTRIES = 100

_KEEP = frozenset().union(*ALLOWED_DRIVERS.values())
_CONFIG = {
    # /vsicurl/ opens only this one file name, which no URL can be.
    "CPL_VSIL_CURL_ALLOWED_FILENAME": "/atlas/no-remote-access",
    "GDAL_HTTP_TIMEOUT": "1",
    "OGR_SQLITE_ALLOW_EXTERNAL_ACCESS": "NO",
    "GDAL_DISABLE_READDIR_ON_OPEN": "EMPTY_DIR",
    "LIBKML_RESOLVE_STYLE": "NO",
    "LIBKML_EXTERNAL_STYLE": "NO",
    "GDAL_VRT_ENABLE_PYTHON": "NO",
}
_PREFIX = re.compile(r"^(/vsi[a-z0-9_]*/|[A-Za-z][A-Za-z0-9_]+:)")
_SQLITE_HEADER = b"SQLite format 3\x00"
_ZIP_HEADER = b"PK\x03\x04"
_SNIFF_BYTES = 4096
_XML_SKIP = re.compile(rb"\s*(<\?xml[^>]*\?>|<!--.*?-->)", re.DOTALL)
_XML_ROOT = re.compile(rb"\s*<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")
_lock = threading.Lock()
_locked = False


class UnsafeFileError(LayersError, ValueError):
    """A file's name, bytes or path do not agree with a format the atlas reads.

    Parameters
    ----------
    message : str
        The full message, naming the file and what it looks like.
    path : str
        The file.
    """

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


def _gdal_library() -> ctypes.CDLL:
    """Return the libgdal that pyogrio has loaded (never a second copy)."""
    import pyogrio  # loads libgdal

    here = Path(pyogrio.__file__).resolve().parent
    candidates = sorted(glob.glob(str(here.parent / "pyogrio.libs" / "libgdal*")))
    if not candidates:
        from ctypes.util import find_library

        found = find_library("gdal")
        candidates = [found] if found else []
    for candidate in candidates:
        try:
            return ctypes.CDLL(candidate, mode=os.RTLD_NOLOAD | ctypes.RTLD_GLOBAL)
        except OSError:
            continue
    msg = "cannot find the GDAL library pyogrio uses, so GDAL cannot be locked down"
    raise UnsafeFileError(msg, path="")


def lock_down() -> None:
    """Deregister every GDAL driver but :data:`ALLOWED_DRIVERS` and refuse remote access.

    Idempotent and thread-safe; applies to the whole process (the app, the importer). Raises
    :class:`UnsafeFileError` when GDAL cannot be reached: then no outside file is read.
    """
    global _locked
    with _lock:
        if _locked:
            return
        import pyogrio

        lib = _gdal_library()
        lib.GDALGetDriverCount.restype = ctypes.c_int
        lib.GDALGetDriver.restype = ctypes.c_void_p
        lib.GDALGetDriver.argtypes = [ctypes.c_int]
        lib.GDALGetDriverShortName.restype = ctypes.c_char_p
        lib.GDALGetDriverShortName.argtypes = [ctypes.c_void_p]
        lib.GDALDeregisterDriver.argtypes = [ctypes.c_void_p]
        handles = [lib.GDALGetDriver(i) for i in range(lib.GDALGetDriverCount())]
        removed = 0
        for handle in handles:
            name = (lib.GDALGetDriverShortName(handle) or b"").decode("ascii", "replace")
            if name not in _KEEP:
                lib.GDALDeregisterDriver(handle)
                removed += 1
        pyogrio.set_gdal_config_options(_CONFIG)
        left = set(pyogrio.list_drivers())
        if not left <= _KEEP:
            msg = f"GDAL still offers drivers outside the allow-list: {sorted(left - _KEEP)!r}"
            raise UnsafeFileError(msg, path="")
        _locked = True
        logger.info("GDAL locked down: %d drivers removed, kept %s", removed, sorted(left))


def plain_path(path: Path) -> Path:
    """Return ``path`` resolved, if it is a plain local regular file.

    Raises
    ------
    UnsafeFileError
        If it starts with a GDAL virtual file system (``/vsicurl/``) or a driver prefix
        (``CSV:``), or is not a regular file.
    """
    text = str(path)
    if _PREFIX.match(text):
        msg = f"{text!r} names a GDAL virtual file system or driver, not a file; refused"
        raise UnsafeFileError(msg, path=text)
    resolved = Path(path).resolve()
    if _PREFIX.match(str(resolved)) or not resolved.is_file():
        msg = f"{text!r} is not a regular file"
        raise UnsafeFileError(msg, path=text)
    return resolved


def format_of(path: Path) -> Format | None:
    """Return the vector format a file name asks for, or None (not a GDAL format here)."""
    return FORMATS.get(path.suffix.lower())


def _looks_like(head: bytes) -> str:
    """Return what the first bytes of a file look like, for messages."""
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith(_SQLITE_HEADER):
        return "an SQLite database"
    if head.startswith(_ZIP_HEADER):
        return "a ZIP archive"
    if body[:1] in {b"{", b"["}:
        return "JSON"
    if body[:1] == b"<":
        root = _xml_root(body)
        return f"XML with root element <{root}>" if root else "XML"
    return "text or binary data of no format the atlas reads"


def _xml_root(body: bytes) -> str | None:
    """Return the local name of the first element, after the declaration and comments.

    ``<!DOCTYPE`` (and anything else that is not an element) gives None.
    """
    position = 0
    while match := _XML_SKIP.match(body, position):
        if match.end() == position:
            break
        position = match.end()
    root = _XML_ROOT.match(body, position)
    return root.group(2).decode("ascii", "replace") if root else None


def sniff(path: Path, expected: Format) -> None:
    """Check that the file's first bytes are of the format its name asks for.

    Raises
    ------
    UnsafeFileError
        Naming the file, its suffix and what its bytes look like.
    """
    with Path(path).open("rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    body = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if expected == "geojson":
        ok = body[:1] in {b"{", b"["}
    elif expected == "gpkg":
        ok = head.startswith(_SQLITE_HEADER)
    elif expected == "kmz":
        ok = head.startswith(_ZIP_HEADER)
    else:
        ok = body[:1] == b"<" and _xml_root(body) == "kml"
    if not ok:
        msg = (
            f"{path.name!r}: the name says {expected.upper()} but the content is "
            f"{_looks_like(head)}; refused (the atlas reads a file only when its name and its "
            "bytes agree)"
        )
        raise UnsafeFileError(msg, path=str(path))


def extract_kmz(path: Path, target: Path, *, max_bytes: int) -> Path:
    """Extract the main KML of a KMZ archive to ``target`` within size and entry limits.

    The main KML is ``doc.kml`` if present, else the first ``.kml`` entry. Its bytes are
    counted while they are written: the archive's own size fields are not trusted.

    Parameters
    ----------
    path : pathlib.Path
        The KMZ file.
    target : pathlib.Path
        Directory to write the KML into (it must exist).
    max_bytes : int
        Most bytes the KML may have once uncompressed.

    Returns
    -------
    pathlib.Path
        The extracted KML file.

    Raises
    ------
    UnsafeFileError
        If the archive is unreadable, has more than :data:`KMZ_MAX_ENTRIES` entries, no KML,
        or a KML over ``max_bytes``.
    """
    file = path.name
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > KMZ_MAX_ENTRIES:
                msg = f"{file!r} holds {len(entries)} entries, over the limit of {KMZ_MAX_ENTRIES}"
                raise UnsafeFileError(msg, path=str(path))
            kmls = [e for e in entries if e.filename.lower().endswith(".kml") and not e.is_dir()]
            if not kmls:
                msg = f"{file!r} holds no .kml file"
                raise UnsafeFileError(msg, path=str(path))
            main = next((e for e in kmls if e.filename.lower() == "doc.kml"), kmls[0])
            out = target / "doc.kml"
            written = 0
            with archive.open(main) as source, out.open("wb") as sink:
                while chunk := source.read(1 << 16):
                    written += len(chunk)
                    if written > max_bytes:
                        msg = (
                            f"{file!r}: {main.filename!r} unzips to more than "
                            f"{max_bytes / 2**20:.1f} MiB, over the limit"
                        )
                        raise UnsafeFileError(msg, path=str(path))
                    sink.write(chunk)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        msg = f"{file!r} is not a readable KMZ (ZIP) archive: {exc}"
        raise UnsafeFileError(msg, path=str(path)) from exc
    return out
