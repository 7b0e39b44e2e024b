"""Time the map: our path from loaded layers to map HTML against ``GeoDataFrame.explore()``.

    .venv/bin/python benchmarks/bench_map.py --sizes 1000,10000,100000 --json OUT [--repeat 3]

For each size a synthetic package (``benchmarks/synth.py``, kept under ``--work``) is loaded
the way the app loads it (:func:`layers.view.load_atlas`: records, validation-free build,
public view), then, on the same filtered records (years 2016-2020, undated included):

- ``filter_s``: :func:`layers.filters.filter_layers`;
- ``ours_s`` / ``ours_bytes``: filter + :func:`layers.render.draw.map_payload` (the mode the app
  would choose) + :func:`layers.render.draw.map_from_payload` + ``get_root().render()``, and the
  HTML's size in bytes (what ``st_folium`` sends over the websocket);
- ``full_s`` / ``full_bytes`` and ``compact_s`` / ``compact_bytes``: the same with each
  payload mode forced (to choose :data:`layers.render.draw.COMPACT_FROM`);
- ``explore_s`` / ``explore_bytes``: ``GeoDataFrame.explore()`` of the same features with
  the same popup fields (kind, name, place, precision note, dates, report number, number of
  quotes, record id) rendered to HTML; building that frame is not timed.

Each time is the median of ``--repeat`` runs. As in the app, the loaded atlas is frozen out
of the garbage collector (``gc.freeze()``), so a full collection does not land in a run.
Prints a table and writes a JSON list.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.synth import write_package  # noqa: E402
from layers.filters import Filters, filter_layers  # noqa: E402
from layers.render.draw import map_from_payload, map_payload  # noqa: E402
from layers.render.popup import plain, report_fact, subtitle, year_span  # noqa: E402
from layers.view import Atlas, load_atlas  # noqa: E402

FILTERS = Filters(years=(2016, 2020))


def package(work: Path, n: int) -> Path:
    """Return the synthetic package of ``n`` records under ``work`` (written once)."""
    path = work / f"synth-{n}"
    if not (path / "people.csv").exists():
        write_package(path, n)
    return path


def _median(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def ours(atlas: Atlas, compact: bool | None) -> str:
    """Return the map HTML the app's path makes from the loaded atlas."""
    shown = filter_layers(atlas.layers, FILTERS)
    payload = map_payload(
        shown, districts_gdf=atlas.districts, source_titles=atlas.source_titles, compact=compact
    )
    return str(map_from_payload(payload).get_root().render())


def explore_frame(atlas: Atlas) -> gpd.GeoDataFrame:
    """Return the filtered features in one frame with our popup's fields as plain columns."""
    shown = filter_layers(atlas.layers, FILTERS)
    frames = []
    for _, frame in shown.items():
        if not len(frame):
            continue
        kind = frame["kind"] if "kind" in frame.columns else frame.get("facility_type")
        rows = pd.DataFrame(
            {
                "kind": [
                    subtitle(plain(layer), k)
                    for layer, k in zip(frame["layer"], kind if kind is not None else [""] * len(
                        frame
                    ), strict=True)
                ],
                "name": frame["name"].astype("string").fillna(frame["id"]),
                "where": [
                    ", ".join(p for p in (plain(d), plain(f), plain(c)) if p)
                    for d, f, c in zip(
                        frame["district"], frame["prefecture"], frame["country"], strict=True
                    )
                ],
                "precision": frame["precision"].astype("string"),
                "when": [
                    year_span(a, b)
                    for a, b in zip(frame["year_start"], frame["year_end"], strict=True)
                ],
                "fact": [
                    report_fact(q, c)
                    for q, c in zip(
                        frame.get("qualifier", [None] * len(frame)),
                        frame.get("count", [None] * len(frame)),
                        strict=True,
                    )
                ],
                "quotes": [len(s) if isinstance(s, list) else 0 for s in frame["sources"]],
                "id": frame["id"].astype("string"),
            }
        )
        frames.append(gpd.GeoDataFrame(rows, geometry=frame.geometry.to_numpy(), crs=4326))
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=4326)


def explore(frame: gpd.GeoDataFrame) -> str:
    """Return ``frame.explore()`` (popups with every field, name tooltip) as HTML."""
    m = frame.explore(popup=True, tooltip="name", tiles=None)
    return str(m.get_root().render())


def measure(atlas: Atlas, n: int, repeat: int) -> dict[str, Any]:
    """Return one row of the table for the loaded atlas of ``n`` records."""
    filter_s, shown = _median(lambda: filter_layers(atlas.layers, FILTERS), repeat)
    row: dict[str, Any] = {
        "size": n,
        "features": sum(len(f) for _, f in shown.items()),
        "filter_s": round(filter_s, 4),
    }
    for key, compact in (("ours", None), ("full", False), ("compact", True)):
        seconds, html = _median(lambda c=compact: ours(atlas, c), repeat)  # type: ignore[misc]
        row[f"{key}_s"] = round(seconds, 3)
        row[f"{key}_bytes"] = len(html.encode("utf-8"))
        if key == "ours":
            row["mode"] = "compact" if '"mode":"compact"' in html else "full"
    frame = explore_frame(atlas)
    seconds, html = _median(lambda: explore(frame), repeat)
    row["explore_s"] = round(seconds, 3)
    row["explore_bytes"] = len(html.encode("utf-8"))
    return row


def main(argv: list[str] | None = None) -> int:
    """Measure every size, print the table, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--json", type=Path, required=True, help="output JSON file")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/atlas-bench"))
    args = parser.parse_args(argv)
    rows = []
    header = (
        f"{'size':>7} {'features':>8} {'mode':>7} {'filter_s':>8} {'ours_s':>7} {'ours_MB':>7} "
        f"{'full_s':>7} {'full_MB':>7} {'compact_s':>9} {'compact_MB':>10} "
        f"{'explore_s':>9} {'explore_MB':>10} {'speedup':>7}"
    )
    print(header)
    for n in (int(s) for s in args.sizes.split(",")):
        atlas = load_atlas(package(args.work, n))
        gc.freeze()  # as app.py does once the atlas is loaded (no full collection over it)
        row = measure(atlas, n, args.repeat)
        rows.append(row)
        print(
            f"{n:>7} {row['features']:>8} {row['mode']:>7} {row['filter_s']:>8.3f} "
            f"{row['ours_s']:>7.2f} {row['ours_bytes'] / 1e6:>7.2f} "
            f"{row['full_s']:>7.2f} {row['full_bytes'] / 1e6:>7.2f} "
            f"{row['compact_s']:>9.2f} {row['compact_bytes'] / 1e6:>10.2f} "
            f"{row['explore_s']:>9.2f} {row['explore_bytes'] / 1e6:>10.2f} "
            f"{row['explore_s'] / row['ours_s']:>6.1f}x",
            flush=True,
        )
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
