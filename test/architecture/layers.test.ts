import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { REPO_ROOT } from '../helpers.js';

// The layer table of shared/DESIGN.md, enforced on every import of src/**: a layer may import its own folder,
// the layers its row names, and util/ (the shared bottom: errors, atomic writes, streams, flags), which imports
// no other layer. Type-only imports count: a type is a dependency on the layer that owns it. The root files
// (src/index.ts, the package's API) sit with cli/ at the top. Only relative imports are checked; which packages
// a layer uses is not.
const ALLOWED: Record<string, string[]> = {
  root: ['cli', 'ui', 'experiments', 'engine', 'graph', 'dsl', 'ops', 'data', 'analysis'],
  cli: ['ui', 'experiments', 'engine', 'graph', 'dsl', 'ops', 'data', 'analysis'],
  ui: ['engine/events.ts'],
  experiments: ['engine', 'dsl', 'graph', 'data'],
  engine: ['graph', 'ops', 'data'],
  graph: ['dsl', 'ops'],
  dsl: [],
  ops: [],
  data: [],
  analysis: ['data'],
  util: [],
};

const SRC = join(REPO_ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

/** Relative specifiers of static imports, re-exports and literal dynamic imports (comments removed first). */
export function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: string[] = [];
  for (const m of code.matchAll(/\b(?:import|export)\s[^'";]*?\sfrom\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of code.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) out.push(m[1]!);
  for (const m of code.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) out.push(m[1]!);
  return out.filter((s) => s.startsWith('.'));
}

/** The layer a file of src/ belongs to: its first folder, or `root`. */
function layerOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts.length === 1 ? 'root' : parts[0]!;
}

/** The source a compiled-style specifier (`./x.js`) names. */
function target(from: string, spec: string): string {
  return resolve(dirname(from), spec).replace(/\.js$/, '.ts');
}

function allowed(fromLayer: string, to: string): boolean {
  const toLayer = layerOf(to);
  if (toLayer === fromLayer || toLayer === 'util') return true;
  const rel = relative(SRC, to).split(sep).join('/');
  return (ALLOWED[fromLayer] ?? []).some((a) => a === toLayer || rel === a || rel.replace(/\.tsx$/, '.ts') === a);
}

test("every import in src/ follows shared/DESIGN.md's layer table, with no exceptions", () => {
  const files = sources(SRC);
  assert.ok(files.length > 100, `found ${files.length} source files`);
  const layers = new Set(files.map(layerOf));
  for (const l of layers) assert.ok(l in ALLOWED, `src/${l}/ is not a layer of the table; add its row`);
  const wrong: string[] = [];
  let checked = 0;
  for (const f of files) {
    for (const spec of importsOf(readFileSync(f, 'utf8'))) {
      const to = target(f, spec);
      assert.ok(to.startsWith(SRC + sep), `${relative(REPO_ROOT, f)} imports ${spec}, outside src/`);
      checked++;
      if (!allowed(layerOf(f), to))
        wrong.push(`${relative(REPO_ROOT, f)} (${layerOf(f)}) imports ${relative(REPO_ROOT, to)} (${layerOf(to)})`);
    }
  }
  assert.ok(checked > 500, `found only ${checked} imports: the scanner is broken`);
  assert.deepEqual(wrong, []);
});

test('the import scanner sees every form of import, and nothing in comments', () => {
  const text = [
    "import { a } from '../dsl/a.js';",
    "import type { B } from '../dsl/b.js';",
    'import {\n  c,\n  d,\n} from "../dsl/c.js";',
    "export { e } from '../dsl/e.js';",
    "export * from '../dsl/f.js';",
    "import '../dsl/g.js';",
    "const h = await import('../dsl/h.js');",
    "// import { x } from '../dsl/x.js';",
    "/* import { y } from '../dsl/y.js'; */",
    "import { z } from 'yaml';",
  ].join('\n');
  assert.deepEqual(importsOf(text), [
    '../dsl/a.js',
    '../dsl/b.js',
    '../dsl/c.js',
    '../dsl/e.js',
    '../dsl/f.js',
    '../dsl/g.js',
    '../dsl/h.js',
  ]);
  // A file of one layer importing a layer its row does not name is reported.
  assert.equal(allowed('engine', join(SRC, 'dsl', 'types.ts')), false);
  assert.equal(allowed('experiments', join(SRC, 'ops', 'registry.ts')), false);
  assert.equal(allowed('ui', join(SRC, 'engine', 'trainer.ts')), false);
  assert.equal(allowed('ui', join(SRC, 'engine', 'events.ts')), true);
  assert.equal(allowed('graph', join(SRC, 'util', 'errors.ts')), true);
});

test('check, graph and watch reach the pipeline through the stages facade, not the run machinery', () => {
  for (const verb of ['check', 'graph', 'watch']) {
    const file = join(SRC, 'cli', `${verb}.ts`);
    const text = readFileSync(file, 'utf8');
    // Static value imports load at start-up; `run --watch` loads experiments/ lazily, when it runs.
    const staticValue = [...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s*'([^']+)'/gm)].map((m) =>
      target(file, m[1]!),
    );
    assert.ok(staticValue.includes(join(SRC, 'graph', 'stages.ts')), `${verb} uses graph/stages.ts`);
    assert.deepEqual(
      staticValue.filter((t) => layerOf(t) === 'experiments'),
      [],
      `${verb} imports experiments/ at start-up`,
    );
  }
});
