import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from '../util/errors.js';

/** The plugins named by ANCHORFLOW_PLUGINS (colon-separated), then by the `--plugin` flags. */
export function pluginNames(flags: string[]): string[] {
  const env = process.env.ANCHORFLOW_PLUGINS?.split(':').filter(Boolean) ?? [];
  return [...env, ...flags];
}

const explicitPath = (m: string): boolean => m.startsWith('.') || isAbsolute(m);

/**
 * Where a plugin is loaded from: an absolute file path, or the name of a package. A path is taken relative
 * to the working directory whether or not it starts with `./` (`--plugin dist/my-op.js` names the file a
 * shell completes, not a package called `dist`); a name with no such file is left to Node's package lookup,
 * so installed plugins (`--plugin my-anchorflow-ops`, `@scope/ops/extra.js`) still work.
 */
export function resolvePlugin(m: string, cwd = process.cwd()): string {
  const abs = resolve(cwd, m);
  if (explicitPath(m)) return abs;
  return existsSync(abs) && statSync(abs).isFile() ? abs : m;
}

/**
 * Imports plugin modules (`--plugin ./my-ops.js`, or ANCHORFLOW_PLUGINS=a.js:b.js). A plugin registers its
 * ops with `registerOp` from the public API when imported.
 */
export async function loadPlugins(mods: string[]): Promise<void> {
  for (const m of pluginNames(mods)) {
    const where = resolvePlugin(m);
    if (isAbsolute(where) && !existsSync(where)) throw new UserError(`no plugin file ${where}`, { file: m });
    try {
      await import(isAbsolute(where) ? pathToFileURL(where).href : where);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const pkg = m.split('/').slice(0, m.startsWith('@') ? 2 : 1).join('/');
      // Only the package itself missing, not something the plugin imports.
      const notFound = !isAbsolute(where) && code === 'ERR_MODULE_NOT_FOUND' && (e as Error).message.includes(`'${pkg}'`);
      throw new UserError(
        notFound
          ? `cannot load plugin: no file ${resolve(m)} and no installed package '${m}'`
          : `cannot load plugin: ${(e as Error).message.split('\n')[0]}`,
        { file: m },
      );
    }
  }
}
