#!/usr/bin/env node
// Fails when a module in js/ imports (directly or through others) a module that imports it
// back: the facade's folders must form layers. Imports are read with TypeScript's own
// pre-processor (type-only imports count too: they still tie the modules' designs).
//   node scripts/check-cycles.mjs [dir]     default: js
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dir = resolve(root, process.argv[2] ?? 'js');

/** Every .ts file under `at`. */
function sources(at) {
  return readdirSync(at).flatMap((name) => {
    const path = join(at, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith('.ts') && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The .ts file a relative specifier names (`./x.js` is written for `./x.ts`), if any. */
function resolveImport(from, specifier, known) {
  if (!specifier.startsWith('.')) return undefined;
  const base = resolve(dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((c) => known.has(c));
}

const files = sources(dir);
const known = new Set(files);
const graph = new Map(
  files.map((file) => {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles.map((i) => resolveImport(file, i.fileName, known)).filter(Boolean);
    return [file, [...new Set(targets)]];
  }),
);

// Depth-first search; a back edge is a cycle.
const state = new Map(); // file -> 'open' | 'done'
const cycles = [];
function visit(file, path) {
  state.set(file, 'open');
  path.push(file);
  for (const next of graph.get(file)) {
    if (state.get(next) === 'open') cycles.push([...path.slice(path.indexOf(next)), next]);
    else if (!state.has(next)) visit(next, path);
  }
  path.pop();
  state.set(file, 'done');
}
for (const file of files) if (!state.has(file)) visit(file, []);

const show = (f) => relative(root, f);
if (cycles.length > 0) {
  console.error(`import cycles in ${show(dir)}/ (${cycles.length}):`);
  for (const c of cycles) console.error(`  ${c.map(show).join(' -> ')}`);
  process.exit(1);
}
console.log(`no import cycles among ${files.length} modules in ${show(dir)}/`);
