"""Time ``layers.io.importer.import_file`` on large synthetic facility lists.

Usage: ``.venv/bin/python benchmarks/bench_import.py [--rows N]``. Writes, in a temporary
directory, a CSV of N facilities with coordinates spread over Xinjiang (one row in 50 with a
defect: swapped pair, ``#N/A`` without a place name, a duplicate id) and the same points as a
GeoJSON and a GeoPackage, then times a ``check`` and a real import of each into an empty data
directory. Prints one line per step: file size, seconds, rows per second, counts. The figures
depend on the machine; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pyogrio
from shapely.geometry import Point

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from layers.io.importer import import_file

ROOT = Path(__file__).resolve().parent.parent


def _write_csv(path: Path, rows: int, rng: random.Random) -> list[tuple[float, float]]:
    points = []
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "name", "town", "lat", "long", "status"])
        for i in range(rows):
            lon, lat = rng.uniform(75, 95), rng.uniform(36, 48)
            points.append((lon, lat))
            ident, lat_text, lon_text = str(i), repr(lat), repr(lon)
            defect = i % 50
            if defect == 1:
                lat_text, lon_text = lon_text, lat_text
            elif defect == 2:
                lat_text = lon_text = "#N/A"
            elif defect == 3:
                ident = str(i - 1)
            writer.writerow([ident, f"Camp {i} – test", "", lat_text, lon_text, "corroborated"])
    return points


def _time(label: str, path: Path, data: Path, **kwargs: object) -> None:
    start = time.perf_counter()
    report = import_file(path, data_dir=data, **kwargs)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    size = path.stat().st_size / 2**20
    print(
        f"{label:<28} {size:7.1f} MiB {seconds:7.2f} s {report.read / seconds:9.0f} rows/s  "
        f"read {report.read} accepted {report.accepted} flagged {report.flagged} "
        f"rejected {report.rejected}"
    )


def main() -> None:
    """Build the files and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(20201126)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        data = base / "data"
        data.mkdir()
        (data / "datapackage.json").write_bytes((ROOT / "data" / "datapackage.json").read_bytes())
        csv_path = base / "big.csv"
        points = _write_csv(csv_path, args.rows, rng)
        frame = gpd.GeoDataFrame(
            {
                "id": [str(i) for i in range(len(points))],
                "name": [f"camp {i}" for i in range(len(points))],
            },
            geometry=[Point(p) for p in points],
            crs="EPSG:4326",
        )
        geojson, gpkg = base / "big.geojson", base / "big.gpkg"
        pyogrio.write_dataframe(frame, geojson, driver="GeoJSON")
        pyogrio.write_dataframe(frame, gpkg, driver="GPKG")
        for path in (csv_path, geojson, gpkg):
            _time(f"{path.suffix[1:]} check", path, data, check=True, source_id="b", replace=True)
            _time(f"{path.suffix[1:]} import", path, data, source_id="b", replace=True)


if __name__ == "__main__":
    main()
