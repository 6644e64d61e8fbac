/**
 * Redis URLs: connection options for BullMQ and a redacted form for everything a person or a file sees.
 * A password in the URL is never printed, logged or stored; only `redis://***@host:port/db` is.
 */
import { UserError } from '../../util/errors.js';

export interface RedisTarget {
  connection: { host: string; port: number; username?: string; password?: string; db?: number; tls?: object; maxRetriesPerRequest: null };
  /** Safe to print and store. */
  redacted: string;
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    const auth = u.username || u.password ? '***@' : '';
    return `${u.protocol}//${auth}${u.host}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    // Not a URL at all: still hide anything between '//' and '@'.
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

export function parseRedisUrl(url: string): RedisTarget {
  const where = { file: '--queue' };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`not a Redis URL: '${redactUrl(url)}' (expected redis://[user:password@]host:port[/db])`, where);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UserError(`unsupported queue URL scheme '${u.protocol}' (expected redis:// or rediss://)`, where);
  }
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new UserError(`the Redis database in '${redactUrl(url)}' must be a number`, where);
  return {
    connection: {
      host: u.hostname || '127.0.0.1',
      port: u.port ? Number(u.port) : 6379,
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(db ? { db: Number(db) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
      // BullMQ's blocking commands require this; ioredis would otherwise give up on a busy connection.
      maxRetriesPerRequest: null,
    },
    redacted: redactUrl(url),
  };
}
