"""The map leaves out what it cannot place: records known only to a country, and their links."""

from __future__ import annotations

import geopandas as gpd

from layers.render.draw import map_payload
from layers.render.drawable import drawable
from tests._small import small_layers


def _with_precision(frame: gpd.GeoDataFrame, ids: set[str], precision: str) -> gpd.GeoDataFrame:
    frame = frame.copy()
    frame.loc[frame["id"].isin(ids), "precision"] = precision
    return frame


def test_country_precision_features_and_their_links_are_left_out() -> None:
    layers = small_layers()
    person = str(layers.links["person_id"].iloc[0])
    witnesses = _with_precision(layers.witnesses, {f"{person}-origin"}, "country")
    event = str(layers.events["id"].iloc[0])
    events = _with_precision(layers.events, {event}, "country")
    vague = layers.replace(witnesses=witnesses, events=events)

    drawn, left_out = drawable(vague)

    person_links = int((layers.links["person_id"] == person).sum())
    assert left_out == 2 + person_links
    assert f"{person}-origin" not in set(drawn.witnesses["id"])
    assert event not in set(drawn.events["id"])
    assert person not in set(drawn.links["person_id"])
    assert len(drawn.sites) == len(layers.sites)


def test_nothing_is_left_out_when_everything_is_placed() -> None:
    layers = small_layers()
    assert not (layers.events["precision"] == "country").any()
    drawn, left_out = drawable(layers)
    assert left_out == 0
    assert drawn.counts() == layers.counts()


def test_the_payload_says_how_many_were_not_drawn() -> None:
    layers = small_layers()
    event = str(layers.events["id"].iloc[0])
    vague = layers.replace(events=_with_precision(layers.events, {event}, "country"))
    assert map_payload(vague)["undrawn"] == 1
    assert map_payload(layers)["undrawn"] == 0

