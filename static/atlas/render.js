/* Atlas.render: draws the basemap, its labels and a selection's features on a Leaflet map.
 * Part of the project (MIT). Needs Leaflet, leaflet.markercluster and
 * leaflet.featuregroup.subgroup (served from static/) and decode.js.
 *
 * Module format: see state.js (a classic script adding window.Atlas.render in a browser, a
 * CommonJS module under Node; Leaflet and the DOM are only used when a function runs).
 *
 * Safety: every data string in the payload was HTML-escaped in Python (layers/render/popup.py)
 * and is only ever concatenated with our own fixed markup here. Nothing here puts data into an
 * attribute, a URL, a style or a script (a colour goes into a style only if it is #rrggbb).
 *
 * A selection is drawn in one of two ways, by the payload's mode (see decode.js):
 *   fullRender     every record a marker (or a line) in one marker cluster, popups with quotes;
 *   compactRender  a grid clustering of our own that only creates markers for what is on
 *                  screen; popups carry no quotes (the app's details panel shows them for the
 *                  clicked record id).
 * Both return what they drew (`drawn`); atlas.js adds the layer control, handlers and credit.
 */
(function (factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory(require("./decode.js"));
  } else {
    var Atlas = window.Atlas = window.Atlas || {};
    if (!Atlas.decode) { throw new Error("atlas/render.js needs atlas/decode.js loaded first"); }
    Atlas.render = factory(Atlas.decode);
  }
}(function (decode) {
  "use strict";

  function popupDiv(h) {
    var div = document.createElement("div");
    div.className = "atlas-popup";
    div.innerHTML = h.join("");
    return div;
  }

  /* The popup of record `index` of a full payload: every fact and quote. */
  function popupNode(data, index) {
    var r = decode.decodeRecord(data, index), i, h = [];
    h.push('<div class="atlas-sub">' + r.subtitle + "</div>");
    h.push('<div class="atlas-title">' + r.title + "</div>");
    if (r.where) { h.push('<div class="atlas-where">' + r.where + "</div>"); }
    if (r.approx) { h.push('<div class="atlas-approx-note">' + r.approx + "</div>"); }
    h.push('<div class="atlas-when">' + r.when + "</div>");
    if (r.facts.length) {
      h.push('<ul class="atlas-facts">');
      for (i = 0; i < r.facts.length; i++) { h.push("<li>" + r.facts[i] + "</li>"); }
      h.push("</ul>");
    }
    for (i = 0; i < r.quotes.length; i++) {
      h.push('<blockquote class="atlas-quote">\u201c' + r.quotes[i][0] + "\u201d" +
        '<div class="atlas-source">\u2014 ' + r.quotes[i][1] + "</div></blockquote>");
    }
    h.push('<div class="atlas-ref">Record id: ' + r.id + "</div>");
    return popupDiv(h);
  }

  /* The popup of feature j of a compact payload: the number of quotes, not the quotes. */
  function popupNodeCompact(data, cols, j) {
    var f = decode.compactFeature(data, cols, j), h = [], q = f.quotes;
    h.push('<div class="atlas-sub">' + f.kind + "</div>");
    h.push('<div class="atlas-title">' + f.title + "</div>");
    if (f.where) { h.push('<div class="atlas-where">' + f.where + "</div>"); }
    if (f.approx) { h.push('<div class="atlas-approx-note">' + f.approx + "</div>"); }
    h.push('<div class="atlas-when">' + f.when + "</div>");
    if (f.fact) { h.push('<ul class="atlas-facts"><li>' + f.fact + "</li></ul>"); }
    h.push('<div class="atlas-more">' + (q ? q + (q === 1 ? " quote" : " quotes") +
      " with sources: shown in the Details panel" : "No quote is shown for this record") +
      "</div>");
    h.push('<div class="atlas-ref">Record id: ' + f.id + "</div>");
    return popupDiv(h);
  }

  function markerIcon(prefix, layerIndex, approx) {
    var cls = "atlas-marker " + prefix + layerIndex + (approx ? " atlas-approx" : "");
    var size = approx ? 18 : 12;
    return L.divIcon({ className: cls, iconSize: [size, size], html: "" });
  }

  /* The district polygons (data.d, decoded by decode.decodeBasemap), with their names as
   * tooltips; returns the layer, or undefined without districts. */
  function addBasemap(map, data) {
    if (!data.d) { return; }
    var S = data.s;
    var styles = {
      county: { color: "#9a9488", weight: 0.6, fillColor: "#f3efe6", fillOpacity: 1 },
      prefecture: { color: "#5f5a50", weight: 1.4, fill: false },
      region: { color: "#8793a0", weight: 0.9, fillColor: "#e9edf1", fillOpacity: 1 }
    };
    var layer = L.geoJSON(data.d, {
      style: function (f) { return styles[f.properties.v] || styles.county; },
      interactive: true,
      bubblingMouseEvents: false
    });
    layer.bindTooltip(function (l) { return S[l.feature.properties.n]; }, { sticky: true });
    layer.addTo(map);
    return layer;
  }

  /* District names in the "atlasLabels" pane: regions and prefectures from zoom 5, counties
   * from zoom 8 (atlas.css shows them by the container's classes). */
  function addLabels(map, data) {
    if (!data.labels || !data.labels.length) { return; }
    var group = L.layerGroup();
    for (var i = 0; i < data.labels.length; i++) {
      var lb = data.labels[i];
      var level = /^[a-z]+$/.test(lb[3]) ? lb[3] : "county";
      group.addLayer(L.marker([lb[0], lb[1]], {
        interactive: false, keyboard: false, pane: "atlasLabels",
        icon: L.divIcon({ className: "atlas-label atlas-label-" + level, iconSize: null,
          html: "<span>" + data.s[lb[2]] + "</span>" })
      }));
    }
    var container = map.getContainer();
    var onZoom = function () {
      container.classList.toggle("atlas-zoom-areas", map.getZoom() >= 5);
      container.classList.toggle("atlas-zoom-counties", map.getZoom() >= 8);
    };
    map.on("zoomend", onZoom);
    onZoom();
    group.addTo(map);
  }

  /* A style sheet giving each layer of the selection its colour (class prefix + index). */
  function addColours(data, prefix) {
    var css = [];
    for (var i = 0; i < data.layers.length; i++) {
      var colour = data.layers[i][2];
      if (!/^#[0-9a-fA-F]{6}$/.test(colour)) { continue; }
      css.push("." + prefix + i + "{background:" + colour + ";border-color:" + colour + "}");
      css.push(".atlas-approx." + prefix + i + "{background:transparent;border-color:" + colour + "}");
    }
    var style = document.createElement("style");
    style.textContent = css.join("\n");
    document.head.appendChild(style);
    return style;
  }

  /* Per layer, the dashed outlines of the districts its approximate places are known to
   * (data.o indexes the features of `base`, the basemap layer). */
  function outlinesOf(data, base) {
    var basemapFeatures = base ? base.getLayers() : [];
    var outlineGroups = data.layers.map(function () { return []; });
    for (var i = 0; i < data.o.length; i++) {
      var area = basemapFeatures[data.o[i][1]];
      if (!area) { continue; }
      outlineGroups[data.o[i][0]].push(L.geoJSON(area.feature, {
        interactive: false,
        style: { className: "atlas-outline atlas-o" + data.o[i][0], color: data.layers[data.o[i][0]][2],
          weight: 2, dashArray: "5 4", fill: true, fillOpacity: 0.06 }
      }));
    }
    return outlineGroups;
  }

  function clusterGroup() {
    return L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      maxClusterRadius: 40,
      spiderfyDistanceMultiplier: 1.6
    });
  }

  function overlayLabel(prefix, k, label, count) {
    return '<span class="atlas-swatch ' + prefix + k + '"></span>' + label + " (" + count + ")";
  }

  /* ---- compact mode: columns in data.f, grid clustering of what is on screen ---- */

  var CELL_PX = 60, SPREAD_MAX = 500;

  /* Draw a compact selection into `target`. opts: prefix (colour classes), slot, hidden
   * ({layer key: true} for layers the reader switched off) and base (the basemap layer). */
  function compactRender(map, target, data, opts) {
    var prefix = opts.prefix, F = data.f, i, k;
    var cols = decode.decodeCompact(data), n = cols.n, lon = cols.lon, lat = cols.lat;
    var layerOf = cols.layerOf, home = cols.home;
    var mx = new Float64Array(lon.length), my = new Float64Array(lon.length);
    for (i = 0; i < lon.length; i++) {  // web mercator in [0, 1], for the grid
      var s = Math.sin(Math.max(-85, Math.min(85, lat[i])) * Math.PI / 180);
      mx[i] = (lon[i] + 180) / 360;
      my[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
    }

    var active = data.layers.map(function (layer) { return !opts.hidden[layer[0]]; });
    var outlineGroups = outlinesOf(data, opts.base).map(function (members, l) {
      var group = L.layerGroup(members);
      if (active[l]) { target.addLayer(group); }
      return group;
    });
    var groups = [], overlays = [];
    for (k = 0; k < data.layers.length; k++) {
      var g = L.featureGroup();
      g.bindPopup(function (layer) { return popupNodeCompact(data, cols, layer.options.atlasFeature); },
        { maxWidth: 360, maxHeight: 320, autoPanPaddingTopLeft: [20, 140],
          autoPanPaddingBottomRight: [20, 20] });
      g.bindTooltip(function (layer) { return decode.compactTitle(data, layer.options.atlasFeature); },
        { direction: "top", offset: [0, -6] });
      if (active[k]) { target.addLayer(g); }
      groups.push(g);
      overlays.push([g, overlayLabel(prefix, k, data.s[data.layers[k][1]], F.k[k])]);
    }
    var lines = L.layerGroup(), clusters = L.layerGroup();
    target.addLayer(lines);
    target.addLayer(clusters);
    var spreadKey = null, spreadZoom = null;
    var drawn = { map: map, mode: "compact", slot: opts.slot, groups: groups, clusters: clusters,
      basemap: opts.base, draws: 0, lastMs: 0, ids: cols.ids, features: n, overlays: overlays,
      handlers: [], layers: groups.concat(outlineGroups, [lines, clusters]), removed: false };

    function marker(j, latlng) {
      var m = L.marker(latlng, { icon: markerIcon(prefix, layerOf[j], decode.compactApprox(data, j)),
        atlasFeature: j, keyboard: true });
      groups[layerOf[j]].addLayer(m);
      var h = home[j];
      if (h >= 0) {
        lines.addLayer(L.polyline([[lat[h], lon[h]], latlng], {
          color: data.layers[layerOf[j]][2], weight: 1.6, opacity: 0.7, interactive: false,
          className: "atlas-link" }));
      }
      return m;
    }

    function spread(cell, zoom) {
      var q = cell.q, centre = map.project([lat[q], lon[q]], zoom);
      for (var m = 0; m < cell.m.length; m++) {
        var j = cell.m[m];
        if (cell.same && cell.m.length === 1) { marker(j, [lat[q], lon[q]]); continue; }
        var p = F.p[j], own = [lat[p], lon[p]];
        if (!cell.same) { marker(j, own); continue; }
        var angle = m * 2.39996, radius = 18 + 9 * Math.sqrt(m);
        var at = map.unproject(centre.add([radius * Math.cos(angle), radius * Math.sin(angle)]), zoom);
        lines.addLayer(L.polyline([own, at], { color: "#555", weight: 1, opacity: 0.6,
          interactive: false }));
        marker(j, at);
      }
    }

    function clusterMarker(cell, key, zoom) {
      var count = cell.m.length, sumLat = 0, sumLon = 0;
      for (var m = 0; m < count; m++) { var p = F.p[cell.m[m]]; sumLat += lat[p]; sumLon += lon[p]; }
      var size = count < 10 ? "small" : count < 100 ? "medium" : "large";
      var c = L.marker([sumLat / count, sumLon / count], {
        icon: L.divIcon({ html: "<div><span>" + count + "</span></div>",
          className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40) }),
        keyboard: true
      });
      c.on("click", function () {
        if (!cell.same && zoom < map.getMaxZoom()) {
          var b = L.latLngBounds([]);
          for (var m = 0; m < count; m++) { var p = F.p[cell.m[m]]; b.extend([lat[p], lon[p]]); }
          map.fitBounds(b, { maxZoom: Math.min(map.getMaxZoom(), zoom + 3), padding: [30, 30] });
        } else {
          spreadKey = key; spreadZoom = zoom; redraw();
        }
      });
      clusters.addLayer(c);
    }

    function redraw() {
      var start = performance.now(), zoom = map.getZoom();
      if (zoom !== spreadZoom) { spreadKey = null; }
      for (var l = 0; l < groups.length; l++) { groups[l].clearLayers(); }
      lines.clearLayers();
      clusters.clearLayers();
      var b = map.getBounds().pad(0.2), south = b.getSouth(), north = b.getNorth(),
        west = b.getWest(), east = b.getEast();
      var scale = 256 * Math.pow(2, zoom) / CELL_PX, cells = new Map();
      for (var j = 0; j < n; j++) {
        if (!active[layerOf[j]]) { continue; }
        var q = F.p[j], la = lat[q], lo = lon[q];
        if (la < south || la > north || lo < west || lo > east) { continue; }
        var key = Math.floor(mx[q] * scale) * 4194304 + Math.floor(my[q] * scale);
        var cell = cells.get(key);
        if (cell === undefined) { cells.set(key, { m: [j], q: q, same: true }); continue; }
        cell.m.push(j);
        if (cell.q !== q) { cell.same = false; }
      }
      var maxZoom = map.getMaxZoom();
      cells.forEach(function (c, key) {
        // Records at one spot spread on their own when few; at the last zoom level (or when
        // clicked) up to SPREAD_MAX spread, so every record stays reachable.
        var spreadable = c.m.length <= (zoom >= maxZoom || key === spreadKey ? SPREAD_MAX : 8);
        if (c.m.length === 1 || (spreadable && (c.same || zoom >= maxZoom || key === spreadKey))) {
          spread(c, zoom);
        } else {
          clusterMarker(c, key, zoom);
        }
      });
      drawn.draws += 1;
      drawn.lastMs = performance.now() - start;
      drawn.drawnAt = performance.now();
    }

    drawn.toggle = function (l, on) {  // the reader switched layer l on or off
      active[l] = on;
      if (on) { outlineGroups[l].addTo(map); } else { map.removeLayer(outlineGroups[l]); }
      redraw();
    };
    drawn.handlers.push(["moveend", redraw]);
    // Now if the map has its view (folium sets it before any of our scripts run), else when
    // it gets one.
    map.whenReady(function () { if (!drawn.removed) { redraw(); } });
    drawn.redraw = redraw;
    return drawn;
  }

  /* ---- full mode: every record a marker in one marker cluster ---- */

  /* Draw a full selection into `target` (opts: see compactRender). */
  function fullRender(map, target, data, opts) {
    var prefix = opts.prefix, clusters = clusterGroup();
    target.addLayer(clusters);
    var groups = [], overlays = [], i;
    var popup = function (layer) { return popupNode(data, layer.options.atlasRecord); };
    var tooltip = function (layer) { return decode.recordTitle(data, layer.options.atlasRecord); };
    for (i = 0; i < data.layers.length; i++) {
      var g = L.featureGroup.subGroup(clusters);
      g.bindPopup(popup, { maxWidth: 360, maxHeight: 320, autoPanPaddingTopLeft: [20, 140],
        autoPanPaddingBottomRight: [20, 20] });
      g.bindTooltip(tooltip, { direction: "top", offset: [0, -6] });
      groups.push(g);
    }
    var outlineGroups = outlinesOf(data, opts.base);
    var pointsByGroup = data.layers.map(function () { return []; });
    for (i = 0; i < data.p.length; i++) {
      var pt = data.p[i], layer = decode.recordLayer(data, pt[2]);
      pointsByGroup[layer].push(L.marker([pt[0], pt[1]], {
        icon: markerIcon(prefix, layer, decode.recordApprox(data, pt[2])),
        atlasRecord: pt[2],
        keyboard: true
      }));
    }
    for (i = 0; i < data.l.length; i++) {
      var ln = data.l[i], lineLayer = decode.recordLayer(data, ln[4]);
      pointsByGroup[lineLayer].push(L.polyline([[ln[0], ln[1]], [ln[2], ln[3]]], {
        color: data.layers[lineLayer][2], weight: 1.6, opacity: 0.7,
        atlasRecord: ln[4], className: "atlas-link"
      }));
    }
    for (i = 0; i < groups.length; i++) {
      var members = outlineGroups[i].concat(pointsByGroup[i]);
      for (var j = 0; j < members.length; j++) { groups[i].addLayer(members[j]); }
      if (!opts.hidden[data.layers[i][0]]) { target.addLayer(groups[i]); }
      overlays.push([groups[i],
        overlayLabel(prefix, i, data.s[data.layers[i][1]], pointsByGroup[i].length)]);
    }
    return { map: map, mode: "full", slot: opts.slot, clusters: clusters, groups: groups,
      basemap: opts.base, overlays: overlays, handlers: [], layers: groups.concat([clusters]),
      removed: false };
  }

  return {
    addBasemap: addBasemap,
    addLabels: addLabels,
    addColours: addColours,
    compactRender: compactRender,
    fullRender: fullRender
  };
}));
