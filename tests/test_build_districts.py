"""The district builder's parts, on small synthetic coverages (the full build takes ~1 min
and needs the build-only packages; its determinism is checked by hand, see
geo/data/districts.README.md)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from geo.build import districts as build


def _wavy_pair() -> np.ndarray:
    """Two unit squares side by side whose shared edge wiggles by +-0.0001 (about 11 m)."""
    ys = np.linspace(0.0, 1.0, 201)
    xs = 1.0 + 0.0001 * np.sin(ys * 400.0)
    edge = list(zip(xs, ys, strict=True))
    left = shapely.Polygon([(0.0, 0.0), *edge, (0.0, 1.0)])
    right = shapely.Polygon([(2.0, 0.0), (2.0, 1.0), *edge[::-1]])
    geoms = np.array([left, right], dtype=object)
    assert shapely.coverage_is_valid(geoms)
    return geoms


def test_simplify_coverage_keeps_shared_edges_shared():
    geoms = _wavy_pair()
    out = build.simplify_coverage(geoms, 0.001)
    assert shapely.coverage_is_valid(out)
    assert shapely.get_num_coordinates(out).sum() < shapely.get_num_coordinates(geoms).sum() / 10
    # Shared edge identical on both sides: no overlap, no gap.
    assert shapely.intersection(out[0], out[1]).area == 0.0
    assert shapely.union_all(out).area == pytest.approx(2.0, abs=1e-9)
    # No vertex moved farther than the tolerance.
    for a, b in zip(geoms, out, strict=True):
        assert shapely.hausdorff_distance(a.boundary, b.boundary) <= 0.001 + 1e-12


def test_simplify_coverage_gives_faces_back_in_order():
    geoms = _wavy_pair()[::-1].copy()
    out = build.simplify_coverage(geoms, 0.001)
    assert out[0].centroid.x > 1.0 > out[1].centroid.x


def test_hausdorff_m_measures_metres():
    square = shapely.box(80.0, 40.0, 80.1, 40.1)
    shifted = shapely.box(80.0, 40.001, 80.1, 40.101)
    got = build.hausdorff_m(np.array([square]), np.array([shifted]))
    assert got[0] == pytest.approx(110.574, rel=0.01)


def test_round_coordinates_refuses_to_collapse_a_polygon():
    tiny = shapely.box(80.0, 40.0, 80.000001, 40.000001)
    with pytest.raises(build.BuildError, match="rounding to 5 decimals"):
        build.round_coordinates(np.array([tiny], dtype=object), 5)


def test_write_geojson_gz_is_deterministic_and_round_trips(tmp_path: Path):
    frame = gpd.GeoDataFrame(
        {"id": ["CN-000001", "KZ-99"], "name": ["Ürümqi test", "Шығыс test"]},
        geometry=list(_wavy_pair()),
        crs="EPSG:4326",
    )
    first, second = tmp_path / "a.geojson.gz", tmp_path / "b.geojson.gz"
    build.write_geojson_gz(frame, first)
    build.write_geojson_gz(frame, second)
    assert first.read_bytes() == second.read_bytes()
    back = gpd.read_file(f"/vsigzip/{first}", engine="pyogrio")
    rounded = frame.set_geometry(build.round_coordinates(frame.geometry.to_numpy(), 5))
    assert_geodataframe_equal(back, rounded, check_crs=True, check_dtype=False)


def test_update_readme_replaces_only_the_block(tmp_path: Path):
    readme = tmp_path / "README.md"
    readme.write_text(f"intro\n{build.README_START}\nold\n{build.README_END}\nend\n", "utf-8")
    build.update_readme(readme, "- new")
    assert readme.read_text("utf-8") == (
        f"intro\n{build.README_START}\n- new\n{build.README_END}\nend\n"
    )


def test_update_readme_without_markers_is_an_error(tmp_path: Path):
    readme = tmp_path / "README.md"
    readme.write_text("no markers here\n", "utf-8")
    with pytest.raises(build.BuildError, match="lacks the markers"):
        build.update_readme(readme, "- new")


def test_every_chinese_code_has_english_and_pinyin_names():
    assert len(build.CN_NAMES) == 120
    for code, (zh, en, pinyin) in build.CN_NAMES.items():
        assert code.startswith("65") and len(code) == 6
        assert zh and en.isascii() and pinyin.isascii(), code
    assert len(set(build.KZ_ISO.values())) == 20
