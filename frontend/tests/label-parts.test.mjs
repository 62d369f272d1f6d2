// node --test frontend/tests/: the label dictionary's parts (js/i18n/zh-CN/, issue 22). Every label a module
// names must be in the parts loaded before it runs: the base part for what the page loads at start (the
// static imports of main.js), base + a screen's `labels` (js/screens/index.js) for the modules of that
// screen, its forms and dialogs included; a module imported by import() also gets the parts its importer
// awaits by loadLabels('…') (the offline panel's 更正 opens the map screen's forms).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import { mergeLabels, PARTS } from '../js/i18n/index.js';
import whole, { PART_LABELS } from '../js/i18n/zh-CN.js';
import { SCREENS } from '../js/screens/index.js';
import { serverLabels } from '../tools/server-labels.mjs';

const JS = join(dirname(fileURLToPath(import.meta.url)), '..', 'js');
const get = (labels, path) => path.split('.').reduce((node, k) => (node == null ? undefined : node[k]), labels);

// What a module names: label keys ('a.b.c' that is a label of the whole dictionary), key prefixes
// (`a.b.${x}`, 'a.b.' + x, label('a.b', x)), the parts it awaits, and its static and dynamic imports.
function scan(file) {
  const source = readFileSync(file, 'utf8')
    .replace(/^\s*\/\/.*$/gm, '')
    .replace(/\bcan\(\s*'[^']*'\s*\)/g, '') // capabilities share the dotted form ('plan.edit')
    .replace(/caps:\s*\[[^\]]*\]/g, '')
    .replace(/\bh\(\s*(['`])[^'`]*\1/g, 'h('); // element selectors ('form.form.audit-filters')
  const keys = new Set();
  const prefixes = new Set();
  for (const m of source.matchAll(/['"`]([a-z_]+(?:\.[a-z0-9_]+)+)(\.?)(['"`]\s*\+|\$\{|['"`])/g)) {
    if (!(m[1].split('.')[0] in whole)) continue; // not a label ('holomap.draft.…')
    const open = m[3] !== "'" && m[3] !== '"' && m[3] !== '`'; // 'a.b.' + x, `a.b.${x}`, `a.b_${x}`
    if (open && m[2]) prefixes.add(m[1]);
    else if (open && m[3] === '${') prefixes.add(m[1].split('.').slice(0, -1).join('.')); // `a.b_${x}`: in a
    else if (!m[2] && get(whole, m[1]) !== undefined) keys.add(m[1]);
  }
  for (const m of source.matchAll(/`([a-z_]+)\.\$\{/g)) if (m[1] in whole) prefixes.add(m[1]);
  for (const m of source.matchAll(/\blabel\(\s*'([a-z_]+(?:\.[a-z0-9_]+)*)'/g)) prefixes.add(m[1]);
  const refs = (re) => [...source.matchAll(re)].map((m) => m[1] || m[2]).filter((r) => r?.startsWith('.'))
    .map((r) => join(dirname(file), r));
  return {
    keys, prefixes,
    awaits: [...source.matchAll(/loadLabels\(([^)]*)\)/g)].flatMap((m) => [...m[1].matchAll(/'([a-z_]+)'/g)].map((x) => x[1])),
    statics: refs(/(?:import|export)\s[^'"]*?from\s*'([^']+)'|import\s+'([^']+)'/g),
    dynamics: refs(/import\(\s*'([^']+)'\s*\)/g),
  };
}

// Every module reachable from `start` with the parts in force there: [file, Set of parts].
function reach(start, parts, { dynamic, skip = () => false }) {
  const seen = new Map();
  const todo = [[start, new Set(parts)]];
  while (todo.length) {
    const [file, inForce] = todo.pop();
    if (file.includes(`${'/'}i18n${'/'}`) || skip(file)) continue;
    const before = seen.get(file);
    if (before && [...inForce].every((p) => before.has(p))) continue;
    const merged = new Set([...(before || []), ...inForce]);
    seen.set(file, merged);
    const found = scan(file);
    for (const next of found.statics) todo.push([next, merged]);
    if (dynamic) for (const next of found.dynamics) todo.push([next, new Set([...merged, ...found.awaits])]);
  }
  return seen;
}

function missing(modules) {
  const out = [];
  for (const [file, parts] of modules) {
    const loaded = [...parts].reduce((all, p) => mergeLabels(all, PART_LABELS[p]), {});
    const { keys, prefixes } = scan(file);
    for (const key of keys) if (get(loaded, key) === undefined) out.push(`${relative(JS, file)}: ${key} [${[...parts]}]`);
    for (const prefix of prefixes) {
      if (typeof get(loaded, prefix) !== 'object') out.push(`${relative(JS, file)}: ${prefix}.… [${[...parts]}]`);
    }
  }
  return out;
}

const isScreen = (file) => relative(JS, file).startsWith('screens/') && !file.endsWith('index.js');

test('the page at start names only labels of the base part (and what it imports later awaits its parts)', () => {
  const modules = reach(join(JS, 'main.js'), ['base'], { dynamic: true, skip: isScreen });
  assert.ok(modules.size > 20, `main.js reaches ${modules.size} modules`);
  assert.ok([...modules.keys()].some((f) => f.endsWith('visit-form.js')), 'the outbox form is followed');
  assert.deepEqual(missing(modules), []);
});

test('every screen names only labels of the base part and the parts it loads', () => {
  assert.ok(SCREENS.length >= 7);
  for (const screen of SCREENS) {
    assert.ok(screen.labels.every((p) => p in PARTS), `${screen.id}: ${screen.labels}`);
    const modules = reach(join(JS, 'screens', `${screen.id}.js`), ['base', ...screen.labels], { dynamic: true });
    assert.deepEqual(missing(modules), [], `screen ${screen.id}`);
  }
});

test('the map screen loads none of the other screens\' parts', () => {
  assert.deepEqual(SCREENS.find((s) => s.id === 'map').labels, ['map']);
  for (const section of ['plan', 'admin', 'accounts', 'members', 'report', 'emerging', 'near_repeat']) {
    assert.equal(section in PART_LABELS.base || section in PART_LABELS.map, false, section);
  }
});

test('a label missing from a screen\'s parts is found by the check', () => {
  const screen = SCREENS.find((s) => s.id === 'dashboard');
  const modules = reach(join(JS, 'screens', 'dashboard.js'), ['base', ...screen.labels.filter((p) => p !== 'dashboard')],
    { dynamic: true });
  assert.ok(missing(modules).some((line) => line.startsWith('screens/dashboard.js: dashboard.')));
});

const leavesOf = (node, path = []) => (node !== null && typeof node === 'object'
  ? Object.entries(node).flatMap(([k, v]) => leavesOf(v, [...path, k])) : [path.join('.')]);

test('the parts hold every label once: no label is defined in two parts', () => {
  const leaves = new Map();
  for (const [name, part] of Object.entries(PART_LABELS)) {
    for (const key of leavesOf(part)) {
      assert.equal(leaves.get(key), undefined, `${key} in ${leaves.get(key)} and ${name}`);
      leaves.set(key, name);
    }
  }
  assert.equal(leaves.size, leavesOf(whole).length); // merging lost nothing
  assert.ok(leaves.get('errors.codes.plan.beats_emptied') === 'plan' && leaves.get('errors.codes.auth.required') === 'base');
  assert.deepEqual(Object.keys(PART_LABELS).filter((p) => p !== 'base').sort(), Object.keys(PARTS).sort());
  // the server's labels (api/labels_zh.json) are read from the whole dictionary
  for (const [section, value] of Object.entries(serverLabels())) assert.ok(value && section in whole, section);
});
