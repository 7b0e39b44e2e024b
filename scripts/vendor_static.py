"""Refresh the vendored Leaflet files in ``static/`` from the npm registry.

Run from the repository root::

    .venv/bin/python scripts/vendor_static.py          # fetch, check, extract, write VENDORED.md
    .venv/bin/python scripts/vendor_static.py --check  # only verify static/ against VENDORED.md

Each package is fetched with ``npm pack NAME@VERSION`` (the ordinary npm client, so the registry
and any proxy configured for npm are used), its tarball's sha512 integrity is compared with the
one pinned below, and only the files the atlas serves are extracted (with the licence file).
``static/VENDORED.md`` records package, version, tarball integrity and the sha256 of every file.
The app serves ``static/`` at ``/app/static/...`` (``.streamlit/config.toml``:
``enableStaticServing``); nothing is loaded from a CDN.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "static"
MANIFEST = STATIC / "VENDORED.md"


@dataclass(frozen=True)
class Package:
    """One npm package to vendor: which files of its tarball go where."""

    name: str
    version: str
    licence: str
    integrity: str
    directory: str
    files: tuple[tuple[str, str], ...]  # (path in tarball, path under static/<directory>/)


PACKAGES = (
    Package(
        name="leaflet",
        version="1.9.4",
        licence="BSD-2-Clause",
        integrity="sha512-nxS1ynzJOmOlHp+iL3FyWqK89GtNL8U8rvlMOsQdTTssxZwCXh8N2NB3GDQOL+YR3XnWyZAxwQixURb+FA74PA==",
        directory="leaflet",
        files=(
            ("package/dist/leaflet.js", "leaflet.js"),
            ("package/dist/leaflet.css", "leaflet.css"),
            ("package/dist/images/layers.png", "images/layers.png"),
            ("package/dist/images/layers-2x.png", "images/layers-2x.png"),
            ("package/dist/images/marker-icon.png", "images/marker-icon.png"),
            ("package/dist/images/marker-icon-2x.png", "images/marker-icon-2x.png"),
            ("package/dist/images/marker-shadow.png", "images/marker-shadow.png"),
            ("package/LICENSE", "LICENSE"),
        ),
    ),
    Package(
        name="leaflet.markercluster",
        version="1.5.3",
        licence="MIT",
        integrity="sha512-vPTw/Bndq7eQHjLBVlWpnGeLa3t+3zGiuM7fJwCkiMFq+nmRuG3RI3f7f4N4TDX7T4NpbAXpR2+NTRSEGfCSeA==",
        directory="leaflet.markercluster",
        files=(
            ("package/dist/leaflet.markercluster.js", "leaflet.markercluster.js"),
            ("package/dist/MarkerCluster.css", "MarkerCluster.css"),
            ("package/dist/MarkerCluster.Default.css", "MarkerCluster.Default.css"),
            ("package/MIT-LICENCE.txt", "MIT-LICENCE.txt"),
        ),
    ),
    Package(
        name="leaflet.featuregroup.subgroup",
        version="1.0.2",
        licence="BSD-2-Clause",
        integrity="sha512-9nCVg8nUe686+BtPbUT7ALOe/IA+8Mum+rkA8pfPpCkH0WvKevRrH+JMcMTjAoNQKVI0uxrWrLV5w298SS3ESA==",
        directory="leaflet.featuregroup.subgroup",
        files=(
            (
                "package/dist/leaflet.featuregroup.subgroup.js",
                "leaflet.featuregroup.subgroup.js",
            ),
            ("package/LICENSE", "LICENSE"),
        ),
    ),
)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _integrity(path: Path) -> str:
    digest = hashlib.sha512(path.read_bytes()).digest()
    return "sha512-" + base64.b64encode(digest).decode("ascii")


def _pack(package: Package, workdir: Path) -> Path:
    spec = f"{package.name}@{package.version}"
    out = subprocess.run(
        ["npm", "pack", spec, "--json", "--pack-destination", str(workdir)],
        check=True,
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    filename = json.loads(out.stdout)[0]["filename"]
    tarball = workdir / filename
    got = _integrity(tarball)
    if got != package.integrity:
        msg = f"{spec}: tarball integrity {got!r} differs from the pinned {package.integrity!r}"
        raise SystemExit(msg)
    return tarball


def _extract(package: Package, tarball: Path) -> None:
    target = STATIC / package.directory
    with tarfile.open(tarball) as tar:
        for member_name, relative in package.files:
            member = tar.getmember(member_name)
            data = tar.extractfile(member)
            if data is None:
                msg = f"{package.name}: {member_name!r} is not a regular file"
                raise SystemExit(msg)
            out = target / relative
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data.read())


def _manifest() -> str:
    lines = [
        "# Vendored static files",
        "",
        "Written by `scripts/vendor_static.py` (do not edit by hand). Each package comes from the",
        "npm registry via `npm pack NAME@VERSION`; the tarball's integrity is checked against the",
        "value pinned in the script. The app serves this folder at `/app/static/...`.",
        "",
        "| package | version | licence | tarball integrity |",
        "|---|---|---|---|",
    ]
    for p in PACKAGES:
        lines.append(f"| {p.name} | {p.version} | {p.licence} | `{p.integrity}` |")
    lines += ["", "| file | sha256 |", "|---|---|"]
    for p in PACKAGES:
        for _, relative in p.files:
            path = STATIC / p.directory / relative
            lines.append(f"| `{p.directory}/{relative}` | `{_sha256(path)}` |")
    lines += [
        "",
        "Our own files in `static/atlas/` (the map's script and style) are not vendored and are",
        "covered by the project's licence.",
        "",
    ]
    return "\n".join(lines)


def check() -> list[str]:
    """Return the problems found comparing ``static/`` with ``static/VENDORED.md``."""
    problems = []
    text = MANIFEST.read_text(encoding="utf-8") if MANIFEST.exists() else ""
    for p in PACKAGES:
        for _, relative in p.files:
            path = STATIC / p.directory / relative
            if not path.exists():
                problems.append(f"missing {path}")
                continue
            row = f"| `{p.directory}/{relative}` | `{_sha256(path)}` |"
            if row not in text:
                problems.append(f"{path} does not match its sha256 in {MANIFEST.name}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Fetch, verify and extract every package, or only check with ``--check``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify static/")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    with tempfile.TemporaryDirectory() as tmp:
        for package in PACKAGES:
            tarball = _pack(package, Path(tmp))
            _extract(package, tarball)
            print(f"vendored {package.name}@{package.version}")
    MANIFEST.write_text(_manifest(), encoding="utf-8")
    print(f"wrote {MANIFEST.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
