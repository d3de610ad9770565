// An upstream's error inside its stream, as the proxy keeps it (translate/errors.ts upstreamFailed):
// its message cut, its error object bounded to what names a wait, names from the network kept as data.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {errorObjectText, streamErrorStatus, upstreamFailed} from '../../../source/proxy/translate/errors.js';

const bodyOf = (error: ReturnType<typeof upstreamFailed>) => (JSON.parse(error.upstreamBody) as {error: Record<string, unknown>}).error;

test('the code word names the status: limits 429, Codex capacity words 503, refusals 400, else 502; a code word of 200+ characters is none', () => {
  assert.deepEqual(['rate_limit_exceeded', 'usage_limit_reached', 'RESOURCE_EXHAUSTED', 'server_is_overloaded', 'slow_down', 'context_length_exceeded', 'image_too_large'].map(streamErrorStatus), [429, 429, 429, 503, 503, 400, 502]);
  const long = upstreamFailed('m', `rate_limit_${'x'.repeat(300)}`);
  assert.deepEqual([long.status, long.code], [502, undefined]);
});

test('a large error object keeps its small fields and the small entries of its arrays, fields named __proto__ as fields', () => {
  const detail = JSON.parse(
    JSON.stringify({message: 'x'.repeat(50_000), resets_in_seconds: 300, blob: 'y'.repeat(20_000), details: [{huge: 'z'.repeat(5_000)}, ...Array.from({length: 20}, (_, i) => ({i})), {'@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '90s'}]}),
  ) as Record<string, unknown>;
  Object.defineProperty(detail, '__proto__', {value: {polluted: true}, enumerable: true, configurable: true, writable: true});
  const error = upstreamFailed(String(detail.message), 'rate_limit_exceeded', detail);
  assert.ok(error.message.length < 1100, `${error.message.length}`);
  const body = bodyOf(error);
  assert.equal(body.resets_in_seconds, 300);
  assert.equal(body.blob, undefined);
  assert.deepEqual((body.details as unknown[]).at(-1), {'@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '90s'});
  assert.equal((body.details as unknown[]).length, 21);
  assert.equal(Object.getPrototypeOf(error.detail), Object.prototype);
  assert.equal((error.detail as {polluted?: boolean}).polluted, undefined);
});

test('an error object nested too deep to write, or holding a million values, is bounded quickly and never throws', () => {
  const deep = JSON.parse(`{"code":"rate_limit_exceeded","nest":${'['.repeat(100_000)}${']'.repeat(100_000)}}`) as Record<string, unknown>;
  assert.match(errorObjectText(deep), /without a message/);
  assert.deepEqual(bodyOf(upstreamFailed('m', 'rate_limit_exceeded', deep)), {message: 'the upstream failed: m', code: 'rate_limit_exceeded'});
  const wide = {counts: Array.from({length: 1_000_000}, (_, i) => i), resets_in_seconds: 5};
  const body = bodyOf(upstreamFailed('m', 'rate_limit_exceeded', wide));
  assert.equal(body.resets_in_seconds, 5);
  assert.ok((body.counts as unknown[]).length <= 256);
});
