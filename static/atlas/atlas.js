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
 *   d: district basemap FeatureCollection (properties: n = escaped name, v = level)
 *   labels: [lat, lon, name, level] district names (regions and prefectures from zoom 5,
 *           counties from zoom 8)
 *   legend: [escaped legend lines]; attribution: escaped attribution
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

  function markerIcon(layerIndex, approx) {
    var cls = "atlas-marker atlas-l" + layerIndex + (approx ? " atlas-approx" : "");
    var size = approx ? 18 : 12;
    return L.divIcon({ className: cls, iconSize: [size, size], html: "" });
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

  function addColours(data) {
    var css = [];
    for (var i = 0; i < data.layers.length; i++) {
      var colour = data.layers[i][2];
      if (!/^#[0-9a-fA-F]{6}$/.test(colour)) { continue; }
      css.push(".atlas-l" + i + "{background:" + colour + ";border-color:" + colour + "}");
      css.push(".atlas-approx.atlas-l" + i + "{background:transparent;border-color:" + colour + "}");
    }
    var style = document.createElement("style");
    style.textContent = css.join("\n");
    document.head.appendChild(style);
  }

  window.atlasRender = function (map, data) {
    addColours(data);
    map.createPane("atlasLabels");
    map.getPane("atlasLabels").style.zIndex = 450;
    map.getPane("atlasLabels").style.pointerEvents = "none";
    var base = addBasemap(map, data);
    addLabels(map, data);
    var clusters = L.markerClusterGroup({
      chunkedLoading: true,
      showCoverageOnHover: false,
      maxClusterRadius: 40,
      spiderfyDistanceMultiplier: 1.6
    });
    map.addLayer(clusters);
    var groups = [], overlays = {}, i;
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
    var basemapFeatures = base ? base.getLayers() : [];
    var outlineGroups = data.layers.map(function () { return []; });
    for (i = 0; i < data.o.length; i++) {
      var area = basemapFeatures[data.o[i][1]];
      if (!area) { continue; }
      outlineGroups[data.o[i][0]].push(L.geoJSON(area.feature, {
        interactive: false,
        style: { className: "atlas-outline atlas-o" + data.o[i][0], color: data.layers[data.o[i][0]][2],
          weight: 2, dashArray: "5 4", fill: true, fillOpacity: 0.06 }
      }));
    }
    var pointsByGroup = data.layers.map(function () { return []; });
    for (i = 0; i < data.p.length; i++) {
      var pt = data.p[i], rec = data.r[pt[2]];
      pointsByGroup[rec[REC_LAYER]].push(L.marker([pt[0], pt[1]], {
        icon: markerIcon(rec[REC_LAYER], rec[REC_APPROX]),
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
      groups[i].addTo(map);
      var label = '<span class="atlas-swatch atlas-l' + i + '"></span>' + data.s[data.layers[i][1]] +
        " (" + pointsByGroup[i].length + ")";
      overlays[label] = groups[i];
    }
    L.control.layers(null, overlays, { collapsed: false, position: "topright" }).addTo(map);
    addLegend(map, data);
    if (data.attribution && map.attributionControl) {
      map.attributionControl.addAttribution(data.s[data.attribution]);
    }
    var drawn = { map: map, clusters: clusters, groups: groups, basemap: base };
    window.atlasDrawn = drawn;  // for the browser tests and the curious
    return drawn;
  };
}());
