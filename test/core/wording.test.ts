import assert from 'node:assert/strict';
import {test} from 'node:test';
import {withCause} from '../../source/core/wording.js';

test('withCause never repeats the title in the cause', () => {
  assert.equal(withCause('Access denied', 'access denied'), 'Access denied');
  assert.equal(withCause('Access denied', 'access_denied'), 'Access denied');
  assert.equal(withCause('Access denied', 'Access denied.'), 'Access denied');
  assert.equal(withCause('Access denied', 'Access denied: the owner declined'), 'Access denied: the owner declined');
  assert.equal(withCause('Login failed', 'login failed: timeout'), 'Login failed: timeout');
  assert.equal(withCause('Access denied', 'the owner declined'), 'Access denied: the owner declined');
  assert.equal(withCause('Access denied', 'access denied by policy'), 'Access denied: by policy');
  assert.equal(withCause('Access denied', undefined), 'Access denied');
  assert.equal(withCause('Access denied', 'accessible denial'), 'Access denied: accessible denial');
});
