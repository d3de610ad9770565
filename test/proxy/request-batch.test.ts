// The proxy child's request lines, gathered per tenth of a second: every line goes to the log in
// order, the newest ones (text only, no time) go to the supervisor's log tail.
import assert from 'node:assert/strict';
import {test} from 'node:test';
import {LineMemo, RequestBatch, type RequestBatchOut} from '../../source/proxy/request-batch.js';

test('a batch carries every line in order and the newest texts without their time', () => {
  const batches: RequestBatchOut[] = [];
  const batch = new RequestBatch(60_000, 3, (out) => batches.push(out));
  for (let i = 1; i <= 5; i++) batch.add(`2026-11-30T00:00:0${i}.000Z `, `POST /v1/messages m${i} → claude/ä@example.com 200 ${i} ms`);
  batch.flush();
  assert.equal(batches.length, 1);
  const [out] = batches;
  assert.equal(out!.count, 5);
  assert.deepEqual(out!.lines.toString('utf8').split('\n'), [
    ...[1, 2, 3, 4, 5].map((i) => `2026-11-30T00:00:0${i}.000Z POST /v1/messages m${i} → claude/ä@example.com 200 ${i} ms`),
    '',
  ]);
  assert.deepEqual(out!.recent, [3, 4, 5].map((i) => `POST /v1/messages m${i} → claude/ä@example.com 200 ${i} ms`));
  // Nothing gathered: nothing sent.
  batch.flush();
  assert.equal(batches.length, 1);
});

test('a full buffer goes out early, and a line larger than the buffer is kept whole', () => {
  const batches: RequestBatchOut[] = [];
  const batch = new RequestBatch(60_000, 50, (out) => batches.push(out));
  const long = 'x'.repeat(40 * 1024);
  batch.add('t ', long);
  batch.add('t ', long);
  const huge = 'y'.repeat(200 * 1024);
  batch.add('t ', huge);
  batch.flush();
  assert.deepEqual(batches.map((b) => b.count), [1, 1, 1]);
  assert.deepEqual(batches.map((b) => b.recent), [[long], [long], [huge]]);
  assert.equal(batches[2]!.lines.toString('utf8'), `t ${huge}\n`);
});

test("a refusal's line rides the batch in order but is not counted as a forwarded request", () => {
  const batches: RequestBatchOut[] = [];
  const batch = new RequestBatch(60_000, 2, (out) => batches.push(out));
  batch.add('t ', 'POST /v1/messages → claude/a 200 1 ms');
  batch.add('t ', 'POST /v1/messages → refused by the proxy 401 0 ms: wrong key', false);
  batch.add('t ', 'POST /v1/messages → claude/a 200 2 ms');
  batch.flush();
  assert.equal(batches[0]!.count, 2);
  assert.equal(batches[0]!.lines.toString('utf8').split('\n').length, 4);
  assert.deepEqual(batches[0]!.recent, ['POST /v1/messages → refused by the proxy 401 0 ms: wrong key', 'POST /v1/messages → claude/a 200 2 ms']);
  // Only refusals: the batch still goes out (the log needs the lines), with a count of 0.
  batch.add('t ', 'GET /x → refused by the proxy 404 0 ms: unknown route', false);
  batch.flush();
  assert.equal(batches[1]!.count, 0);
  assert.deepEqual(batches[1]!.recent, ['GET /x → refused by the proxy 404 0 ms: unknown route']);
});

test('a remembered line text is the one its event gives: any field but ms, or the version, changing gives a new one', () => {
  let calls = 0;
  const secrets = new Set<string>();
  const text = (event: {path: string; account: string; status: number; ms: number; broke?: string}) => {
    calls++;
    let line = `POST ${event.path} → claude/${event.account} ${event.status} ${event.ms} ms${event.broke ? `, then ${event.broke}` : ''}`;
    for (const secret of secrets) line = line.split(secret).join('•••');
    return line;
  };
  const memo = new LineMemo(text);
  const base = {path: '/v1/messages', account: 'a@example.com', status: 200, ms: 3};
  assert.equal(memo.of({...base}, secrets.size), 'POST /v1/messages → claude/a@example.com 200 3 ms');
  assert.equal(memo.of({...base}, secrets.size), 'POST /v1/messages → claude/a@example.com 200 3 ms');
  assert.equal(calls, 1, 'the same fields: remembered');
  assert.equal(memo.of({...base, ms: 4}, secrets.size), 'POST /v1/messages → claude/a@example.com 200 4 ms');
  assert.equal(memo.of({...base, ms: 3}, secrets.size), 'POST /v1/messages → claude/a@example.com 200 3 ms');
  assert.equal(calls, 2, 'each ms once');
  // Every other field is compared, one added or dropped too.
  assert.equal(memo.of({...base, account: 'b@example.com'}, secrets.size), 'POST /v1/messages → claude/b@example.com 200 3 ms');
  assert.equal(memo.of({...base, status: 0}, secrets.size), 'POST /v1/messages → claude/a@example.com 0 3 ms');
  assert.equal(memo.of({...base, broke: 'the client left'}, secrets.size), 'POST /v1/messages → claude/a@example.com 200 3 ms, then the client left');
  assert.equal(memo.of({...base}, secrets.size), 'POST /v1/messages → claude/a@example.com 200 3 ms');
  // A secret learned since: the same event's text is masked now (the version tells).
  secrets.add('a@example.com');
  assert.equal(memo.of({...base}, secrets.size), 'POST /v1/messages → claude/••• 200 3 ms');
  // An ms out of the remembered range is not kept, and still right.
  assert.equal(memo.of({...base, ms: 123_456}, secrets.size), 'POST /v1/messages → claude/••• 200 123456 ms');
  assert.equal(memo.of({...base, ms: 1.5}, secrets.size), 'POST /v1/messages → claude/••• 200 1.5 ms');
});
