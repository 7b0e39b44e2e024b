"""Turn the curated records (and the facility list) into one GeoDataFrame per map layer.

:func:`build_layers` is the small assembler: it indexes the records once
(:mod:`layers.build._context`) and calls one builder per layer, each in its own module
(:mod:`~layers.build.sites`, :mod:`~layers.build.reports`, :mod:`~layers.build.witnesses`,
:mod:`~layers.build.links`, :mod:`~layers.build.facilities`, :mod:`~layers.build.events`).
It is pure: it geocodes each place once, computes the district columns once and returns a
frozen :class:`~layers.layerset.Layers`; the app caches the result and the filters and
exporter only read it.

Sensitivity travels with the data: every feature has the most restrictive ``sensitivity`` of
the rows it is about, and every entry of ``sources`` / ``population_reports`` keeps its own
(``"_sensitivity"`` key; keys starting with ``_`` are internal and never exported) so a public
export can drop or redact it. Every level is read with
:func:`layers.records.sensitivity.sensitivity_level`: a blank or unknown cell counts as
``private``.
"""

from __future__ import annotations

import logging

from layers.build._context import make_context
from layers.build.events import build_events
from layers.build.facilities import build_facilities
from layers.build.featurerows import make_frame
from layers.build.links import build_links
from layers.build.reports import ReportTargetError, build_reports
from layers.build.sites import build_sites
from layers.build.witnesses import build_witnesses
from layers.layerset import Layers
from layers.records.facilities import FacilityLoad
from layers.records.load import Records

__all__ = ["Layers", "ReportTargetError", "build_layers"]

logger = logging.getLogger(__name__)


def build_layers(records: Records, facilities: FacilityLoad | None = None) -> Layers:
    """Build every map layer from the curated records and the third-party facilities.

    Parameters
    ----------
    records : layers.records.load.Records
        The loaded, validated tables.
    facilities : layers.records.facilities.FacilityLoad, optional
        The BuzzFeed 2021 facilities; None gives an empty facilities layer.

    Returns
    -------
    Layers
        ``sites`` (one per site row; ``population_reports`` and ``max_population`` take only
        the reports whose ``measure`` is ``inmates``), ``reports`` (one per population report,
        whatever its ``measure``, at its site's point or, for a report about a place, at the
        place with its precision), ``witnesses`` (one per person with an origin place),
        ``links`` (a LineString from a person's origin to each site or place they were held
        at), ``facilities`` and ``events`` (those with a place), all EPSG:4326 with the
        columns of :func:`layers.layerset.columns_of`.

    Raises
    ------
    layers.build.placepoints.UnresolvedPlacesError
        If a place cannot be geocoded (``python -m layers validate`` reports it first).
    layers.records.years.BadDateError
        If a date cell is not EDTF.
    ReportTargetError
        If a population report names neither a site nor a place.
    """
    context = make_context(records)
    sites = build_sites(context, facilities)
    layers = Layers(
        sites=make_frame("sites", list(sites.values()), list(sites.points.values())),
        reports=make_frame("reports", *build_reports(context, sites)),
        witnesses=make_frame("witnesses", *build_witnesses(context, sites)),
        links=make_frame("links", *build_links(context, sites)),
        facilities=make_frame("facilities", *build_facilities(facilities)),
        events=make_frame("events", *build_events(context)),
    )
    logger.debug("built layers %s", layers.counts())
    return layers
