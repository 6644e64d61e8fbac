import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../util/errors.js';

/**
 * Imports plugin modules (`--plugin ./my-ops.js`, or ANCHORFLOW_PLUGINS=a.js:b.js). A plugin registers its
 * ops with `registerOp` from the public API when imported.
 */
export async function loadPlugins(mods: string[]): Promise<void> {
  const env = process.env.ANCHORFLOW_PLUGINS?.split(':').filter(Boolean) ?? [];
  for (const m of [...env, ...mods]) {
    const spec = m.startsWith('.') || m.startsWith('/') ? pathToFileURL(resolve(m)).href : m;
    try {
      await import(spec);
    } catch (e) {
      throw new UserError(`cannot load plugin: ${(e as Error).message.split('\n')[0]}`, { file: m });
    }
  }
}
