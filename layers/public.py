"""The public view of the layers: one code path for the app's public mode and ``export --public``.

:func:`public_layers` applies the publication rules of :func:`redact` to every
row *before* anything is filtered, so a filter can only ever look at what may be published:

- private features are left out, and so are the private entries inside public features (and
  the years only they date); a blank or unknown sensitivity counts as private
  (:func:`layers.records.sensitivity.sensitivity_level`), so it is never published;
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

from collections.abc import Mapping
from typing import Any

from layers.build.featurerows import make_frame
from layers.errors import LayersError
from layers.layerset import Layers
from layers.records.sensitivity import sensitivity_level

__all__ = ["NotPublicError", "assert_public", "public_layers", "redact"]

#: Free-text and naming properties a public export drops for restricted features.
_RESTRICTED_DROP = ("name", "aliases", "origin", "description", "reporter")



class NotPublicError(LayersError, ValueError):
    """Layers said to be the public view hold a private record or an unredacted restricted one.

    Parameters
    ----------
    message : str
        The full message, naming the layer and the feature's id.
    layer, feature_id : str
        Where it is.
    """

    def __init__(self, message: str, *, layer: str, feature_id: str) -> None:
        super().__init__(message)
        self.layer = layer
        self.feature_id = feature_id


def assert_public(layers: Layers) -> None:
    """Raise unless ``layers`` look like :func:`public_layers` made them (fail closed).

    A writer that is told its layers are public checks this instead of redacting again: no
    feature is private (or of a blank or unknown level), and no restricted feature keeps a
    name or a quote.

    Raises
    ------
    NotPublicError
        Naming the first offending feature.
    """
    for name, frame in layers.items():
        columns = list(frame.columns)
        for values in frame.itertuples(index=False, name=None):
            row = dict(zip(columns, values, strict=True))
            level = sensitivity_level(row.get("sensitivity"))
            quoted = any(entry.get("quote") for entry in row.get("sources") or [])
            if level == "private" or (level == "restricted" and (row.get("name") or quoted)):
                msg = (
                    f"{name} feature {row.get('id')!r} ({level}) is not in the public view; "
                    "make the layers public with layers.public.public_layers first"
                )
                raise NotPublicError(msg, layer=name, feature_id=str(row.get("id")))


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


def _kept(entries: Any) -> list[dict[str, Any]]:
    """Return list entries (sources, population reports) a public export keeps, redacted.

    An entry without a ``_sensitivity`` key (built in code: a facility's source) is public;
    a blank or unknown ``_sensitivity`` value is private (:func:`sensitivity_level`).
    """
    kept: list[dict[str, Any]] = []
    for entry in entries or []:
        level = sensitivity_level(entry["_sensitivity"]) if "_sensitivity" in entry else "public"
        if level == "private":
            continue
        entry = dict(entry)
        if level == "restricted":
            entry["quote"] = None
            if "reporter" in entry:
                entry["reporter"] = None
        kept.append(entry)
    return kept


def _span(entries: list[dict[str, Any]]) -> tuple[int | None, int | None]:
    """Return the years the entries' ``_years`` cover (None where nothing is dated)."""
    firsts = [e["_years"][0] for e in entries if e.get("_years") and e["_years"][0] is not None]
    lasts = [e["_years"][1] for e in entries if e.get("_years") and e["_years"][1] is not None]
    return (min(firsts) if firsts else None), (max(lasts) if lasts else None)


def redact(layer: str, row: Mapping[str, Any]) -> tuple[dict[str, Any], Any] | None:
    """Apply the public-export rules to one row; return ``(properties, geometry)`` or None.

    - A ``private`` feature is left out (None); so are private entries of ``sources``,
      ``population_reports`` and ``detained_at``, and the years only they date.
    - A ``restricted`` feature loses its names, aliases and free text, every quote, and (for
      a witness, a link or an event) its exact place: the point is snapped to the district's
      label point, deterministically.
    - Entries of restricted rows inside public features lose their quote and reporter name.

    Every level is read with :func:`layers.records.sensitivity.sensitivity_level`: a blank, missing
    or unknown ``sensitivity`` (``"Private"``) is private, so it is left out; the kept
    feature's ``sensitivity`` is the level it was read as.
    """
    level = sensitivity_level(row.get("sensitivity"))
    if level == "private":
        return None
    values = dict(row)
    values["sensitivity"] = level
    geometry = values["geometry"]
    _keep_public_sources(layer, values)
    if layer == "sites":
        _keep_public_reports(values)
    if layer == "witnesses":
        _keep_public_detentions(values)
    if level == "restricted":
        geometry = _withhold_restricted(layer, values, geometry)
    return values, geometry


def _keep_public_sources(layer: str, values: dict[str, Any]) -> None:
    """Keep the public ``sources`` of ``values`` in place, and the years only they date.

    When entries were left out of a site, witness or link, ``year_start`` and ``year_end``
    become the span of the kept entries.
    """
    sources = values.get("sources") or []
    kept = _kept(sources)
    if len(kept) != len(sources) and layer in {"sites", "witnesses", "links"}:
        first, last = _span(kept)
        values["year_start"], values["year_end"] = first, last
    values["sources"] = kept


def _keep_public_reports(values: dict[str, Any]) -> None:
    """Keep a site's public ``population_reports`` in place, and their ``max_population``."""
    reports = _kept(values.get("population_reports"))
    values["population_reports"] = reports
    counts = [r["count"] for r in reports if r.get("count") is not None]
    values["max_population"] = max(counts) if counts else None


def _keep_public_detentions(values: dict[str, Any]) -> None:
    """Leave out a witness's private ``detained_at`` entries in place, with their levels."""
    pairs = zip(
        values.get("detained_at") or [],
        values.get("_detained_at_sensitivity") or [],
        strict=True,
    )
    kept_pairs = [(site, held) for site, held in pairs if sensitivity_level(held) != "private"]
    # Trim both lists together, so redacting an already public row changes nothing.
    values["detained_at"] = [site for site, _ in kept_pairs]
    values["_detained_at_sensitivity"] = [held for _, held in kept_pairs]


def _withhold_restricted(layer: str, values: dict[str, Any], geometry: Any) -> Any:
    """Drop a restricted feature's names, free text and quotes in place; return its geometry.

    A witness, link or event is moved to its district's label point (``_snapped``); a witness
    or event takes that point's precision.
    """
    for key in _RESTRICTED_DROP:
        if key in values:
            values[key] = [] if key == "aliases" else None
    values["sources"] = [{**entry, "quote": None} for entry in values["sources"]]
    if layer in {"witnesses", "links", "events"}:
        geometry = values.get("_snapped")
    if layer in {"witnesses", "events"}:
        values["precision"] = values.get("_snapped_precision")
    return geometry
