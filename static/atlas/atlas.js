/* Draws the atlas layers on a Leaflet map from the compact payload written by
 * layers/render.py. Part of the project (MIT). Needs leaflet, leaflet.markercluster and
 * leaflet.featuregroup.subgroup, all served from /app/static.
 *
 * Safety: every data string in the payload was HTML-escaped in Python (layers/_popup.py) and
 * is only ever concatenated with our own fixed markup. Nothing here puts data into an
 * attribute, a URL, a style or a script.
 *
 * Payload (all strings are indices into payload.s, the string table):
 *   s: [escaped strings]
 *   layers: [[key, label, colour, symbol]]               symbol: "pin" | "line"
 *   r: records, each [layer, title, subtitle, where, when, approx, facts[], quotes[], id]
 *      approx is 0 or the index of a precision note; quotes is a flat [quote, source, ...]
 *   p: points, each [lat, lon, record]
 *   l: lines, each [lat1, lon1, lat2, lon2, record]
 *   o: approximate areas, each [layer, district feature index]
 *   d: district basemap FeatureCollection (properties: n = escaped name, v = level; e = the
 *      polygons' rings, flat [x, y, dx, dy, ...] in 1e-4 degrees, see decodeRings)
 *   labels: [lat, lon, name, level] district names (regions and prefectures from zoom 5,
 *           counties from zoom 8)
 *   legend: [escaped legend lines]; attribution: escaped attribution
 *
 * With mode "compact" (large layers, layers/_compact.py) there are no r, p, l: the features
 * are columns in f (see compactRender), drawn by a grid clustering of our own that only
 * creates markers for what is on screen, and popups carry no quotes (the app's details
 * panel shows them for the clicked record id).
 *
 * Two entry points share the drawing code:
 *   atlasRender(map, payload)  one page, one payload with the basemap (standalone HTML);
 *   atlasBase(map, base) once, then atlasData(map, target, data, options) per selection
 *     (the app): the map and its basemap stay; each new selection replaces the previous
 *     one of its slot ("atlas", "upload"), so a filter change redraws only the data.
 *     Everything a slot draws goes into target (a Leaflet layer group on the map); when
 *     target leaves the map, or the slot is drawn again, the slot's layer-control entries,
 *     event handlers, colours and attribution go too.
 */
(function () {
  "use strict";

  var REC_LAYER = 0, REC_TITLE = 1, REC_SUB = 2, REC_WHERE = 3, REC_WHEN = 4,
    REC_APPROX = 5, REC_FACTS = 6, REC_QUOTES = 7, REC_ID = 8;

  function popupNode(data, index) {
    var S = data.s, r = data.r[index], i, h = [];
    h.push('<div class="atlas-sub">' + S[r[REC_SUB]] + "</div>");
    h.push('<div class="atlas-title">' + S[r[REC_TITLE]] + "</div>");
    if (r[REC_WHERE]) { h.push('<div class="atlas-where">' + S[r[REC_WHERE]] + "</div>"); }
    if (r[REC_APPROX]) { h.push('<div class="atlas-approx-note">' + S[r[REC_APPROX]] + "</div>"); }
    h.push('<div class="atlas-when">' + S[r[REC_WHEN]] + "</div>");
    var facts = r[REC_FACTS];
    if (facts.length) {
      h.push('<ul class="atlas-facts">');
      for (i = 0; i < facts.length; i++) { h.push("<li>" + S[facts[i]] + "</li>"); }
      h.push("</ul>");
    }
    var quotes = r[REC_QUOTES];
    for (i = 0; i + 1 < quotes.length; i += 2) {
      h.push('<blockquote class="atlas-quote">\u201c' + S[quotes[i]] + "\u201d" +
        '<div class="atlas-source">\u2014 ' + S[quotes[i + 1]] + "</div></blockquote>");
    }
    h.push('<div class="atlas-ref">Record id: ' + S[r[REC_ID]] + "</div>");
    var div = document.createElement("div");
    div.className = "atlas-popup";
    div.innerHTML = h.join("");
    return div;
  }

  function markerIcon(prefix, layerIndex, approx) {
    var cls = "atlas-marker " + prefix + layerIndex + (approx ? " atlas-approx" : "");
    var size = approx ? 18 : 12;
    return L.divIcon({ className: cls, iconSize: [size, size], html: "" });
  }

  function decodeRings(e) {
    var polygons = [], p, r, k;
    for (p = 0; p < e.length; p++) {
      var rings = [];
      for (r = 0; r < e[p].length; r++) {
        var flat = e[p][r], coords = [], x = 0, y = 0;
        for (k = 0; k + 1 < flat.length; k += 2) {
          x += flat[k]; y += flat[k + 1];
          coords.push([x / 1e4, y / 1e4]);
        }
        rings.push(coords);
      }
      polygons.push(rings);
    }
    return polygons.length === 1 ? { type: "Polygon", coordinates: polygons[0] } :
      { type: "MultiPolygon", coordinates: polygons };
  }

  function decodeBasemap(data) {
    if (!data.d) { return; }
    var features = data.d.features;
    for (var i = 0; i < features.length; i++) {
      if (features[i].e && !features[i].geometry) {
        features[i].geometry = decodeRings(features[i].e);
        delete features[i].e;
      }
    }
  }

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

  function addLegend(map, data) {
    var legend = L.control({ position: "bottomleft" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "atlas-legend leaflet-bar");
      // The layer control already shows each layer's colour; the legend explains the symbols.
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

  /* One layer control per map, shared by the slots: each adds its overlays, and takes them
   * out again when it is replaced or removed. */
  function layerControl(map) {
    if (!map._atlasControl) {
      map._atlasControl = L.control.layers(null, null, { collapsed: false, position: "topright" })
        .addTo(map);
    }
    return map._atlasControl;
  }

  function clusterGroup() {
    return L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      maxClusterRadius: 40,
      spiderfyDistanceMultiplier: 1.6
    });
  }

  /* ---- compact mode: columns in data.f, grid clustering of what is on screen ---- */

  var CELL_PX = 60, SPREAD_MAX = 500;

  function decodeIds(F, S, n) {
    var ids = new Array(n), last = {}, at = 0, feature = 0;
    for (var k = 0; k + 1 < F.i.length; k += 2) {
      var parts = S[F.i[k]].split(/<(\d+)>/), count = F.i[k + 1];
      for (var c = 0; c < count; c++) {
        var out = parts[0];
        for (var m = 1; m < parts.length; m += 2) {
          var key = F.i[k] + ":" + m, v = (last[key] || 0) + F.j[at++];
          last[key] = v;
          var digits = String(v);
          while (digits.length < +parts[m]) { digits = "0" + digits; }
          out += digits + parts[m + 1];
        }
        ids[feature++] = out;
      }
    }
    return ids;
  }

  function compactRender(map, target, data, prefix, slot, hidden) {
    var S = data.s, F = data.f, n = F.p.length, i, k;
    var base = map._atlasBase || null;
    var nPoints = F.P.length / 2, lon = new Float64Array(nPoints), lat = new Float64Array(nPoints);
    var mx = new Float64Array(nPoints), my = new Float64Array(nPoints), x = 0;
    for (i = 0; i < nPoints; i++) {
      x += F.P[2 * i];
      lon[i] = x / 1e5;
      lat[i] = F.P[2 * i + 1] / 1e5;
      var s = Math.sin(Math.max(-85, Math.min(85, lat[i])) * Math.PI / 180);
      mx[i] = (lon[i] + 180) / 360;
      my[i] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
    }
    var layerOf = new Uint8Array(n), at = 0;
    for (k = 0; k < F.k.length; k++) { for (i = 0; i < F.k[k]; i++) { layerOf[at++] = k; } }
    var fact = new Int32Array(n), home = new Int32Array(n).fill(-1), f = 0;
    for (k = 0; k + 1 < F.c.length; k += 2) { f += F.c[k]; fact[f] = F.c[k + 1]; }
    for (k = 0, f = 0; k < F.hf.length; k++) { f += F.hf[k]; home[f] = F.hp[k]; }
    var ids = decodeIds(F, S, n);

    function title(j) { return S[F.t[j]] + (F.u[j] ? " \u2192 " + S[F.u[j]] : ""); }

    function popupNodeCompact(j) {
      var place = F.A[F.a[j]], h = [], q = F.n[j];
      h.push('<div class="atlas-sub">' + S[F.B[F.b[j]]] + "</div>");
      h.push('<div class="atlas-title">' + title(j) + "</div>");
      if (place[0]) { h.push('<div class="atlas-where">' + S[place[0]] + "</div>"); }
      if (place[1]) { h.push('<div class="atlas-approx-note">' + S[place[1]] + "</div>"); }
      h.push('<div class="atlas-when">' + S[F.W[F.w[j]]] + "</div>");
      if (fact[j]) { h.push('<ul class="atlas-facts"><li>' + S[fact[j]] + "</li></ul>"); }
      h.push('<div class="atlas-more">' + (q ? q + (q === 1 ? " quote" : " quotes") +
        " with sources: shown in the Details panel" : "No quote is shown for this record") +
        "</div>");
      h.push('<div class="atlas-ref">Record id: ' + ids[j] + "</div>");
      var div = document.createElement("div");
      div.className = "atlas-popup";
      div.innerHTML = h.join("");
      return div;
    }

    var active = data.layers.map(function (layer) { return !hidden[layer[0]]; });
    var outlineGroups = outlinesOf(data, base).map(function (members, l) {
      var group = L.layerGroup(members);
      if (active[l]) { target.addLayer(group); }
      return group;
    });
    var groups = [], overlays = [];
    for (k = 0; k < data.layers.length; k++) {
      var g = L.featureGroup();
      g.bindPopup(function (layer) { return popupNodeCompact(layer.options.atlasFeature); },
        { maxWidth: 360, maxHeight: 320, autoPanPaddingTopLeft: [20, 140],
          autoPanPaddingBottomRight: [20, 20] });
      g.bindTooltip(function (layer) { return title(layer.options.atlasFeature); },
        { direction: "top", offset: [0, -6] });
      if (active[k]) { target.addLayer(g); }
      groups.push(g);
      overlays.push([g, '<span class="atlas-swatch ' + prefix + k + '"></span>' +
        S[data.layers[k][1]] + " (" + F.k[k] + ")"]);
    }
    var lines = L.layerGroup(), clusters = L.layerGroup();
    target.addLayer(lines);
    target.addLayer(clusters);
    var spreadKey = null, spreadZoom = null;
    var drawn = { map: map, mode: "compact", slot: slot, groups: groups, clusters: clusters,
      basemap: base, draws: 0, lastMs: 0, ids: ids, features: n, overlays: overlays,
      handlers: [], layers: groups.concat(outlineGroups, [lines, clusters]) };

    function marker(j, latlng) {
      var approx = F.A[F.a[j]][1] !== 0;
      var m = L.marker(latlng, { icon: markerIcon(prefix, layerOf[j], approx), atlasFeature: j,
        keyboard: true });
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
    if (map._loaded) { redraw(); }
    drawn.redraw = redraw;
    return drawn;
  }

  function fullRender(map, target, data, prefix, slot, hidden) {
    var base = map._atlasBase || null;
    var clusters = clusterGroup();
    target.addLayer(clusters);
    var groups = [], overlays = [], i;
    var popup = function (layer) { return popupNode(data, layer.options.atlasRecord); };
    var tooltip = function (layer) {
      return data.s[data.r[layer.options.atlasRecord][REC_TITLE]];
    };
    for (i = 0; i < data.layers.length; i++) {
      var g = L.featureGroup.subGroup(clusters);
      g.bindPopup(popup, { maxWidth: 360, maxHeight: 320, autoPanPaddingTopLeft: [20, 140],
        autoPanPaddingBottomRight: [20, 20] });
      g.bindTooltip(tooltip, { direction: "top", offset: [0, -6] });
      groups.push(g);
    }
    var outlineGroups = outlinesOf(data, base);
    var pointsByGroup = data.layers.map(function () { return []; });
    for (i = 0; i < data.p.length; i++) {
      var pt = data.p[i], rec = data.r[pt[2]];
      pointsByGroup[rec[REC_LAYER]].push(L.marker([pt[0], pt[1]], {
        icon: markerIcon(prefix, rec[REC_LAYER], rec[REC_APPROX]),
        atlasRecord: pt[2],
        keyboard: true
      }));
    }
    for (i = 0; i < data.l.length; i++) {
      var ln = data.l[i], lrec = data.r[ln[4]];
      pointsByGroup[lrec[REC_LAYER]].push(L.polyline([[ln[0], ln[1]], [ln[2], ln[3]]], {
        color: data.layers[lrec[REC_LAYER]][2], weight: 1.6, opacity: 0.7,
        atlasRecord: ln[4], className: "atlas-link"
      }));
    }
    for (i = 0; i < groups.length; i++) {
      var members = outlineGroups[i].concat(pointsByGroup[i]);
      for (var j = 0; j < members.length; j++) { groups[i].addLayer(members[j]); }
      if (!hidden[data.layers[i][0]]) { target.addLayer(groups[i]); }
      overlays.push([groups[i], '<span class="atlas-swatch ' + prefix + i + '"></span>' +
        data.s[data.layers[i][1]] + " (" + pointsByGroup[i].length + ")"]);
    }
    return { map: map, mode: "full", slot: slot, clusters: clusters, groups: groups,
      basemap: base, overlays: overlays, handlers: [], layers: groups.concat([clusters]) };
  }

  /* ---- entry points ---- */

  window.atlasBase = function (map, base) {
    decodeBasemap(base);
    map.createPane("atlasLabels");
    map.getPane("atlasLabels").style.zIndex = 450;
    map.getPane("atlasLabels").style.pointerEvents = "none";
    map._atlasBase = addBasemap(map, base) || null;
    addLabels(map, base);
    addLegend(map, base);
    if (base.attribution && map.attributionControl) {
      map.attributionControl.addAttribution(base.s[base.attribution]);
    }
    return map._atlasBase;
  };

  window.atlasData = function (map, target, data, options) {
    var opts = options || {}, slot = /^[a-z]+$/.test(opts.slot || "") ? opts.slot : "atlas";
    var slots = map._atlasSlots || (map._atlasSlots = {});
    if (slots[slot]) { slots[slot].remove(); }
    var prefix = slot === "atlas" ? "atlas-l" : "atlas-" + slot + "-l";
    var style = addColours(data, prefix);
    // Layers the reader switched off in the layer control stay off in the next selection.
    var hiddenBySlot = map._atlasHidden || (map._atlasHidden = {});
    var hidden = hiddenBySlot[slot] || (hiddenBySlot[slot] = {});
    var drawn = (data.mode === "compact" ? compactRender : fullRender)(map, target, data,
      prefix, slot, hidden);
    var control = layerControl(map), credit = opts.credit === false ? 0 : data.attribution;
    var onToggle = function (e) {
      // The control also reports layers that come and go with a selection: only a click in
      // it is the reader's choice.
      if (!control._handlingClick) { return; }
      var l = drawn.groups.indexOf(e.layer);
      if (l < 0) { return; }
      hidden[data.layers[l][0]] = e.type === "overlayremove";
      if (drawn.toggle) { drawn.toggle(l, e.type === "overlayadd"); }
    };
    drawn.handlers.push(["overlayadd overlayremove", onToggle]);
    drawn.overlays.forEach(function (o) { control.addOverlay(o[0], o[1]); });
    drawn.handlers.forEach(function (h) { map.on(h[0], h[1]); });
    if (credit && map.attributionControl) {
      map.attributionControl.addAttribution(data.s[credit]);
    }
    var removed = false;
    drawn.remove = function () {
      if (removed) { return; }
      removed = true;
      drawn.overlays.forEach(function (o) { control.removeLayer(o[0]); });
      if (!control._layers.length && map._atlasControl === control) {  // the last slot went
        map.removeControl(control);
        delete map._atlasControl;
      }
      drawn.handlers.forEach(function (h) { map.off(h[0], h[1]); });
      if (credit && map.attributionControl) {
        map.attributionControl.removeAttribution(data.s[credit]);
      }
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
    if (opts.fit !== undefined && opts.fit !== null && map._atlasFit !== opts.fit &&
        data.bounds) {
      map._atlasFit = opts.fit;
      map.fitBounds(data.bounds);
    }
    drawn.target = target;
    slots[slot] = drawn;
    if (slot === "atlas") { window.atlasDrawn = drawn; }  // for the browser tests and the curious
    return drawn;
  };

  window.atlasRender = function (map, data) {
    window.atlasBase(map, data);
    return window.atlasData(map, map, data, { slot: "atlas", credit: false });
  };
}());
