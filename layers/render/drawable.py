"""Which features the map can draw honestly.

A record known only to a country ("in China", "in Kazakhstan") has no place on a map: its
point is the country's capital or centre, and a pin or a ring there would claim a place the
source never gave (an arrest "at the border" drawn in Beijing). Such records stay in the table
and the export, which carry ``precision: country``; the map leaves them out and says how many.
A link is left out when either end is known only to a country.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from layers.layerset import Layers

__all__ = ["UNDRAWN_PRECISIONS", "drawable"]

#: Precisions the map does not draw.
UNDRAWN_PRECISIONS = frozenset({"country"})


def drawable(layers: Layers) -> tuple[Layers, int]:
    """Return the layers without what the map cannot place, and how many features were left out.

    Parameters
    ----------
    layers : Layers
        Filtered layers.

    Returns
    -------
    tuple
        ``(layers to draw, number of features left out)``.
    """
    undrawn = list(UNDRAWN_PRECISIONS)
    frames = {}
    left_out = 0
    witnesses = layers.witnesses
    vague_people: set[str] = set()
    if len(witnesses) and "person_id" in witnesses.columns:
        vague = witnesses["precision"].isin(undrawn).fillna(False)
        vague_people = set(witnesses.loc[vague, "person_id"].dropna().astype(str))
    for name, frame in layers.items():
        if not len(frame) or "precision" not in frame.columns:
            continue
        drop = frame["precision"].isin(undrawn).fillna(False).to_numpy(dtype=bool, copy=True)
        if name == "links" and vague_people and "person_id" in frame.columns:
            drop = drop | frame["person_id"].astype(str).isin(vague_people).to_numpy(dtype=bool)
        if drop.any():
            frames[name] = frame.loc[~pd.Series(drop, index=frame.index)]
            left_out += int(drop.sum())
    return (layers.replace(**frames) if frames else layers), left_out
