/**
 * Plugin module names. A plugin is code that runs with the user's permissions in whatever command loads it,
 * so only the user names plugins (--plugin, ANCHORFLOW_PLUGINS), never a pipeline or a queue job; and only as
 * a file or an installed package: a `data:` (or any other) URL is code that exists nowhere anyone can read it.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UserError } from './errors.js';

/** `node:` is let through: importing a built-in module runs no code of anyone's choosing. */
const URL_SCHEME = /^([a-z][a-z0-9+.-]*):/i;

/** The import specifier for a plugin name; `source` says where the name came from, for the error. */
export function pluginSpecifier(name: string, source: string): string {
  const scheme = URL_SCHEME.exec(name)?.[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'node' && scheme !== 'file') {
    const short = name.length > 40 ? `${name.slice(0, 37)}...` : name;
    throw new UserError(
      `refusing plugin '${short}': a plugin is code, and it must be a file or an installed package, not a ${scheme}: URL`,
      { file: source },
    );
  }
  if (name === '') throw new UserError('empty plugin name', { file: source });
  return name.startsWith('.') || name.startsWith('/') ? pathToFileURL(resolve(name)).href : name;
}
