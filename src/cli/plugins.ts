import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../util/errors.js';
import { pluginSpecifier } from '../util/plugins.js';

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
  const env = splitPluginEnv(process.env.ANCHORFLOW_PLUGINS);
  const all = [...env.map((name) => ({ name, source: 'ANCHORFLOW_PLUGINS' })), ...flags.map((name) => ({ name, source: '--plugin' }))];
  for (const p of all) pluginSpecifier(p.name, p.source);
  return all;
}

/**
 * Imports plugin modules (`--plugin ./my-ops.js`, or ANCHORFLOW_PLUGINS=a.js:b.js). A plugin registers its
 * ops with `registerOp` from the public API when imported. It is code, trusted as the user's own: see
 * util/plugins.ts for what may name one.
 */
export async function loadPlugins(mods: string[]): Promise<void> {
  for (const p of namedPlugins(mods)) {
    try {
      await import(pluginSpecifier(p.name, p.source));
    } catch (e) {
      throw new UserError(`cannot load plugin: ${(e as Error).message.split('\n')[0]}`, { file: p.name });
    }
  }
}

/** Plugin modules for the point processes: absolute, since a child may resolve them from elsewhere. */
export function pluginList(cmd: Command | undefined): string[] {
  const flags = (cmd?.optsWithGlobals().plugin as string[] | undefined) ?? [];
  return namedPlugins(flags).map(({ name }) => (name.startsWith('.') || name.startsWith('/') ? resolve(name) : name));
}
