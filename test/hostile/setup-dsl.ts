/**
 * Setups of the hostile-input corpus, area dsl: what cannot be committed (FIFOs, links to devices and system
 * files, sparse or generated files too large for the repository). setup.ts gathers every area's setups.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// ---- area dsl: the pipeline language -------------------------------------------------------------------------

function dslLinkDevZero(work: string): void {
  symlinkSync('/dev/zero', join(work, 'zero.yaml'));
}
function dslLinkEnviron(work: string): void {
  symlinkSync('/proc/self/environ', join(work, 'environ.yaml'));
}
function dslLinkPasswd(work: string): void {
  symlinkSync('/etc/passwd', join(work, 'passwd.yaml'));
}
function dslFifo(work: string): void {
  execFileSync('mkfifo', [join(work, 'fifo.yaml')]);
}
function dslYamlDirectory(work: string): void {
  mkdirSync(join(work, 'folder.yaml'));
}
/** 64 MB that occupy no disk: far past the 1 MB limit, which must be noticed without reading. */
function dslHugeSparse(work: string): void {
  const fd = openSync(join(work, 'sparse.yaml'), 'w');
  try {
    writeFileSync(fd, 'name: x\n');
    execFileSync('truncate', ['-s', '64M', join(work, 'sparse.yaml')]);
  } finally {
    closeSync(fd);
  }
}
function dslBinaryYaml(work: string): void {
  writeFileSync(
    join(work, 'binary.yaml'),
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]),
  );
}
/** fan0 extends fan1 ten times, fan1 extends fan2 ten times, ...: 10^5 loads of fan5 without a loop. */
function dslExtendsFanout(work: string): void {
  for (let i = 0; i < 5; i++)
    writeFileSync(
      join(work, `fan${i}.yaml`),
      `extends: [${Array(10)
        .fill(`fan${i + 1}.yaml`)
        .join(', ')}]\n`,
    );
  writeFileSync(join(work, 'fan5.yaml'), 'extends: base.yaml\n');
}
function dslExtendsChain(work: string): void {
  for (let i = 0; i < 150; i++) writeFileSync(join(work, `chain${i}.yaml`), `extends: chain${i + 1}.yaml\n`);
  writeFileSync(join(work, 'chain150.yaml'), 'extends: base.yaml\n');
}
function dslDeepFlow(work: string): void {
  const open = Array(200).fill('['.repeat(100)).join('\n');
  const close = Array(200).fill(']'.repeat(100)).join('\n');
  writeFileSync(join(work, 'deep-flow.yaml'), `extends: base.yaml\nparams:\n  x: ${open}\n${close}\n`);
}
function dslDeepBlock(work: string): void {
  let text = 'extends: base.yaml\nsweep:\n';
  for (let i = 1; i <= 300; i++) text += `${'  '.repeat(i)}k${i}:\n`;
  writeFileSync(join(work, 'deep-block.yaml'), text);
}
function dslLongLine(work: string): void {
  writeFileSync(join(work, 'long-line.yaml'), `extends: base.yaml\ndescription: ${'x'.repeat(50_000)}\n`);
}
function dslHugeDocument(work: string): void {
  writeFileSync(join(work, 'huge.yaml'), 'extends: base.yaml\n' + `# ${'padding '.repeat(12)}\n`.repeat(30_000));
}
function dslManyValues(work: string): void {
  const row = Array(100).fill('1').join(',');
  writeFileSync(
    join(work, 'many-values.yaml'),
    `extends: base.yaml\nsweep:\n  xs: [\n${Array(600).fill(`    ${row},`).join('\n')}\n  ]\n`,
  );
}
function dslManyParams(work: string): void {
  for (const n of [12_000, 50_000]) {
    let text = 'extends: base.yaml\nparams:\n';
    for (let i = 0; i < n; i++) text += `  p${i}: ${i}\n`;
    writeFileSync(join(work, `params-${n / 1000}k.yaml`), text);
  }
}
function dslControlBytes(work: string): void {
  writeFileSync(join(work, 'nul-byte.yaml'), 'extends: base.yaml\ndescription: before\u0000after\n');
  writeFileSync(join(work, 'escape-byte.yaml'), 'extends: base.yaml\nname: escape-byte\n# \u001b[2J\u001b[H cleared\n');
  writeFileSync(join(work, 'utf16.yaml'), Buffer.from('\ufeffname: utf16\n', 'utf16le'));
}

export const dslSetups: Record<string, (work: string) => void> = {
  'dsl-link-devzero': dslLinkDevZero,
  'dsl-link-environ': dslLinkEnviron,
  'dsl-link-passwd': dslLinkPasswd,
  'dsl-fifo': dslFifo,
  'dsl-yaml-directory': dslYamlDirectory,
  'dsl-huge-sparse': dslHugeSparse,
  'dsl-binary-yaml': dslBinaryYaml,
  'dsl-extends-fanout': dslExtendsFanout,
  'dsl-extends-chain': dslExtendsChain,
  'dsl-deep-flow': dslDeepFlow,
  'dsl-deep-block': dslDeepBlock,
  'dsl-long-line': dslLongLine,
  'dsl-huge-document': dslHugeDocument,
  'dsl-many-values': dslManyValues,
  'dsl-many-params': dslManyParams,
  'dsl-control-bytes': dslControlBytes,
};
