/** Paths shared by tests. Tests run compiled from dist/test, so locate the repository by its package.json. */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + start);
    dir = up;
  }
  return dir;
}

export const REPO_ROOT = findRoot(dirname(fileURLToPath(import.meta.url)));
/** The real datasets beside the project (../shared/datasets); read-only. */
export const SHARED_DATASETS = process.env.ANCHORFLOW_SHARED_DATASETS ?? join(REPO_ROOT, '..', 'shared', 'datasets');
export const PIPELINES = join(REPO_ROOT, 'pipelines');
/** The plugin op the example pipeline uses (examples/custom-op), compiled. */
export const EXAMPLE_PLUGIN = join(REPO_ROOT, 'dist', 'examples', 'custom-op', 'layer-norm.js');

function yamlUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory() ? yamlUnder(join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [join(dir, e.name)] : [],
    )
    .sort();
}
/** Every YAML file the project ships to users: pipelines/** (fragments included) and the examples. */
export function shippedYamlFiles(): string[] {
  return [...yamlUnder(PIPELINES), ...yamlUnder(join(REPO_ROOT, 'examples'))];
}
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
/** The compiled CLI entry point. */
export const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
