/* Atlas.state: what the atlas remembers about each Leaflet map. Part of the project (MIT).
 *
 * The state lives in a WeakMap keyed by the map, owned by this module: nothing is stored in
 * fields of Leaflet's objects, and a map that goes away takes its state with it.
 *
 * Module format (the same in every file of static/atlas/, see README.md there): a classic
 * script that works without a server (file://, where browsers refuse <script type="module">)
 * and inside st_folium's iframe, loaded by folium's plain <script src> tags in the order of
 * layers/render/offline.py (state, decode, render, controls, atlas). In a browser it adds one
 * member to the one namespace, window.Atlas (window.Atlas.state); under Node
 * (`require("static/atlas/state.js")`, as tests/js/ does) it is a CommonJS module and touches
 * no global.
 */
(function (factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    var Atlas = window.Atlas = window.Atlas || {};
    Atlas.state = Atlas.state || factory();  // loaded twice, the maps keep their state
  }
}(function () {
  "use strict";

  var maps = new WeakMap();

  /* The state of one map, made on first use:
   *   base      the basemap layer atlasBase drew (an L.GeoJSON), or null; the outlines of
   *             approximate places are its features;
   *   control   the layer control the slots share, or null when no slot is drawn;
   *   overlays  how many entries the slots have put into that control;
   *   clicking  true while the control handles a click of the reader's (controls.js);
   *   slots     slot name ("atlas", "upload") -> what atlasData drew there;
   *   hidden    slot name -> {layer key: true} for each layer the reader switched off;
   *   fit       the fit key of the selection the map was last fitted to. */
  function of(map) {
    var state = maps.get(map);
    if (state === undefined) {
      state = { base: null, control: null, overlays: 0, clicking: false,
        slots: Object.create(null), hidden: Object.create(null), fit: undefined };
      maps.set(map, state);
    }
    return state;
  }

  /* The layers the reader switched off in one slot ({layer key: true}); kept across that
   * slot's selections. */
  function hidden(map, slot) {
    var bySlot = of(map).hidden;
    return bySlot[slot] || (bySlot[slot] = Object.create(null));
  }

  return { of: of, hidden: hidden };
}));
