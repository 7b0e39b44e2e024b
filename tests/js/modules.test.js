// The format of static/atlas/*.js: classic browser scripts that share one namespace, and
// CommonJS modules under Node (`node --test tests/js/`). See static/atlas/README.md.
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");

const ATLAS = path.join(__dirname, "..", "..", "static", "atlas");
// The load order of layers/render/offline.py (tests/test_render.py checks it there).
const ORDER = ["state", "decode", "render", "controls", "atlas"];

function browser() {  // a fresh global object whose `window` is itself, as in a page
  const context = vm.createContext({});
  vm.runInContext("globalThis.window = globalThis;", context);
  return context;
}

function run(context, name) {
  const file = path.join(ATLAS, name + ".js");
  vm.runInContext(fs.readFileSync(file, "utf8"), context, { filename: file });
}

function globals(context) {  // as an array of this realm (deepEqual compares prototypes)
  return Array.from(vm.runInContext("Object.getOwnPropertyNames(globalThis)", context));
}

test("every file of static/atlas/ is in the load order", () => {
  const files = fs.readdirSync(ATLAS).filter((n) => n.endsWith(".js")).map((n) => n.slice(0, -3));
  assert.deepEqual(files.sort(), [...ORDER].sort());
});

test("as classic scripts, in order, they add window.Atlas and the entry points only", () => {
  const context = browser(), before = new Set(globals(context));
  for (const name of ORDER) { run(context, name); }
  const added = globals(context).filter((g) => !before.has(g)).sort();
  assert.deepEqual(added, ["Atlas", "atlasBase", "atlasData", "atlasRender"]);
  assert.deepEqual(Object.keys(context.Atlas).sort(), ["controls", "decode", "render", "state"]);
  for (const entry of ["atlasBase", "atlasData", "atlasRender"]) {
    assert.equal(typeof context[entry], "function", entry);
  }
});

test("state.js loaded a second time keeps the maps' state", () => {
  const context = browser();
  run(context, "state");
  const map = {}, first = context.Atlas.state.of(map);
  run(context, "state");
  assert.equal(context.Atlas.state.of(map), first);
});

test("a script loaded before what it needs says so", () => {
  for (const [name, needs] of [["render", "decode"], ["controls", "state"], ["atlas", "state"]]) {
    assert.throws(() => run(browser(), name), new RegExp(`needs atlas/${needs}\\.js`), name);
  }
});

test("under Node each file is a CommonJS module that sets no global", () => {
  const exported = {};
  for (const name of ORDER) { exported[name] = require(path.join(ATLAS, name + ".js")); }
  assert.equal(typeof exported.decode.compactFeatures, "function");
  assert.equal(typeof exported.render.compactRender, "function");
  assert.equal(typeof exported.controls.addOverlays, "function");
  assert.deepEqual(Object.keys(exported.atlas).sort(), ["atlasBase", "atlasData", "atlasRender"]);
  for (const name of ["Atlas", "atlasBase", "atlasData", "atlasRender", "atlasDrawn"]) {
    assert.equal(name in globalThis, false, name);
  }
});

test("the browser's decoder is the module Node tests", () => {
  const context = browser();
  run(context, "decode");
  const fixture = path.join(__dirname, "fixtures", "compact.json");
  const payload = JSON.parse(fs.readFileSync(fixture, "utf8")).payload;
  const inBrowser = context.Atlas.decode.compactFeatures(payload);
  const inNode = require(path.join(ATLAS, "decode.js")).compactFeatures(payload);
  assert.deepEqual(JSON.parse(JSON.stringify(inBrowser)), inNode);
});

test("state: one record per map, in a WeakMap, nothing written on the map", () => {
  const state = require(path.join(ATLAS, "state.js"));
  const map = {}, other = {};
  const s = state.of(map);
  assert.equal(state.of(map), s);
  assert.notEqual(state.of(other), s);
  assert.deepEqual(Object.keys(map), []);
  assert.deepEqual(Object.keys(s).sort(),
    ["base", "clicking", "control", "fit", "hidden", "overlays", "slots"]);
  assert.equal(s.base, null);
  assert.equal(s.control, null);
  // A layer the reader switched off in a slot stays off for that slot only.
  state.hidden(map, "atlas").facility = true;
  assert.equal(state.hidden(map, "atlas").facility, true);
  assert.equal(state.hidden(map, "upload").facility, undefined);
  // Slot and layer names are data: none of them is an inherited property.
  assert.equal(s.slots.constructor, undefined);
  assert.equal(state.hidden(map, "constructor").toString, undefined);
});
