// The translate layer quotes upstream text to the client, cut to a length. A cut through a credential
// would leave a start that no later masking recognises: each cut drops a cut token past what a masked
// form shows (core/redact.ts cutText).
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {upstreamErrorMessage} from '../../../source/proxy/translate/errors.js';
import {geminiCountTokensResponse} from '../../../source/proxy/translate/pairs/anthropic-to-gemini.js';

const TOKEN = 'ya29.a0AfB_byC-0123456789abcdefghijklmnopqrstuvwxyz';

test('an upstream error quoted to the client never ends in most of a cut token', () => {
  for (const pad of [990, 995, 1000 - 12, 1000 - 30]) {
    const message = upstreamErrorMessage(500, `${'w '.repeat(pad / 2)}${TOKEN} more`);
    assert.ok(message.length <= 1001, `${pad}: ${message.length}`);
    assert.ok(!message.includes(TOKEN.slice(0, 6)), `${pad}: ${message.slice(-40)}`);
  }
  assert.equal(upstreamErrorMessage(500, 'short and plain'), 'short and plain');
});

test("a countTokens answer without a count is quoted cut the same way", () => {
  for (const pad of [180, 190, 195]) {
    assert.throws(() => geminiCountTokensResponse(`{"x":"${'a '.repeat(pad / 2)}${TOKEN}"}`), (error: Error) => {
      assert.ok(!error.message.includes(TOKEN.slice(0, 6)), error.message.slice(-40));
      return true;
    });
  }
});
