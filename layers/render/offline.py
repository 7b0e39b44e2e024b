"""Folium elements that load nothing from the internet.

folium 0.20 points every ``JSCSSMixin`` element (the map, marker clusters, plugins) at CDNs.
Here the map's own links are replaced on the *instance* (no global is patched) by the files
vendored in ``static/`` (see ``static/VENDORED.md``), which Streamlit serves at
``/app/static/...`` when ``[server] enableStaticServing = true``. :func:`assert_offline`
walks a finished map the way ``st_folium`` does and refuses any link that is not local.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import folium
from branca.element import CssLink, Element, Figure, JavascriptLink, MacroElement
from folium.elements import JSCSSMixin
from jinja2 import Template

from layers.errors import LayersError

__all__ = [
    "DEFAULT_ASSET_BASE",
    "AtlasBase",
    "AtlasData",
    "AtlasLayers",
    "NotOfflineError",
    "assert_offline",
    "asset_links",
    "js_literal",
    "offline_map",
]

#: Where the app serves ``static/`` (Streamlit's static file serving).
DEFAULT_ASSET_BASE = "/app/static"

_SCRIPT_ESCAPES = tuple((c, f"\\u{ord(c):04x}") for c in "<>&'`$%#")


class NotOfflineError(LayersError, RuntimeError):
    """A map element would load a file from another host.

    Parameters
    ----------
    message : str
        The full message naming the element and the URL.
    url : str
        The offending link.
    """

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


def _is_local(url: str, asset_base: str) -> bool:
    return url.startswith(asset_base.rstrip("/") + "/")


def offline_map(*, asset_base: str = DEFAULT_ASSET_BASE, **kwargs: Any) -> folium.Map:
    """Return a ``folium.Map`` without tiles that loads Leaflet from ``asset_base``.

    Parameters
    ----------
    asset_base : str
        URL prefix of the vendored ``static/`` folder (``/app/static`` in the app; a
        ``file://`` URL for a standalone HTML file).
    **kwargs
        Passed to :class:`folium.Map` (``tiles`` is forced to None).

    Returns
    -------
    folium.Map
        A plain ``folium.Map`` (so ``st_folium``'s isinstance checks pass) whose
        ``default_js``/``default_css`` name only Leaflet's local files; jQuery, Bootstrap,
        Font Awesome and awesome-markers are dropped (nothing here uses them).
    """
    base = asset_base.rstrip("/")
    kwargs["tiles"] = None
    m = folium.Map(**kwargs)
    m.default_js = [("leaflet", f"{base}/leaflet/leaflet.js")]
    m.default_css = [("leaflet_css", f"{base}/leaflet/leaflet.css")]
    return m


def js_literal(value: Any) -> str:
    r"""Return ``value`` as a JSON literal that is safe inside an HTML ``<script>`` element.

    ``< > & ' ` $ % #`` become ``\u003c``-style escapes and ``{{`` becomes ``{\u007b``.
    None of these occurs in JSON outside a string, so the replacement only touches string
    contents; ``ensure_ascii`` escapes the rest of non-ASCII (U+2028/U+2029 included). No data
    can then close the script, open a tag, end or interpolate a template literal, or form
    Jinja syntax (``{{``, ``{%``, ``{#``) or the ``{{'name'}}`` placeholder ``st_folium``
    rewrites. NaN is refused.
    """
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
    for char, escape in _SCRIPT_ESCAPES:  # str.replace in C beats translate on megabytes
        text = text.replace(char, escape)
    return text.replace("{{", "{\\u007b")


class _AtlasScript(JSCSSMixin, MacroElement):
    """A macro whose script holds a payload: rendered once, never re-read as a template.

    Subclasses set ``_template`` (a ``script`` macro using ``this.data``) and call
    :meth:`_setup`. The vendored scripts and the atlas's own are linked by every subclass
    (``st_folium`` deduplicates the links; a page needs them once). The atlas's scripts are
    classic scripts (they work from ``file://`` too) listed in load order, each needing the
    ones before it (``static/atlas/README.md``); the last, ``atlas.js``, defines the
    ``atlasBase``, ``atlasData`` and ``atlasRender`` the macros call.
    """

    def _setup(self, name: str, payload: Any, asset_base: str) -> None:
        self._name = name
        self.data = js_literal(payload)
        base = asset_base.rstrip("/")
        self.default_js = [
            ("markercluster", f"{base}/leaflet.markercluster/leaflet.markercluster.js"),
            ("subgroup", f"{base}/leaflet.featuregroup.subgroup/leaflet.featuregroup.subgroup.js"),
            ("atlas_state", f"{base}/atlas/state.js"),
            ("atlas_decode", f"{base}/atlas/decode.js"),
            ("atlas_render", f"{base}/atlas/render.js"),
            ("atlas_controls", f"{base}/atlas/controls.js"),
            ("atlas", f"{base}/atlas/atlas.js"),
        ]
        self.default_css = [
            ("markercluster_css", f"{base}/leaflet.markercluster/MarkerCluster.css"),
            (
                "markercluster_default_css",
                f"{base}/leaflet.markercluster/MarkerCluster.Default.css",
            ),
            ("atlas_css", f"{base}/atlas/atlas.css"),
        ]

    def render(self, **kwargs: Any) -> str:
        """Add the links to the page header and the script, verbatim, to the page script.

        Returns '' (like ``MacroElement.render``, the output goes into the figure).
        """
        figure = self.get_root()
        if not isinstance(figure, Figure):
            msg = f"{self.get_name()!r} can only be rendered inside a branca Figure"
            raise TypeError(msg)
        for name, url in self.default_js:
            figure.header.add_child(JavascriptLink(url), name=name)
        for name, url in self.default_css:
            figure.header.add_child(CssLink(url), name=name)
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_Verbatim(str(script(self, kwargs))), name=self.get_name())
        return ""


class AtlasLayers(_AtlasScript):
    """Every data layer of the atlas and its basemap, drawn by ``atlasRender`` from one payload.

    For a page drawn once (:func:`layers.render.draw.map_from_payload`).

    Parameters
    ----------
    payload : dict
        The compact, pre-escaped payload of :func:`layers.render.draw.map_payload`.
    asset_base : str
        URL prefix of the vendored ``static/`` folder.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = atlasRender({{ this._parent.get_name() }}, {{ this.data }});
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, Any], *, asset_base: str = DEFAULT_ASSET_BASE) -> None:
        super().__init__()
        self._setup("AtlasLayers", payload, asset_base)


class AtlasBase(_AtlasScript):
    """The basemap, its labels, the legend and the boundary credit (``atlasBase``).

    The part of the app's map that no filter changes: drawn once per page.

    Parameters
    ----------
    payload : dict
        :func:`layers.render.draw.base_payload`.
    asset_base : str
        URL prefix of the vendored ``static/`` folder.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = atlasBase({{ this._parent.get_name() }}, {{ this.data }});
        {% endmacro %}
        """
    )

    def __init__(self, payload: dict[str, Any], *, asset_base: str = DEFAULT_ASSET_BASE) -> None:
        super().__init__()
        self._setup("AtlasBase", payload, asset_base)


class AtlasData(_AtlasScript):
    """One selection of features drawn into its layer group (``atlasData``), in a slot.

    Add it to a :class:`folium.FeatureGroup` on a map that has an :class:`AtlasBase`. A new
    selection in the same slot replaces the previous one (``st_folium``'s
    ``feature_group_to_add``: the map stays, only the group is sent and swapped).

    Parameters
    ----------
    payload : dict
        A :func:`layers.render.draw.map_payload` made with ``basemap=False``.
    slot : str
        Lower-case letters: "atlas" (the atlas) or "upload" (the session's upload).
    fit : str, optional
        Fit the map to the payload's bounds when this differs from the last selection's.
    asset_base : str
        URL prefix of the vendored ``static/`` folder.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = atlasData({{ this._parent._parent.get_name() }},
            {{ this._parent.get_name() }}, {{ this.data }}, {{ this.options }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        payload: dict[str, Any],
        *,
        slot: str = "atlas",
        fit: str | None = None,
        asset_base: str = DEFAULT_ASSET_BASE,
    ) -> None:
        super().__init__()
        if not slot.isascii() or not slot.isalpha() or not slot.islower():
            msg = f"slot must be lower-case letters, not {slot!r}"
            raise ValueError(msg)
        self._setup(f"AtlasData{slot.title()}", payload, asset_base)
        self.options = js_literal({"slot": slot, "fit": fit})


class _Verbatim(Element):
    """Text that goes into the page as it is.

    branca wraps every rendered macro in ``Element(text)``, which compiles the text as a
    Jinja template and renders it a second time: data holding ``{{ ... }}`` or ``{% ... %}``
    would run as template code on the server. This element never goes through Jinja.
    """

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        """Return the text unchanged."""
        return self._text


def _walk(element: Element) -> Iterator[Element]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def asset_links(m: folium.Map) -> tuple[list[str], list[str]]:
    """Return the js and css links of every element of ``m``, as ``st_folium`` collects them."""
    js: list[str] = []
    css: list[str] = []
    for element in _walk(m):
        if isinstance(element, JSCSSMixin):
            js += [url for _, url in element.default_js]
            css += [url for _, url in element.default_css]
    return list(dict.fromkeys(js)), list(dict.fromkeys(css))


def assert_offline(m: folium.Map, *, asset_base: str = DEFAULT_ASSET_BASE) -> None:
    """Raise :class:`NotOfflineError` if any js/css link of ``m`` is not under ``asset_base``.

    Raises
    ------
    NotOfflineError
        Naming the first link that would be fetched from elsewhere.
    """
    js, css = asset_links(m)
    for url in js + css:
        if not _is_local(url, asset_base):
            msg = f"map would load {url!r}, which is not under {asset_base!r}"
            raise NotOfflineError(msg, url=url)
