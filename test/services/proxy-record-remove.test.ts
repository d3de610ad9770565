// A proxy that ends removes tui/proxy.json only while it names that proxy. Another proxy can write its
// record between that look and the removal (two proxies stopping and starting at once): its record
// must stay, or a running proxy is unseen by `proxy status` and `proxy stop`.
import assert from 'node:assert/strict';
import fs, {readFileSync, readdirSync, writeFileSync} from 'node:fs';
import {syncBuiltinESMExports} from 'node:module';
import {test} from 'node:test';
import {proxyPidFilePath, removeProxyPidFile, writeProxyPidFile} from '../../source/services/proxy/pid-file.js';
import {makeTempCcs} from '../helpers/ccs.js';

const record = (pid: number) => ({pid, port: 8317, startedAt: '2026-12-01T10:00:00.000Z', owner: 'foreground' as const, kind: 'builtin' as const});

test('a record another proxy writes right after the look is kept; one naming this proxy is removed; nothing is left beside it', async () => {
  const ccs = makeTempCcs();
  const file = proxyPidFilePath(ccs.paths);
  const realRead = fs.readFileSync;
  try {
    await writeProxyPidFile(ccs.paths, record(1001));
    removeProxyPidFile(ccs.paths, 1002);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, 1001, 'another proxy\'s record is not removed');

    // Proxy 1001 ends: as it reads its record, proxy 1003 writes its own in its place.
    let raced = false;
    (fs as {readFileSync: unknown}).readFileSync = function (this: unknown, ...args: Parameters<typeof fs.readFileSync>) {
      const text = (realRead as (...a: unknown[]) => unknown).apply(this, args);
      if (!raced && String(args[0]) === file) {
        raced = true;
        writeFileSync(`${file}.new`, JSON.stringify(record(1003)));
        fs.renameSync(`${file}.new`, file);
      }
      return text;
    };
    syncBuiltinESMExports();
    removeProxyPidFile(ccs.paths, 1001);
    assert.ok(raced);
    (fs as {readFileSync: unknown}).readFileSync = realRead;
    syncBuiltinESMExports();
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).pid, 1003, 'the record written meanwhile stays');

    removeProxyPidFile(ccs.paths, 1003);
    assert.throws(() => readFileSync(file), {code: 'ENOENT'});
    assert.deepEqual(readdirSync(ccs.paths.state).filter((name) => name.startsWith('proxy.json')), []);
  } finally {
    (fs as {readFileSync: unknown}).readFileSync = realRead;
    syncBuiltinESMExports();
    ccs.cleanup();
  }
});
