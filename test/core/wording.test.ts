import assert from 'node:assert/strict';
import {test} from 'node:test';
import {articleFor, countOf, nearWords, withCause} from '../../source/core/wording.js';

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

test('countOf: singular for exactly one, the plural otherwise, an irregular plural when given', () => {
  assert.equal(countOf(1, 'account'), '1 account');
  assert.equal(countOf(0, 'account'), '0 accounts');
  assert.equal(countOf(2, 'account'), '2 accounts');
  assert.equal(countOf(1, 'account entry', 'account entries'), '1 account entry');
  assert.equal(countOf(3, 'account entry', 'account entries'), '3 account entries');
});

test('articleFor: an before a provider id read from a vowel (an aistudio, an iflow, an antigravity account), else a', () => {
  assert.deepEqual(['aistudio', 'iflow', 'antigravity', 'claude', 'codex', 'qwen', 'bob'].map((id) => `${articleFor(id)} ${id}`), ['an aistudio', 'an iflow', 'an antigravity', 'a claude', 'a codex', 'a qwen', 'a bob']);
});

test('nearWords: a typo one or two edits (or one swap) away, nearest first; short words one edit; none for a far word or the word itself', () => {
  const commands = ['accounts', 'use', 'rotate', 'rename', 'pause', 'resume', 'remove', 'login', 'models', 'proxy', 'quota', 'run'];
  assert.deepEqual(nearWords('acounts', commands), ['accounts']);
  assert.deepEqual(nearWords('qouta', commands), ['quota'], 'a swap of neighbours is one edit');
  assert.deepEqual(nearWords('QUOTA', commands), [], 'the word itself, in capitals: no typo');
  assert.deepEqual(nearWords('rn', commands), ['run']);
  assert.deepEqual(nearWords('renove', commands), ['remove', 'rename'], 'nearest first');
  assert.deepEqual(nearWords('frobnicate', commands), []);
  assert.deepEqual(nearWords('xyz', commands), []);
});
