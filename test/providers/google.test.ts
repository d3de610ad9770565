// The Google adapter's pure rules: what loadCodeAssist answers mean, which client refreshes an
// account, and the nested token layout read flat and written back nested.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {flattenTokenFile, nestTokenFile, operationUrl, readLoadCodeAssist, readOnboardOperation, refreshClients} from '../../source/providers/adapters/google.js';

test('loadCodeAssist: project, paid tier, onboarding tier, verification, no access (Gemini CLI setup.ts)', () => {
  assert.deepEqual(readLoadCodeAssist('gemini', {currentTier: {id: 'free-tier'}, paidTier: {id: 'g1-pro-tier'}, cloudaicompanionProject: 'p-1'}), {kind: 'project', projectId: 'p-1', tierId: 'g1-pro-tier'});
  assert.deepEqual(readLoadCodeAssist('gemini', {allowedTiers: [{id: 'standard-tier'}, {id: 'free-tier', isDefault: true}]}), {kind: 'onboard', tierId: 'free-tier'});
  assert.deepEqual(readLoadCodeAssist('gemini', {}), {kind: 'onboard', tierId: 'legacy-tier'}, 'no default tier: legacy-tier, as Gemini CLI');
  assert.deepEqual(
    readLoadCodeAssist('gemini', {ineligibleTiers: [{reasonCode: 'VALIDATION_REQUIRED', reasonMessage: 'Verify', validationUrl: 'https://v.example/x'}]}),
    {kind: 'validation-required', url: 'https://v.example/x', message: 'Verify'},
  );
  assert.deepEqual(readLoadCodeAssist('gemini', {ineligibleTiers: [{reasonCode: 'RESTRICTED_AGE', reasonMessage: 'Too young'}]}), {kind: 'no-access', message: 'Too young'});
  // A tier without a project: Gemini CLI needs a user project; Antigravity onboards (CLIProxyAPI).
  assert.equal(readLoadCodeAssist('gemini', {currentTier: {id: 'standard-tier', name: 'Standard'}}).kind, 'no-access');
  assert.deepEqual(readLoadCodeAssist('antigravity', {currentTier: {id: 'standard-tier'}}), {kind: 'onboard', tierId: 'standard-tier'});
  assert.deepEqual(readLoadCodeAssist('antigravity', {cloudaicompanionProject: {id: 'p-2'}, currentTier: {id: 'free-tier'}}), {kind: 'project', projectId: 'p-2', tierId: 'free-tier'});
});

test('onboardUser operations: running, done with a project, failed; only plain operation names become URLs', () => {
  assert.deepEqual(readOnboardOperation({name: 'operations/x', done: false}), {done: false, projectId: undefined, error: undefined});
  assert.deepEqual(readOnboardOperation({done: true, response: {cloudaicompanionProject: {id: 'p', name: 'p'}}}), {done: true, projectId: 'p', error: undefined});
  assert.equal(readOnboardOperation({done: true, error: {code: 9, message: 'nope'}}).error, 'nope');
  assert.equal(operationUrl('http://h/', 'operations/abc-1'), 'http://h/v1internal/operations/abc-1');
  assert.equal(operationUrl('http://h', '../../etc/passwd'), undefined);
  assert.equal(operationUrl('http://h', 'operations/a/../../b'), undefined);
});

test('refresh clients: the recorded client (top level or nested) alone, else every known client in order', () => {
  const known = [{clientId: 'a', clientSecret: 'sa'}, {clientId: 'b', clientSecret: 'sb'}];
  assert.deepEqual(refreshClients(known, {type: 'antigravity'}), known);
  assert.deepEqual(refreshClients(known, {type: 'antigravity', client_id: 'b'}), [{clientId: 'b', clientSecret: 'sb'}]);
  assert.deepEqual(refreshClients(known, {type: 'gemini', token: {client_id: 'c', client_secret: 'sc'}}), [{clientId: 'c', clientSecret: 'sc'}]);
});

test('nested layout: read flat, updates written back into `token`, flat files and keys of their own untouched', () => {
  const file = {type: 'gemini', token: {access_token: 'a1', refresh_token: 'r1', expiry: '2026-01-01T00:00:00Z', client_id: 'c'}, project_id: 'p', email: 'e'};
  const view = flattenTokenFile(file);
  assert.equal(view.access_token, 'a1');
  assert.equal(view.expired, '2026-01-01T00:00:00Z');
  const written = nestTokenFile({...view, access_token: 'a2', expired: '2026-02-01T00:00:00Z'});
  assert.deepEqual(JSON.parse(JSON.stringify(written)), {
    type: 'gemini',
    token: {access_token: 'a2', refresh_token: 'r1', expiry: '2026-02-01T00:00:00Z', client_id: 'c'},
    project_id: 'p',
    email: 'e',
  });
  const flat = {type: 'gemini', access_token: 'x', refresh_token: 'y'};
  assert.equal(flattenTokenFile(flat), flat);
  assert.equal(nestTokenFile(flat), flat);
  // A `token` key that is not a credential object (some other tool's field) is left alone.
  const other = {type: 'claude', token: {note: 'n'}, access_token: 'z'};
  assert.deepEqual(nestTokenFile(flattenTokenFile(other)), other);
});
