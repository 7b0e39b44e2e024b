"""The public view of the layers: one code path for the app's public mode and ``export --public``.

:func:`public_layers` applies the publication rules of :func:`layers.io.geojson.redact` to every
row *before* anything is filtered, so a filter can only ever look at what may be published:

- private features are left out, and so are the private entries inside public features (and
  the years only they date); a blank or unknown sensitivity counts as private
  (:func:`layers.build.featurerows.sensitivity_level`), so it is never published;
- restricted features lose names, aliases, quotes and free text; a restricted person's home
  (and a restricted event at a located place) becomes its district's label point;
- the search text of a restricted feature is emptied, so searching for a withheld name finds
  nothing.

Why redact first: filtering the unredacted layers and redacting afterwards (as ``export
--public`` once did) lets the filters see withheld data. ``--search "<withheld name>"`` then
returned the (nameless) feature of that person, and ``--years`` kept a site dated only by a
private detention, both telling a reader what was withheld. The app (``ATLAS_PUBLIC=1``) and
``python -m layers export --public`` both call :func:`public_layers` and then
:func:`layers.filters.filter_layers`, so for the same filters they give the same bytes.
"""

from __future__ import annotations

from typing import Any

from layers.build.featurerows import make_frame, sensitivity_level
from layers.io.geojson import redact
from layers.layerset import Layers

__all__ = ["public_layers"]


def public_layers(layers: Layers) -> Layers:
    """Return the layers as they may be published (see the module docstring).

    Parameters
    ----------
    layers : Layers
        Built, unfiltered layers (all sensitivities).

    Returns
    -------
    Layers
        New frames with the same columns; applying it twice changes nothing more.
    """
    frames: dict[str, Any] = {}
    for name, frame in layers.items():
        columns = list(frame.columns)
        rows: list[dict[str, Any]] = []
        geometries: list[Any] = []
        for values in frame.itertuples(index=False, name=None):
            redacted = redact(name, dict(zip(columns, values, strict=True)))
            if redacted is None:
                continue
            row, geometry = redacted
            if sensitivity_level(row.get("sensitivity")) == "restricted":
                row["_search"] = ""
            rows.append(row)
            geometries.append(geometry)
        frames[name] = make_frame(name, rows, geometries)
    return layers.replace(**frames)
