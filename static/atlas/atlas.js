/* The atlas's entry points: draws the payloads layers/render/draw.py writes on a Leaflet map.
 * Part of the project (MIT). Loaded last, after state.js, decode.js, render.js and
 * controls.js (the order of layers/render/offline.py); the payload is described in decode.js,
 * the drawing (compactRender, fullRender) is in render.js.
 *
 * Module format: see state.js. In a browser this file defines the three global functions the
 * Python side writes calls to (window.atlasBase, window.atlasData, window.atlasRender) and
 * window.atlasDrawn (the atlas slot's drawing, for the browser tests and the curious); under
 * Node it exports them and touches no global.
 *
 * Two entry points share the drawing code:
 *   atlasRender(map, payload)  one page, one payload with the basemap (standalone HTML);
 *   atlasBase(map, base) once, then atlasData(map, target, data, options) per selection
 *     (the app): the map and its basemap stay; each new selection replaces the previous
 *     one of its slot ("atlas", "upload"), so a filter change redraws only the data.
 *     Everything a slot draws goes into target (a Leaflet layer group on the map); when
 *     target leaves the map, or the slot is drawn again, the slot's layer-control entries,
 *     event handlers, colours and attribution go too.
 * What the atlas keeps per map (the basemap, the slots, the layers switched off, the last fit)
 * is in Atlas.state.of(map), never on the map.
 */
(function (factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./state.js"), require("./decode.js"),
      require("./render.js"), require("./controls.js"), null);
  } else {
    var Atlas = window.Atlas = window.Atlas || {};
    ["state", "decode", "render", "controls"].forEach(function (name) {
      if (!Atlas[name]) { throw new Error("atlas/atlas.js needs atlas/" + name + ".js loaded first"); }
    });
    var api = factory(Atlas.state, Atlas.decode, Atlas.render, Atlas.controls, window);
    window.atlasBase = api.atlasBase;
    window.atlasData = api.atlasData;
    window.atlasRender = api.atlasRender;
  }
}(function (state, decode, render, controls, browser) {
  "use strict";

  /* The part of the map no filter changes: basemap, labels, legend, the boundaries' credit.
   * Returns the basemap layer (or null without districts). */
  function atlasBase(map, base) {
    decode.decodeBasemap(base);
    map.createPane("atlasLabels");
    map.getPane("atlasLabels").style.zIndex = 450;
    map.getPane("atlasLabels").style.pointerEvents = "none";
    var mapState = state.of(map);
    mapState.base = render.addBasemap(map, base) || null;
    render.addLabels(map, base);
    controls.addLegend(map);
    controls.addCredit(map, base.attribution ? base.s[base.attribution] : "");
    return mapState.base;
  }

  /* Draw one selection into `target` in its slot (options: slot, fit, credit), replacing the
   * slot's previous selection; returns what was drawn. */
  function atlasData(map, target, data, options) {
    var opts = options || {}, slot = /^[a-z]+$/.test(opts.slot || "") ? opts.slot : "atlas";
    var mapState = state.of(map), slots = mapState.slots;
    if (slots[slot]) { slots[slot].remove(); }
    var prefix = slot === "atlas" ? "atlas-l" : "atlas-" + slot + "-l";
    var style = render.addColours(data, prefix);
    // Layers the reader switched off in the layer control stay off in the next selection.
    var hidden = state.hidden(map, slot);
    var drawn = (data.mode === "compact" ? render.compactRender : render.fullRender)(
      map, target, data, { prefix: prefix, slot: slot, hidden: hidden, base: mapState.base });
    var credit = opts.credit === false || !data.attribution ? "" : data.s[data.attribution];
    drawn.handlers.push(["overlayadd overlayremove", controls.toggleHandler(map, drawn.groups,
      function (l, on) {
        hidden[data.layers[l][0]] = !on;
        if (drawn.toggle) { drawn.toggle(l, on); }
      })]);
    var control = controls.addOverlays(map, drawn.overlays);
    drawn.handlers.forEach(function (h) { map.on(h[0], h[1]); });
    controls.addCredit(map, credit);
    drawn.remove = function () {
      if (drawn.removed) { return; }
      drawn.removed = true;
      controls.removeOverlays(map, control, drawn.overlays);
      drawn.handlers.forEach(function (h) { map.off(h[0], h[1]); });
      controls.removeCredit(map, credit);
      if (style.parentNode) { style.parentNode.removeChild(style); }
      if (target !== map) {
        // st_folium keeps every group it ever added in window.feature_group: empty ours, so
        // an old selection's markers and data can be freed.
        target.off("remove", onRemove);
        if (map.hasLayer(target)) { map.removeLayer(target); }
        target.clearLayers();
        // A layer switched on again in the control sits on the map, outside the target.
        drawn.layers.forEach(function (layer) { map.removeLayer(layer); });
      }
      if (slots[slot] === drawn) { delete slots[slot]; }
    };
    var onRemove = function (e) { if (!e.propagatedFrom) { drawn.remove(); } };
    if (target !== map) { target.on("remove", onRemove); }
    // A new view (another district) fits the map to the selection; a new year range keeps
    // the reader's zoom.
    if (opts.fit !== undefined && opts.fit !== null && mapState.fit !== opts.fit &&
        data.bounds) {
      mapState.fit = opts.fit;
      map.fitBounds(data.bounds);
    }
    drawn.target = target;
    slots[slot] = drawn;
    if (slot === "atlas" && browser) { browser.atlasDrawn = drawn; }
    return drawn;
  }

  /* One page from one payload with its basemap (standalone HTML). */
  function atlasRender(map, data) {
    atlasBase(map, data);
    return atlasData(map, map, data, { slot: "atlas", credit: false });
  }

  return { atlasBase: atlasBase, atlasData: atlasData, atlasRender: atlasRender };
}));
