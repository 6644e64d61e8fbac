// Writes the data part of the hostile-input corpus: one tiny dataset folder in MMRec layout per case
// (<case>/<case>.inter, and image_feat.npy where the case is about features), each legitimate or broken in
// exactly one way; special files (FIFOs, devices, huge sparse files) are made by test/hostile/setup.ts.
// Deterministic; the output is committed. Regenerate with: node test/hostile/data/generate.mjs
import { mkdirSync, rmSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const HEADER = 'userID\titemID\tx_label';
// 4 users, 5 items; every user has train rows; users 0 and 3 have a valid row, user 1 a test row.
const ROWS = [
  [0, 0, 0],
  [0, 1, 0],
  [0, 2, 1],
  [1, 1, 0],
  [1, 3, 0],
  [1, 4, 2],
  [2, 2, 0],
  [2, 0, 0],
  [3, 3, 0],
  [3, 4, 0],
  [3, 1, 1],
];
const inter = (rows = ROWS, header = HEADER, eol = '\n') => [header, ...rows.map((r) => r.join('\t'))].join(eol) + eol;
const withRow = (row) => inter([...ROWS, row]);

/** A .npy file whose every part can be made wrong independently. */
function npy({
  dtype = '<f4',
  shape = [5, 3],
  fortran = false,
  major = 1,
  headerText,
  headerLen,
  body,
  pad = true,
} = {}) {
  const n = shape.reduce((a, b) => a * b, 1);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header =
    headerText ?? `{'descr': '${dtype}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const pre = major === 1 ? 10 : 12;
  if (pad) header += ' '.repeat((64 - ((pre + header.length + 1) % 64)) % 64) + '\n';
  const size = { '<f2': 2, '<f4': 4, '<f8': 8 }[dtype] ?? 4;
  let data = body;
  if (data === undefined) {
    data = Buffer.alloc(n * size);
    for (let i = 0; i < n; i++) {
      const v = ((i * 37) % 11) / 10 - 0.5;
      if (size === 8) data.writeDoubleLE(v, i * 8);
      else if (size === 2)
        data.writeUInt16LE(0x3c00 + (i % 7) * 0x100, i * 2); // 1, 2, 4, ... exact halves
      else data.writeFloatLE(v, i * 4);
    }
  }
  const p = Buffer.alloc(pre);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]).copy(p, 0);
  p[6] = major;
  p[7] = 0;
  const len = headerLen ?? header.length;
  if (major === 1) p.writeUInt16LE(len, 8);
  else p.writeUInt32LE(len, 8);
  return Buffer.concat([p, Buffer.from(header, 'latin1'), data]);
}

const FEAT = npy();
/** case -> files; '.inter' is named after the folder. */
const CASES = {
  // legitimate
  ok: { '.inter': inter(), 'image_feat.npy': FEAT },
  'ok-crlf': { '.inter': inter(ROWS, HEADER, '\r\n'), 'image_feat.npy': FEAT },
  'ok-bom': { '.inter': '\ufeff' + inter(), 'image_feat.npy': FEAT },
  'ok-rating-timestamp': {
    '.inter': inter(
      ROWS.map((r, i) => [...r, 5, 1600000000 + i]),
      `${HEADER}\trating\ttimestamp`,
    ),
    'image_feat.npy': FEAT,
  },
  'ok-reordered-columns': {
    '.inter': inter(
      ROWS.map(([u, i, x]) => [x, i, u]),
      'x_label\titemID\tuserID',
    ),
    'image_feat.npy': FEAT,
  },
  'ok-duplicate-rows': { '.inter': inter([...ROWS, ROWS[0], ROWS[0]]), 'image_feat.npy': FEAT },
  'ok-blank-lines': { '.inter': inter().replace('\n1\t1\t0\n', '\n\n1\t1\t0\n\n'), 'image_feat.npy': FEAT },
  'ok-one-cold-user': { '.inter': withRow([4, 2, 2]), 'image_feat.npy': FEAT },
  'ok-id-gap-below-bound': { '.inter': withRow([1000, 2, 0]), 'image_feat.npy': FEAT },
  'ok-npy-f2': { '.inter': inter(), 'image_feat.npy': npy({ dtype: '<f2' }) },
  'ok-npy-f8': { '.inter': inter(), 'image_feat.npy': npy({ dtype: '<f8' }) },
  'ok-npy-v2': { '.inter': inter(), 'image_feat.npy': npy({ major: 2 }) },
  // ids
  'uid-ten-million': { '.inter': withRow([10000000, 1, 0]) },
  'iid-ten-million': { '.inter': withRow([2, 10000000, 0]) },
  'uid-two-pow-31': { '.inter': withRow([2147483648, 1, 0]) },
  'iid-thirty-digits': { '.inter': withRow([2, '999999999999999999999999999999', 0]) },
  'uid-hex': { '.inter': withRow(['0x10', 1, 0]) },
  'uid-plus-sign': { '.inter': withRow(['+3', 1, 0]) },
  'iid-exponent': { '.inter': withRow([2, '1e3', 0]) },
  'uid-arabic-digits': { '.inter': withRow(['\u0663', 1, 0]) },
  'label-minus-one': { '.inter': withRow([2, 1, -1]) },
  'label-three': { '.inter': withRow([2, 1, 3]) },
  // splits
  'no-valid-rows': { '.inter': inter(ROWS.map(([u, i, x]) => [u, i, x === 1 ? 0 : x])) },
  'no-test-rows': { '.inter': inter(ROWS.map(([u, i, x]) => [u, i, x === 2 ? 0 : x])) },
  'valid-all-cold': { '.inter': inter([...ROWS.filter((r) => r[2] !== 1), [4, 2, 1], [5, 0, 1]]) },
  'test-all-cold': { '.inter': inter([...ROWS.filter((r) => r[2] !== 2), [4, 2, 2]]) },
  'user-has-every-item': { '.inter': inter([...ROWS, [2, 1, 0], [2, 3, 0], [2, 4, 0]]) },
  // content
  'inter-empty-file': { '.inter': '' },
  'inter-nul-bytes': { '.inter': inter().replace('\n2\t2\t0\n', '\n2\t2\0\t0\n') },
  'inter-gzip': { '.inter': Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x4b, 0x4c]) },
  'inter-utf16': { '.inter': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(inter(), 'utf16le')]) },
  'inter-cr-only': { '.inter': inter(ROWS, HEADER, '\r') },
  'inter-long-line': { '.inter': inter() + `2\t${'7'.repeat(200000)}x\t0\n` },
  'inter-prose': { '.inter': 'This folder holds the ratings we exported last week.\nAsk Dana for the password.\n' },
  // features (.npy)
  'npy-shape-trillion': {
    '.inter': inter(),
    'image_feat.npy': npy({ shape: [1000000000000, 1000000000000], body: Buffer.alloc(60) }),
  },
  'npy-header-len-4g': { '.inter': inter(), 'image_feat.npy': npy({ major: 2, headerLen: 0xffffffff }) },
  'npy-header-over-1m': {
    '.inter': inter(),
    'image_feat.npy': npy({
      major: 2,
      headerText: `{'descr': '<f4', 'fortran_order': False, 'shape': (5, 3), }${' '.repeat((1 << 20) + 100)}`,
      pad: false,
    }),
  },
  'npy-shape-negative': {
    '.inter': inter(),
    'image_feat.npy': npy({
      headerText: "{'descr': '<f4', 'fortran_order': False, 'shape': (-5, 3), }",
      body: FEAT.subarray(128),
    }),
  },
  'npy-shape-overflow': {
    '.inter': inter(),
    'image_feat.npy': npy({
      headerText: "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 3), }",
      body: FEAT.subarray(128),
    }),
  },
  'npy-object-dtype': { '.inter': inter(), 'image_feat.npy': npy({ dtype: '|O' }) },
  'npy-complex-dtype': { '.inter': inter(), 'image_feat.npy': npy({ dtype: '<c8', body: Buffer.alloc(120) }) },
  'npy-three-dims': { '.inter': inter(), 'image_feat.npy': npy({ shape: [5, 3, 1] }) },
  'npy-scalar': {
    '.inter': inter(),
    'image_feat.npy': npy({
      headerText: "{'descr': '<f4', 'fortran_order': False, 'shape': (), }",
      body: Buffer.alloc(4),
    }),
  },
  'npy-junk-header': {
    '.inter': inter(),
    'image_feat.npy': npy({ headerText: `{'shape': (5, 3), 'note': '${'A'.repeat(10000)}'}` }),
  },
  'npy-trailing-bytes': { '.inter': inter(), 'image_feat.npy': Buffer.concat([FEAT, Buffer.alloc(1000)]) },
  'npy-empty-file': { '.inter': inter(), 'image_feat.npy': Buffer.alloc(0) },
  'npy-is-text': { '.inter': inter(), 'image_feat.npy': '0.1,0.2,0.3\n0.4,0.5,0.6\n' },
  // for setups: a valid folder whose .inter or feature file the setup replaces
  special: { '.inter': inter(), 'image_feat.npy': FEAT },
};

for (const name of readdirSync(here)) {
  if (statSync(join(here, name)).isDirectory()) rmSync(join(here, name), { recursive: true, force: true });
}
for (const [name, files] of Object.entries(CASES)) {
  const dir = join(here, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, content] of Object.entries(files))
    writeFileSync(join(dir, f === '.inter' ? `${name}.inter` : f), content);
}
