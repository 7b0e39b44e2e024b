// static/atlas/decode.js against the payloads the Python encoder writes (`node --test tests/js/`).
//
// Each fixture in fixtures/ (written by tests/fixtures/make_js_fixtures.py; tests/test_render.py
// checks they are up to date) holds a payload from layers.render.draw.map_payload and what it
// must decode to, computed in Python from the layers themselves: so the encoder and this decoder
// are checked against each other and against the rows they started from.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");

const decode = require("../../static/atlas/decode.js");

const FIXTURES = path.join(__dirname, "fixtures");
const HOSTILE = "<img src=x onerror=alert(1)>`${alert(2)}`</script><script>alert(3)</script>'\"&";

function escape(text) {  // Python's html.escape(text, quote=True)
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
}

function load(name) {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES, name), "utf8"));
}

const NAMES = fs.readdirSync(FIXTURES).filter((n) => n.endsWith(".json")).sort();

function districtsOf(data) {
  decode.decodeBasemap(data);
  const found = {};
  for (const feature of data.d ? data.d.features : []) {
    assert.equal(feature.e, undefined, "the encoded rings are dropped once decoded");
    found[data.s[feature.properties.n]] = feature.geometry;
  }
  return found;
}

test("the fixtures cover both payload modes and both kinds of district geometry", () => {
  const fixtures = NAMES.map(load);
  const modes = new Set(fixtures.map((f) => f.payload.mode));
  assert.deepEqual([...modes].sort(), ["compact", "full"]);
  const types = new Set(fixtures.flatMap((f) => Object.values(f.expected.districts))
    .map((g) => g.type));
  assert.deepEqual([...types].sort(), ["MultiPolygon", "Polygon"]);
});

for (const name of NAMES) {
  test(`${name}: decodes to what Python expects`, () => {
    const fixture = load(name), data = fixture.payload;
    if (data.mode === "compact") {
      assert.deepStrictEqual(decode.compactFeatures(data), fixture.expected.features);
    } else {
      const records = data.r.map((_, i) => decode.decodeRecord(data, i));
      assert.deepStrictEqual(records, fixture.expected.records);
    }
    assert.deepStrictEqual(districtsOf(data), fixture.expected.districts);
  });
}

test("compact: what the popup of each fixture record shows", () => {
  const data = load("compact.json").payload;
  const features = Object.fromEntries(decode.compactFeatures(data).map((f) => [f.id, f]));
  assert.deepEqual(Object.keys(features).sort(),
    ["bf-1-A", "p-1-&gt;site-1", "p-1-origin", "site-1", "site-2", "site-3"]);
  const site = features["site-1"];
  assert.equal(site.title, escape(HOSTILE));
  assert.deepEqual(site.point, [47.1, 87.5]);
  assert.deepEqual(features["site-2"].point, [47.1, 87.5]);  // two records at one point
  assert.equal(site.when, "2017\u20132019");
  assert.equal(site.quotes, 1);
  assert.equal(site.kind, "Site \u00b7 camp");
  assert.ok(site.where.startsWith("Fuhai County"));
  assert.equal(site.approx, "");
  assert.match(features["site-3"].approx, /known only to the county/);
  const link = features["p-1-&gt;site-1"];
  assert.equal(link.title, escape(HOSTILE) + " \u2192 site");
  assert.deepEqual(link.point, [47.1, 87.5]);
  assert.deepEqual(link.home, [44.0, 80.1]);
  assert.equal(decode.compactTitle(data, 0), site.title);  // the tooltip
});

test("compact: a report's number and an id with more digits than JS integers hold", () => {
  const report = decode.compactFeatures(load("compact-report.json").payload)
    .find((f) => f.layer === "report");
  assert.equal(report.id, "R12345678901234567890x007");
  assert.equal(report.fact, "about 5,700 inmates");
});

test("compact: odd ids come back exactly, escaped", () => {
  const ids = decode.compactFeatures(load("compact-ids-steps.json").payload)
    .filter((f) => f.layer === "site").map((f) => f.id);
  assert.deepEqual(ids, ["S1", "S2", "S10", "S009", "S9", "x", "S1-a7", "S1-a8",
    "&lt;b&gt;&amp;7", ""]);
});

test("decodeIds: templates, zero padding and steps per slot", () => {
  const S = ["", "S<1>", "P<6>->PL<6>", "plain"];
  const F = { i: [1, 2, 2, 2, 3, 1, 1, 1], j: [1, 1, 1, 5168, 1, -5165, 8] };
  assert.deepEqual(decode.decodeIds(F, S, 6),
    ["S1", "S2", "P000001->PL005168", "P000002->PL000003", "plain", "S10"]);
});

test("decodeRings: steps in 1e-4 degrees, one polygon or several", () => {
  assert.deepEqual(decode.decodeRings([[[800000, 400000, 10000, 0, -10000, 5]]]),
    { type: "Polygon", coordinates: [[[80, 40], [81, 40], [80, 40.0005]]] });
  assert.equal(decode.decodeRings([[[0, 0]], [[1, 1]]]).type, "MultiPolygon");
});

test("full: a record's popup text, quotes in pairs", () => {
  const data = load("full.json").payload;
  const site = decode.decodeRecord(data, 0);
  assert.equal(site.id, "site-1");
  assert.equal(site.layer, "site");
  assert.equal(decode.recordLayer(data, 0), 0);
  assert.equal(decode.recordTitle(data, 0), escape(HOSTILE));
  assert.deepEqual(site.quotes, [["3,000 people " + escape(HOSTILE), "src-1"]]);
  assert.equal(decode.recordApprox(data, 0), false);
  assert.equal(decode.recordApprox(data, 2), true);  // site-3, known only to its county
});
