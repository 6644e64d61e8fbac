/** Redis URLs and secrets in text: what may be shown of them (issue 16: redacted everywhere). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRedisUrl, redactSecrets, redactUrl } from '../../src/experiments/sweep/redis-url.js';
import { isUserError } from '../../src/util/errors.js';

test('redactUrl hides credentials even in URLs that parse into odd pieces', () => {
  assert.equal(redactUrl('redis://user:s3cret@db.example:6380/2'), 'redis://***@db.example:6380/2');
  assert.equal(redactUrl('redis:/:s3cret@h'), 'redis:/***@h');
  assert.equal(redactUrl('redis://:p@ss@h:1/0'), 'redis://***@h:1/0', "a password with '@' in it");
  assert.equal(redactUrl('redis://h:1/0?password=s3cret#x'), 'redis://h:1/0', 'query and fragment dropped');
  assert.equal(redactUrl('s3cret@h'), '***@h');
  assert.equal(redactUrl('redis://h:1/'), 'redis://h:1');
});

test('redactSecrets hides URL credentials and known secrets anywhere in a text', () => {
  const text = 'connect redis://u:s3cret-pw@h:1 failed; AUTH s3cret-pw; see http://a:b@c/x';
  const r = redactSecrets(text, ['s3cret-pw']);
  assert.doesNotMatch(r, /s3cret|a:b@/);
  assert.match(r, /redis:\/\/\*\*\*@h:1 .*http:\/\/\*\*\*@c\/x/);
  assert.equal(redactSecrets('a b c', ['b']), 'a b c', 'secrets too short to be one are left alone');
});

test('parseRedisUrl: the password is a secret to redact; a broken %-escape is a user error that does not show it', () => {
  const t = parseRedisUrl('redis://u:p%40ss-word@h:1/2');
  assert.equal(t.connection.password, 'p@ss-word');
  assert.deepEqual(t.secrets, ['p%40ss-word', 'p@ss-word']);
  assert.equal(t.redacted, 'redis://***@h:1/2');
  try {
    parseRedisUrl('redis://:%zz-s3cret@h:1');
    assert.fail('no error');
  } catch (e) {
    assert.ok(isUserError(e), String(e));
    assert.doesNotMatch(e.message, /s3cret/);
    assert.equal(e.loc?.file, '--queue');
  }
});
