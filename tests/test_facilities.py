"""Tests of ``layers.records.facilities``: the BuzzFeed 2021 list, its quirks, site candidates."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from geo._errors import PlaceNotFound
from layers.records.facilities import (
    ATTRIBUTION,
    DEFAULT_FACILITIES_PATH,
    FACILITY_COLUMNS,
    XINJIANG_BBOX,
    FacilityFormatError,
    FacilityLoad,
    load_facilities,
    site_candidates,
)
from layers.records.load import load_records
from tests.fixtures.make_bad_packages import PACKAGES

QUIRKS = PACKAGES / "facilities" / "quirks.tsv"


@pytest.fixture(scope="module")
def real() -> FacilityLoad:
    return load_facilities()


def test_real_file_counts(real: FacilityLoad) -> None:
    # 555 lines: the header, 3 blank lines (2-4), then 551 facilities (the README's count).
    assert len(DEFAULT_FACILITIES_PATH.read_bytes().splitlines()) == 555
    assert real.blank_lines == (2, 3, 4)
    assert len(real.frame) == 551
    assert real.rejected == ()
    assert real.frame["facility_id"].is_unique
    assert list(real.frame["line"]) == list(range(5, 556))


def test_real_file_columns_and_types(real: FacilityLoad) -> None:
    frame = real.frame
    assert tuple(frame.columns) == FACILITY_COLUMNS
    assert str(frame["lon"].dtype) == "Float64"
    assert str(frame["lat"].dtype) == "Float64"
    assert str(frame["name"].dtype) == "string"
    assert frame["lon"].between(XINJIANG_BBOX[0], XINJIANG_BBOX[2]).all()
    assert frame["lat"].between(XINJIANG_BBOX[1], XINJIANG_BBOX[3]).all()
    assert (frame["attribution"] == ATTRIBUTION).all()


def test_real_file_values(real: FacilityLoad) -> None:
    frame = real.frame.set_index("facility_id")
    first = frame.loc["bf-106-B"]
    assert (first["name"], first["town"], first["prefecture"]) == ("Shufu - I", "Shufu", "Kashgar")
    assert first["etnam"] == "P_QE04, C_QE05"  # published with a trailing space
    assert (first["aspi_no"], first["shawn_zhang_no"]) == ("336", "1")
    assert first["lon"] == pytest.approx(75.8638888888889)
    assert first["lat"] == pytest.approx(39.3591944444444)
    # Sub-compounds share a name, each with its own id.
    zhaosu = frame[frame["name"] == "Zhaosu - I"].index.tolist()
    assert zhaosu == ["bf-701-A", "bf-1010-B", "bf-1011-C", "bf-1012-D"]
    types = real.frame["facility_type"].value_counts(dropna=False).to_dict()
    assert types == {
        "camp": 238,
        "detention center": 134,
        pd.NA: 103,
        "prison - medium security": 60,
        "prison - high security": 16,
    }
    assert real.frame["corroboration"].notna().all()
    unnamed = real.frame[real.frame["name"].isna()]
    assert len(unnamed) == 47
    assert unnamed["label"].str.contains(r"\(BuzzFeed #\d+\)").all()


def test_real_file_keeps_cross_references(real: FacilityLoad) -> None:
    frame = real.frame
    assert frame["aspi_no"].notna().sum() == 360
    assert frame["etnam"].notna().sum() == 340
    assert frame["xjvdb"].notna().sum() == 55
    assert frame["links"].notna().sum() == 168  # one row has only "Links 2"
    assert frame["shawn_zhang_no"].notna().sum() == 93
    assert not frame["etnam"].str.endswith(" ").any()


def test_quirks() -> None:
    load = load_facilities(QUIRKS)
    assert load.blank_lines == (2, 11)
    assert list(load.frame["facility_id"]) == ["bf-106-B", "bf-958-A", "bf-384"]
    assert list(load.frame["line"]) == [3, 4, 13]
    reasons = {row: reason for row, reason, _ in load.rejected}
    assert reasons == {
        5: "no id",
        6: "no coordinates (lat '#N/A', long '75.8')",
        7: "lat '75.86', long '39.35' is outside Xinjiang (lat and long look swapped)",
        8: "lat '39.9', long '116.4' is outside Xinjiang",
        9: "facility_id 'bf-106-B' repeats line 3",
        10: "bad coordinates: latitude 'abc' is not a number",
        12: "4 cells where the header has 20",
    }
    assert load.rejected[0].raw_row["Name"] == "No id"
    assert load.summary() == "quirks.tsv: 3 facilities, 7 rows rejected, 2 blank lines (2, 11)"


def test_quirk_cells() -> None:
    row = load_facilities(QUIRKS).frame.iloc[0]
    assert row["etnam"] == "P_QE04, C_QE05"
    assert pd.isna(row["aspi_no"])  # '#N/A'
    assert pd.isna(row["media"])  # 'N/A'
    assert row["links"] == "https://example.org/a|https://example.org/d"
    unnamed = load_facilities(QUIRKS).frame.iloc[2]
    assert pd.isna(unnamed["name"])
    assert unnamed["label"] == "Tumxuk (BuzzFeed #384)"


def test_every_line_is_accounted_for() -> None:
    load = load_facilities(QUIRKS)
    lines = len(QUIRKS.read_bytes().splitlines())
    assert 1 + len(load.blank_lines) + len(load.rejected) + len(load.frame) == lines


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FacilityFormatError, match="does not exist"):
        load_facilities(tmp_path / "none.tsv")


def test_header_without_expected_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text(QUIRKS.read_text(encoding="utf-8").replace("ASPI 2020 #", "ASPI"), "utf-8")
    with pytest.raises(FacilityFormatError, match=r"bad.tsv:1: header lacks \['ASPI 2020 #'\]"):
        load_facilities(path)


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "cp437.tsv"
    path.write_bytes(QUIRKS.read_bytes().replace(b"Shufu", "Shüfu".encode("cp437")))
    with pytest.raises(FacilityFormatError, match="not UTF-8"):
        load_facilities(path)


def test_attribution_is_shipped() -> None:
    note = DEFAULT_FACILITIES_PATH.parent / "ATTRIBUTION.md"
    assert ATTRIBUTION in note.read_text(encoding="utf-8")
    assert (DEFAULT_FACILITIES_PATH.parent / "README.md").exists()


# --- site candidates -----------------------------------------------------------------------


@dataclass(frozen=True)
class FakeDistrict:
    id: str
    level: str


@dataclass(frozen=True)
class FakePlace:
    precision: str
    district: FakeDistrict | None


def fake_geocode(name: str, *, country: str | None = None) -> FakePlace:
    places = {
        "Fuhai": FakePlace("county", FakeDistrict("CN-654323", "county")),
        "Almaty": FakePlace("settlement", FakeDistrict("KZ-ALA", "region")),
    }
    if name not in places:
        raise PlaceNotFound(f"No place matches {name!r}", query=name)
    return places[name]


def fake_district_at(
    lons: npt.NDArray[np.float64], lats: npt.NDArray[np.float64]
) -> npt.NDArray[np.object_]:
    """East of 80 E is Fuhai county, west of it Shufu county (for the test only)."""
    return np.array(["CN-654323" if lon > 80 else "CN-653121" for lon in lons], dtype=object)


def test_site_candidates_same_county() -> None:
    records = load_records(PACKAGES / "good")
    facilities = load_facilities(QUIRKS)
    frame = facilities.frame.copy()
    frame.loc[frame["facility_id"] == "bf-384", "lon"] = 87.5  # move one into "Fuhai"
    moved = FacilityLoad(frame=frame, path=QUIRKS)
    result = site_candidates(records, moved, geocoder=fake_geocode, district_at=fake_district_at)
    assert list(result.columns) == ["site_id", "facility_id", "district_id", "basis"]
    assert result.to_dict("records") == [
        {"site_id": "S001", "facility_id": "bf-384", "district_id": "CN-654323",
         "basis": "same county"},
    ]


def test_no_candidates_for_coarse_or_foreign_places() -> None:
    records = load_records(PACKAGES / "good")
    facilities = load_facilities(QUIRKS)
    # S001 is in Fuhai; with no facility there it has no candidate.
    result = site_candidates(
        records, facilities, geocoder=fake_geocode, district_at=fake_district_at
    )
    assert result.empty
    assert list(result.columns) == ["site_id", "facility_id", "district_id", "basis"]
    # A prefecture-level place gives no county, so no candidates even with facilities inside.
    coarse = FakePlace("prefecture", FakeDistrict("CN-654300", "prefecture"))
    result = site_candidates(
        records, facilities, geocoder=lambda name, country=None: coarse,
        district_at=fake_district_at,
    )
    assert result.empty


def test_site_candidates_with_given_counties() -> None:
    records = load_records(PACKAGES / "good")
    result = site_candidates(
        records, load_facilities(QUIRKS),
        district_at=fake_district_at, site_counties={"S001": "CN-653121", "S002": None},
    )
    assert list(result["facility_id"]) == ["bf-106-B", "bf-384", "bf-958-A"]
    assert set(result["basis"]) == {"same county"}


# --- with the real geo package ---------------------------------------------------------------


def test_facilities_lie_in_the_prefecture_buzzfeed_names(real: FacilityLoad) -> None:
    """Cross-check of coordinates against BuzzFeed's own Prefecture column, through geo."""
    import geo

    frame = real.frame
    counties = geo.district_at(frame["lon"].to_numpy(float), frame["lat"].to_numpy(float))
    assert all(county is not None for county in counties)
    prefectures = geo.prefecture_of(counties)
    named = frame["prefecture"].notna() & (frame["prefecture"] != "XPCC")
    mismatches = [
        facility_id
        for facility_id, name, found in zip(
            frame["facility_id"][named], frame["prefecture"][named], prefectures[named.to_numpy()],
            strict=True,
        )
        if geo.find_district(name).id != found
    ]
    # One facility labelled "Shihezi" lies just across the line, in Shawan (Tacheng).
    assert mismatches == ["bf-884"]
    assert named.sum() == 551 - 47 - 2  # 47 XPCC rows, 2 without a prefecture


def test_real_site_candidates_share_the_site_county(real: FacilityLoad) -> None:
    """With the curated data and the real geocoder, every candidate is in its site's county."""
    import geo

    records = load_records()
    result = site_candidates(records, real)
    assert not result.empty
    assert set(result["basis"]) == {"same county"}
    points = real.frame.set_index("facility_id").loc[list(result["facility_id"])]
    counties = geo.district_at(points["lon"].to_numpy(float), points["lat"].to_numpy(float))
    assert list(counties) == list(result["district_id"])
    places = records.places.set_index("id")
    for site_id, county in result.groupby("site_id")["district_id"].first().items():
        place = places.loc[records.sites.set_index("id").loc[site_id, "place_id"]]
        query = place["geocode_query"] if pd.notna(place["geocode_query"]) else place["name"]
        located = geo.geocode(str(query), country=str(place["country"]))
        assert located.precision in {"exact", "settlement", "county"}
        assert located.district is not None and located.district.id == county
