/**
 * Redis URLs: connection options for BullMQ and a redacted form for everything a person or a file sees.
 * A password in the URL is never printed, logged or stored; only `redis://***@host:port/db` is. Text that
 * crosses a trust boundary (a job's failure reason, a worker's log line, a queue error) goes through
 * `redactSecrets`, since it may quote a URL or a password that this process never meant to show.
 */
import { UserError } from '../../util/errors.js';

export interface RedisTarget {
  connection: {
    host: string;
    port: number;
    username?: string;
    password?: string;
    db?: number;
    tls?: object;
    maxRetriesPerRequest: null;
  };
  /** Safe to print and store. */
  redacted: string;
  /** The password as written in the URL and decoded: what `redactSecrets` must hide in any text. */
  secrets: string[];
}

/**
 * Works on the text rather than on a parsed URL: a malformed URL (`redis:/:pw@h`, a stray `@` in the
 * password) parses into pieces that still hold the password, and those are exactly the URLs that end up
 * quoted in an error message. Everything up to the last `@` after the scheme is credentials; the query and
 * fragment may carry them too (`?password=`), so they are dropped.
 */
export function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/*)(.*)$/is.exec(url);
  const [scheme, rest] = m ? [m[1]!, m[2]!] : ['', url];
  const at = rest.lastIndexOf('@');
  const tail = (at >= 0 ? rest.slice(at + 1) : rest).replace(/[?#].*$/s, '').replace(/^([^/]*)\/$/, '$1');
  return `${scheme}${at >= 0 ? '***@' : ''}${tail}`;
}

/** Credentials in any URL inside free text (`scheme://user:pass@`), whatever the scheme. */
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s@/]*@/gi;

/**
 * `text` with every URL's credentials and every given secret replaced by `***`. Secrets shorter than 4
 * characters are left alone: replacing them would garble ordinary words without hiding anything.
 */
export function redactSecrets(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = text.replace(URL_CREDENTIALS, '$1***@');
  for (const s of secrets) if (s && s.length >= 4) out = out.replaceAll(s, '***');
  return out;
}

export function parseRedisUrl(url: string): RedisTarget {
  const where = { file: '--queue' };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(
      `not a Redis URL: '${redactUrl(url)}' (expected redis://[user:password@]host:port[/db])`,
      where,
    );
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UserError(`unsupported queue URL scheme '${u.protocol}' (expected redis:// or rediss://)`, where);
  }
  const decode = (part: string, what: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      throw new UserError(`the ${what} in '${redactUrl(url)}' has a broken %-escape`, where);
    }
  };
  const username = decode(u.username, 'user name');
  const password = decode(u.password, 'password');
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db))
    throw new UserError(`the Redis database in '${redactUrl(url)}' must be a number`, where);
  return {
    connection: {
      host: u.hostname || '127.0.0.1',
      port: u.port ? Number(u.port) : 6379,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(db ? { db: Number(db) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
      // BullMQ's blocking commands require this; ioredis would otherwise give up on a busy connection.
      maxRetriesPerRequest: null,
    },
    redacted: redactUrl(url),
    secrets: password ? [u.password, password] : [],
  };
}
