// The quota hook skips a poller batch that changes nothing the screen draws (issue 14). What counts as
// drawn is what a committed render drew: React may call a component and throw the result away (a
// state update that came to nothing); a render like that, reading an entry the poller had already
// changed in place, must not make the batch that brings the change look like old news.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {Text} from 'ink';
import {render} from 'ink-testing-library';
import React, {useLayoutEffect, useRef, useState} from 'react';
import type {Account} from '../../source/core/types.js';
import type {QuotaCache, QuotaCacheEntry} from '../../source/services/quota/cache.js';
import type {QuotaListener, QuotaPoller} from '../../source/services/quota/service.js';
import {DEFAULT_SETTINGS} from '../../source/store/settings.js';
import {ServicesContext, type AppServices} from '../../source/ui/services.js';
import {useQuota} from '../../source/ui/screens/quota/useQuota.js';
import {FakeClock} from '../helpers/fake-clock.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');
const entry = (usedPercent: number): QuotaCacheEntry => ({windows: [{kind: '5h', usedPct: usedPercent} as unknown as QuotaCacheEntry['windows'][number]], fetchedAt: new Date(NOW).toISOString()});
const account = {provider: 'claude', id: 'a@example.com'} as Account;

/** A poller as the hook meets it: its cache updated in place, then its subscribers told. */
function fakePoller() {
  const listeners = new Set<QuotaListener>();
  const snapshot: QuotaCache = {version: 1, accounts: {claude: {[account.id]: entry(10)}}};
  const poller = {
    snapshot,
    subscribe: (listener: QuotaListener) => (listeners.add(listener), () => void listeners.delete(listener)),
    use: () => ({ready: Promise.resolve(), release: () => undefined}),
    setAccounts: () => undefined,
    isFetching: () => false,
    reload: async () => undefined,
  };
  return {poller: poller as unknown as QuotaPoller, snapshot, emit: () => listeners.forEach((l) => l(snapshot))};
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a batch changing a drawn row is drawn, even after a render React threw away read the change first', async () => {
  const {poller, snapshot, emit} = fakePoller();
  const clock = new FakeClock(NOW);
  const services = {
    clock,
    paths: {},
    watchCcsDir: () => () => undefined,
    settings: {load: async () => ({settings: DEFAULT_SETTINGS}), subscribe: () => () => undefined},
    targets: {current: {quota: poller}, subscribe: () => () => undefined},
  } as unknown as AppServices;
  const counts = {renders: 0, commits: 0};
  let setOther: (n: number) => void = () => undefined;
  function Row() {
    const quota = useQuota([account], {tickMs: 30_000});
    const [other, set] = useState(0);
    setOther = set;
    counts.renders++;
    const committed = useRef(counts);
    useLayoutEffect(() => void committed.current.commits++);
    quota.drawing([account]);
    return <Text>{`${other} used ${quota.cache?.accounts.claude?.[account.id]?.windows[0]?.usedPct ?? '-'}%`}</Text>;
  }
  const ui = render(<ServicesContext.Provider value={services}><Row /></ServicesContext.Provider>);
  try {
    await wait(50);
    assert.equal(ui.lastFrame(), '0 used 10%');
    setOther(1);
    await wait(50);
    assert.equal(ui.lastFrame(), '1 used 10%');
    // The poller's fetch lands (its cache changed in place), and before it tells its subscribers a state
    // update that changes nothing makes React call the component once more and throw the result away.
    snapshot.accounts.claude![account.id] = entry(55);
    const before = {...counts};
    for (let i = 0; i < 3 && counts.renders === before.renders; i++) {
      setOther(1);
      await wait(20);
    }
    assert.ok(counts.renders > before.renders && counts.commits === before.commits, `a render React threw away (renders ${before.renders}→${counts.renders}, commits ${before.commits}→${counts.commits})`);
    assert.equal(ui.lastFrame(), '1 used 10%', 'that render drew nothing');
    emit();
    await wait(400);
    assert.equal(ui.lastFrame(), '1 used 55%');
  } finally {
    ui.unmount();
  }
});
