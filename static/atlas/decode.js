/* Atlas.decode: reads the payload layers/render/draw.py and layers/render/compact.py write.
 * Part of the project (MIT). Pure functions: no Leaflet, no DOM, so Node tests them
 * (tests/js/decode.test.js, against fixtures the Python encoder writes).
 *
 * Module format: see state.js (a classic script adding window.Atlas.decode in a browser, a
 * CommonJS module under Node).
 *
 * Payload (all strings are indices into payload.s, the string table of escaped strings; string
 * 0 is ''):
 *   s: [escaped strings]
 *   layers: [[key, label, colour, symbol]]               symbol: "pin" | "line"
 *   mode "full" (small selections):
 *     r: records, each [layer, title, subtitle, where, when, approx, facts[], quotes[], id]
 *        approx is 0 or the index of a precision note; quotes is a flat [quote, source, ...]
 *     p: points, each [lat, lon, record];  l: lines, each [lat1, lon1, lat2, lon2, record]
 *   mode "compact" (large selections): no r, p, l but columns in f (layers/render/compact.py
 *     documents them), read by decodeCompact and compactFeature; no quotes, only their number
 *   o: approximate areas, each [layer, district feature index]
 *   d: district basemap FeatureCollection (properties: n = escaped name, v = level; e = the
 *      polygons' rings, flat [x, y, dx, dy, ...] in 1e-4 degrees, see decodeRings)
 *   labels: [lat, lon, name, level];  attribution: escaped attribution;  bounds
 *
 * Safety: every string here was HTML-escaped in Python (layers/render/popup.py); the decoded
 * text is only ever concatenated with fixed markup (render.js).
 */
(function (factory) {
  "use strict";
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    var Atlas = window.Atlas = window.Atlas || {};
    Atlas.decode = factory();
  }
}(function () {
  "use strict";

  var REC_LAYER = 0, REC_TITLE = 1, REC_SUB = 2, REC_WHERE = 3, REC_WHEN = 4,
    REC_APPROX = 5, REC_FACTS = 6, REC_QUOTES = 7, REC_ID = 8;

  /* ---- the basemap ---- */

  /* A district's polygons from their step-encoded rings (layers/render/draw.py _encode_rings):
   * a GeoJSON Polygon, or a MultiPolygon when there are several. */
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

  /* Give each basemap feature of data.d its GeoJSON geometry (in place; once). */
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

  /* ---- the full payload ---- */

  /* Record `index` of data.r as the escaped text of its popup. */
  function decodeRecord(data, index) {
    var S = data.s, r = data.r[index], i, facts = [], quotes = [];
    for (i = 0; i < r[REC_FACTS].length; i++) { facts.push(S[r[REC_FACTS][i]]); }
    for (i = 0; i + 1 < r[REC_QUOTES].length; i += 2) {
      quotes.push([S[r[REC_QUOTES][i]], S[r[REC_QUOTES][i + 1]]]);
    }
    return { layer: data.layers[r[REC_LAYER]][0], title: S[r[REC_TITLE]],
      subtitle: S[r[REC_SUB]], where: S[r[REC_WHERE]], when: S[r[REC_WHEN]],
      approx: S[r[REC_APPROX]], facts: facts, quotes: quotes, id: S[r[REC_ID]] };
  }

  /* The layer index of record `index` of data.r, and whether its place is approximate. */
  function recordLayer(data, index) { return data.r[index][REC_LAYER]; }
  function recordApprox(data, index) { return data.r[index][REC_APPROX] !== 0; }
  function recordTitle(data, index) { return data.s[data.r[index][REC_TITLE]]; }

  /* ---- the compact payload: columns in data.f ---- */

  /* Record ids from their templates (F.i, run-length [template, count, ...]) and numbers (F.j,
   * each the step from the previous number in the same template slot); a template is escaped
   * text with <width> where a zero-padded number goes (layers/render/compact.py _Ids). */
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

  /* The columns of data.f that need a pass over all features, decoded once per payload:
   *   n         the number of features;
   *   lon, lat  the distinct points (F.P, [dx, y, ...] in 1e-5 degrees, dx a step);
   *   layerOf   each feature's layer index (F.k: features per layer, layer after layer);
   *   fact      each feature's fact string index, 0 for none (F.c: [feature step, fact, ...]);
   *   home      each feature's home point (a line's start) or -1 (F.hf steps, F.hp points);
   *   ids       each feature's escaped record id. */
  function decodeCompact(data) {
    var F = data.f, n = F.p.length, nPoints = F.P.length / 2, i, k, f, x = 0;
    var lon = new Float64Array(nPoints), lat = new Float64Array(nPoints);
    for (i = 0; i < nPoints; i++) {
      x += F.P[2 * i];
      lon[i] = x / 1e5;
      lat[i] = F.P[2 * i + 1] / 1e5;
    }
    var layerOf = new Uint8Array(n), at = 0;
    for (k = 0; k < F.k.length; k++) { for (i = 0; i < F.k[k]; i++) { layerOf[at++] = k; } }
    var fact = new Int32Array(n), home = new Int32Array(n).fill(-1);
    for (k = 0, f = 0; k + 1 < F.c.length; k += 2) { f += F.c[k]; fact[f] = F.c[k + 1]; }
    for (k = 0, f = 0; k < F.hf.length; k++) { f += F.hf[k]; home[f] = F.hp[k]; }
    return { n: n, lon: lon, lat: lat, layerOf: layerOf, fact: fact, home: home,
      ids: decodeIds(F, data.s, n) };
  }

  /* Feature j's title: its name, or "first → second" for a name stored in two parts. */
  function compactTitle(data, j) {
    var S = data.s, F = data.f;
    return S[F.t[j]] + (F.u[j] ? " \u2192 " + S[F.u[j]] : "");
  }

  /* Feature j as its popup shows it (`cols` from decodeCompact): escaped text, the number of
   * quotes, its point and its home point ([lat, lon], or null). */
  function compactFeature(data, cols, j) {
    var S = data.s, F = data.f, place = F.A[F.a[j]], p = F.p[j], h = cols.home[j];
    return { layer: data.layers[cols.layerOf[j]][0], id: cols.ids[j],
      title: compactTitle(data, j), kind: S[F.B[F.b[j]]], where: S[place[0]],
      approx: S[place[1]], when: S[F.W[F.w[j]]], fact: S[cols.fact[j]], quotes: F.n[j],
      point: [cols.lat[p], cols.lon[p]], home: h >= 0 ? [cols.lat[h], cols.lon[h]] : null };
  }

  /* Whether feature j's place is approximate (it has a precision note). */
  function compactApprox(data, j) { return data.f.A[data.f.a[j]][1] !== 0; }

  /* Every feature of a compact payload (compactFeature), in payload order. */
  function compactFeatures(data) {
    var cols = decodeCompact(data), out = [];
    for (var j = 0; j < cols.n; j++) { out.push(compactFeature(data, cols, j)); }
    return out;
  }

  return {
    decodeRings: decodeRings,
    decodeBasemap: decodeBasemap,
    decodeRecord: decodeRecord,
    recordLayer: recordLayer,
    recordApprox: recordApprox,
    recordTitle: recordTitle,
    decodeIds: decodeIds,
    decodeCompact: decodeCompact,
    compactTitle: compactTitle,
    compactFeature: compactFeature,
    compactApprox: compactApprox,
    compactFeatures: compactFeatures
  };
}));
