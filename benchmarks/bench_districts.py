"""Speed of ``geo.districts``: loading the polygons and ``district_at`` / ``prefecture_of``.

Run ``.venv/bin/python benchmarks/bench_districts.py``. Prints the cold load time (file read,
checks, alias join, tree build) and points/s for ``district_at`` at 10k, 100k and 1M random
points, in the Xinjiang/Kazakhstan box (many outside every district) and inside Xinjiang's
bounding box, best of three runs. The figures depend on the machine; nothing is asserted.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from geo.districts import district_at, load_districts, prefecture_of

BOXES = {
    "KZ+XJ box": (46.0, 35.0, 97.0, 56.0),
    "Xinjiang box": (73.5, 34.3, 96.4, 49.2),
}


def best_of(runs: int, func: Callable[..., Any], *args: Any) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        result = func(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    start = time.perf_counter()
    frame = load_districts()
    district_at([80.0], [40.0])
    print(f"cold load + tree: {time.perf_counter() - start:.2f} s ({len(frame)} districts)")
    rng = np.random.default_rng(0)
    for label, (west, south, east, north) in BOXES.items():
        for n in (10_000, 100_000, 1_000_000):
            lons = rng.uniform(west, east, n)
            lats = rng.uniform(south, north, n)
            seconds, ids = best_of(3, district_at, lons, lats)
            hits = int(np.count_nonzero(ids != None))  # noqa: E711 (elementwise)
            print(
                f"district_at {label:12s} {n:>9,} points: {seconds:.3f} s, "
                f"{n / seconds:>12,.0f} points/s ({hits:,} in a district)"
            )
            if n == 100_000:
                seconds, _ = best_of(3, prefecture_of, ids)
                print(f"prefecture_of {n:,} ids: {seconds:.3f} s, {n / seconds:,.0f} ids/s")


if __name__ == "__main__":
    main()
