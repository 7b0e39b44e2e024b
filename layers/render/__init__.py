"""Draw the layers on an offline folium map: payload, popups, compact encoding, local assets.

Owns: the map and its payload (:mod:`.draw`), what a popup and the details panel say, escaped
in one place (:mod:`.popup`), the compact payload for large selections (:mod:`.compact`),
folium elements that load nothing from the internet (:mod:`.offline`) and which features can
be drawn honestly (:mod:`.drawable`).

May import: :mod:`layers.build`, :mod:`layers.records`, :mod:`layers.layerset`,
:mod:`layers.errors`, :mod:`layers.settings`, :mod:`geo`; never :mod:`layers.io`.
"""
