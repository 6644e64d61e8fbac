import { existsSync, statSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { UserError } from '../util/errors.js';
import { pluginSpecifier } from '../util/plugins.js';
import { flag, flagVariable } from '../util/flags.js';

interface NamedPlugin {
  name: string;
  /** Where it was named: `--plugin` or `ANCHORFLOW_PLUGINS`. */
  source: string;
}

/**
 * ANCHORFLOW_PLUGINS is colon-separated, like PATH, so a URL in it falls apart at its scheme. A piece that is
 * only a scheme name takes the rest of the value along (the whole `data:` URL, say), so that the check sees
 * the URL it is and refuses it by name; `node:` and `file:` take just the next piece.
 */
export function splitPluginEnv(value: string | undefined): string[] {
  const parts = (value ?? '').split(':');
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (/^[a-z][a-z0-9+.-]*$/i.test(p) && i + 1 < parts.length && !/\.[cm]?js$/.test(p)) {
      const scheme = p.toLowerCase();
      if (scheme === 'node' || scheme === 'file') out.push(`${p}:${parts[++i]}`);
      else if (KNOWN_SCHEMES.has(scheme)) {
        out.push(parts.slice(i).join(':'));
        break;
      } else out.push(p);
    } else if (p !== '') out.push(p);
  }
  return out;
}

/** Scheme names that make a URL of what follows them; a bare package name is anything else. */
const KNOWN_SCHEMES = new Set(['data', 'http', 'https', 'blob', 'javascript', 'ftp', 'ws', 'wss']);

/** The plugins the user named, environment first; each checked (no URLs) before anything is imported. */
function namedPlugins(flags: string[]): NamedPlugin[] {
  const env = splitPluginEnv(flag('plugins'));
  const all = [
    ...env.map((name) => ({ name, source: flagVariable('plugins') })),
    ...flags.map((name) => ({ name, source: '--plugin' })),
  ];
  for (const p of all) pluginSpecifier(p.name, p.source);
  return all;
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
 * ops with `registerOp` from the public API when imported. It is code, trusted as the user's own: see
 * util/plugins.ts for what may name one.
 */
export async function loadPlugins(mods: string[]): Promise<void> {
  for (const { name: m } of namedPlugins(mods)) {
    const where = resolvePlugin(m);
    if (isAbsolute(where) && !existsSync(where))
      throw new UserError(`cannot load plugin: no plugin file ${where}`, { file: m });
    try {
      await import(isAbsolute(where) ? pathToFileURL(where).href : where);
    } catch (e) {
      const code = (e as { code?: string }).code;
      const pkg = m
        .split('/')
        .slice(0, m.startsWith('@') ? 2 : 1)
        .join('/');
      // Only the package itself missing, not something the plugin imports.
      const notFound =
        !isAbsolute(where) && code === 'ERR_MODULE_NOT_FOUND' && (e as Error).message.includes(`'${pkg}'`);
      throw new UserError(
        notFound
          ? `cannot load plugin: no file ${resolve(m)} and no installed package '${m}'`
          : `cannot load plugin: ${(e as Error).message.split('\n')[0]}`,
        { file: m },
      );
    }
  }
}

/** Plugin modules for the point processes: absolute, since a child may resolve them from elsewhere. */
export function pluginList(cmd: Command | undefined): string[] {
  const flags = (cmd?.optsWithGlobals().plugin as string[] | undefined) ?? [];
  return namedPlugins(flags).map(({ name }) => resolvePlugin(name));
}
