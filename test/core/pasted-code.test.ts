// What a login takes from a paste (core/pkce.ts pastedCodeFor): the code, only when nothing in the
// paste names another login's state. A remote login posts the code with its own state, and the
// server finishes whichever pending login a state names; a local login sends the code to the token
// endpoint. So a paste that names another state anywhere (query, fragment, after the code's `#`),
// holds two different codes, or is not one address or code is refused, and a paste wrapped the way
// terminals, chats and address bars wrap one is read through its wrapping.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {pastedCodeFor} from '../../source/core/pkce.js';

const OURS = 'ours-state-0123';
const CB = 'http://localhost:54545/callback';
const NOT_OURS = /^the pasted state does not match this login/;
const NOT_A_CODE = /^that is not a redirect URL or a code/;

/** The paste is refused, and its message (what the person reads) matches `why`. */
function refused(text: string, why: RegExp): void {
  assert.throws(() => pastedCodeFor(text, OURS), (error: Error) => (assert.match(error.message, why, JSON.stringify(text)), true));
}
const taken = (text: string, code: string) => assert.equal(pastedCodeFor(text, OURS), code, JSON.stringify(text));

test('another state anywhere in the paste: refused, whatever else names ours', () => {
  for (const text of [
    `${CB}?code=X&state=FOREIGN`,
    `${CB}?state=FOREIGN#code=X&state=${OURS}`,
    `${CB}?code=X&state=${OURS}#state=FOREIGN`,
    `${CB}#code=X&state=FOREIGN&state=${OURS}`,
    `${CB}#code=X&state=${OURS}&state=FOREIGN`,
    `${CB}?code=X&state=${OURS}&state=FOREIGN`,
    `${CB}?code=X#state=FOREIGN`,
    `${CB}?code=X%23${OURS}%23FOREIGN`,
    `${CB}?code=X%23FOREIGN`,
    `${CB}?code=X&state=`,
    `${CB}?code=X&state`,
    `${CB}?error=access_denied&state=FOREIGN`,
    `X#${OURS}#FOREIGN`,
    'X#FOREIGN',
    `X#${OURS.toUpperCase()}`,
    // A state written another way than `state=` is still a state.
    `${CB}?code=X#FOREIGN`,
    `${CB}?code=X&state=${OURS}#FOREIGN`,
    `${CB}?code=X#/cb?state=FOREIGN`,
    `${CB}?code=X&amp;state=FOREIGN`,
    `${CB}?code=X&STATE=FOREIGN`,
    // Percent-escaped in a bare paste, as in an address.
    'X%23FOREIGN',
    `X%23${OURS}%23FOREIGN`,
  ]) refused(text, NOT_OURS);
});

test('no single code: refused as not a code (two codes, a scheme, a sentence, a query without its address)', () => {
  for (const text of [
    `${CB}?code=X&code=Y&state=${OURS}`,
    `${CB}?code=X#code=Y`,
    `${CB}?foo=bar`,
    `${CB}?code=&state=${OURS}`,
    `${CB}?code=X&state=${OURS} ${CB}?code=Y&state=${OURS}`,
    `myapp://callback?code=X&state=${OURS}`,
    `https:\\\\localhost\\callback?code=X`,
    `code=X&state=${OURS}`,
    `#${OURS}`,
    '#FOREIGN',
    '"X',
    'two words',
    '\x1b[2JX',
    '',
    // Another parameter pasted alone is no code; nor is a code with characters no code has.
    'state=FOREIGN',
    'code=X',
    'error=access_denied',
    `${CB}?code=X;state=${OURS}`,
    `${CB}?code=X%1b%5d0%3bpwn%07&state=${OURS}`,
    `${CB}?code=%00&state=${OURS}`,
    'X%ZZ',
  ]) refused(text, NOT_A_CODE);
});

test('the provider refused: said with its reason when the state is ours or none', () => {
  refused(`${CB}?error=access_denied&error_description=Denied%20by%20you&state=${OURS}`, /^the provider refused the login: Denied by you$/);
  refused(`${CB}#error=access_denied`, /^the provider refused the login: access_denied$/);
});

test('this login\'s code, however it is pasted or wrapped', () => {
  const forms = [
    `${CB}?code=X&state=${OURS}`,
    `${CB}?code=X&state=${OURS}&state=${OURS}`,
    `${CB}#code=X&state=${OURS}`,
    `${CB}?code=X#code=X&state=${OURS}`,
    `${CB}?code=X%23${OURS}`,
    `${CB}?code=X`,
    `X#${OURS}`,
    'X',
    `localhost:54545/callback?code=X&state=${OURS}`,
    `127.0.0.1:54545/callback?code=X&state=${OURS}`,
    // What wraps a paste: bracketed-paste marks, a zero-width space or BOM copied along, quotes, angle brackets.
    `\x1b[200~${CB}?code=X&state=${OURS}\x1b[201~`,
    `\u200b${CB}?code=X&state=${OURS}`,
    `\ufeffX#${OURS}`,
    `"${CB}?code=X&state=${OURS}"`,
    `'X#${OURS}'`,
    `<${CB}?code=X&state=${OURS}>`,
    `  ${CB}?code=X&state=${OURS}\n`,
  ];
  for (const text of forms) taken(text, 'X');
  // Google's codes hold a slash; a percent-escaped one stays as pasted.
  taken(`4/0AX4XfWh-abc_def#${OURS}`, '4/0AX4XfWh-abc_def');
  taken(`${CB}?code=4%2F0AX4XfWh&state=${OURS}`, '4/0AX4XfWh');
  taken('4%2F0AX4XfWh', '4/0AX4XfWh');
  taken(`4%2F0AX4XfWh%23${OURS}`, '4/0AX4XfWh');
  // Real providers' answers, with the parameters they add (a scope holding an address, OIDC's session_state).
  taken(`http://localhost:1455/auth/callback?code=ac_AbC-123_x&scope=openid+profile+email+offline_access&state=${OURS}`, 'ac_AbC-123_x');
  taken(`http://localhost:8085/oauth2callback?state=${OURS}&code=4/0AX4XfWh&scope=email%20https://www.googleapis.com/auth/cloud-platform&authuser=0&prompt=consent`, '4/0AX4XfWh');
  taken(`${CB}?code=X&state=${OURS}&session_state=abc-def&iss=https%3A%2F%2Fissuer.example`, 'X');
  taken(`X==#${OURS}`, 'X==');
});

test('parameter names are data: __proto__ or constructor in the paste changes nothing', () => {
  taken(`${CB}?__proto__=x&constructor=y&code=X&state=${OURS}`, 'X');
  refused(`${CB}?code=X&__proto__[state]=FOREIGN&state=FOREIGN`, NOT_OURS);
});
