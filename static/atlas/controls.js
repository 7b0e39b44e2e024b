/* Atlas.controls: the map's controls: the layer control the slots share, the legend and the
 * credits. Part of the project (MIT). Needs Leaflet and state.js.
 *
 * Module format: see state.js (a classic script adding window.Atlas.controls in a browser, a
 * CommonJS module under Node; Leaflet and the DOM are only used when a function runs).
 *
 * Only Leaflet's public API: the overlays a slot adds are counted in the map's state (so the
 * last slot to go takes the control with it), and a click of the reader's in the control is
 * told apart from layers that come and go with a selection by listening to the control's own
 * element (see layerControl), not by reading the control's private fields.
 */
(function (factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./state.js"));
  } else {
    var Atlas = window.Atlas = window.Atlas || {};
    if (!Atlas.state) { throw new Error("atlas/controls.js needs atlas/state.js loaded first"); }
    Atlas.controls = factory(Atlas.state);
  }
}(function (state) {
  "use strict";

  /* The legend: the layer control already shows each layer's colour; this explains the
   * symbols. */
  function addLegend(map) {
    var legend = L.control({ position: "bottomleft" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "atlas-legend leaflet-bar");
      var h = ["<details open><summary>Legend</summary>"];
      h.push('<div><span class="atlas-swatch atlas-lx"></span>a settlement or an exact spot</div>');
      h.push('<div><span class="atlas-swatch atlas-approx atlas-lx"></span>' +
        "known only to its county or prefecture: marked at its centre, dashed outline</div>");
      h.push('<div><span class="atlas-swatch-cluster">3</span>records close together or at one spot: click to spread</div>');
      h.push("</details>");
      div.innerHTML = h.join("");
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    legend.addTo(map);
  }

  /* One layer control per map, shared by the slots, made on first use.
   *
   * The control also fires overlayadd/overlayremove when a selection's layers leave the map
   * with their group; only a click in the control is the reader's choice. Leaflet handles
   * that click in a listener on the checkbox and adds or removes the layers synchronously in
   * it, so a capturing listener on the control's element (which runs before it) marks the
   * click, and a bubbling one (which runs after it) ends it. */
  function layerControl(map) {
    var mapState = state.of(map);
    if (!mapState.control) {
      var control = L.control.layers(null, null, { collapsed: false, position: "topright" })
        .addTo(map);
      var element = control.getContainer();
      element.addEventListener("click", function () { mapState.clicking = true; }, true);
      element.addEventListener("click", function () { mapState.clicking = false; }, false);
      mapState.control = control;
      mapState.overlays = 0;
    }
    return mapState.control;
  }

  /* Add a slot's overlays ([layer, label] pairs) to the shared control; returns the control. */
  function addOverlays(map, overlays) {
    var control = layerControl(map);
    overlays.forEach(function (o) { control.addOverlay(o[0], o[1]); });
    state.of(map).overlays += overlays.length;
    return control;
  }

  /* Take a slot's overlays out of `control` again; the last slot to go removes the control. */
  function removeOverlays(map, control, overlays) {
    var mapState = state.of(map);
    overlays.forEach(function (o) { control.removeLayer(o[0]); });
    if (mapState.control !== control) { return; }
    mapState.overlays -= overlays.length;
    if (mapState.overlays <= 0) {
      map.removeControl(control);
      mapState.control = null;
      mapState.overlays = 0;
    }
  }

  /* A handler for the map's overlayadd/overlayremove events that calls onToggle(l, on) when
   * the reader switches groups[l] on or off in the layer control, and ignores the rest. */
  function toggleHandler(map, groups, onToggle) {
    return function (e) {
      if (!state.of(map).clicking) { return; }
      var l = groups.indexOf(e.layer);
      if (l < 0) { return; }
      onToggle(l, e.type === "overlayadd");
    };
  }

  /* Add or remove an escaped credit line in the map's attribution control (if it has one). */
  function addCredit(map, text) {
    if (text && map.attributionControl) { map.attributionControl.addAttribution(text); }
  }

  function removeCredit(map, text) {
    if (text && map.attributionControl) { map.attributionControl.removeAttribution(text); }
  }

  return {
    addLegend: addLegend,
    addOverlays: addOverlays,
    removeOverlays: removeOverlays,
    toggleHandler: toggleHandler,
    addCredit: addCredit,
    removeCredit: removeCredit
  };
}));
