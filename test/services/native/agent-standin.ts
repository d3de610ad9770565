// A stand-in for an agent that keeps its own login (Codex CLI's auth.json): it refreshes the tokens
// in its file at the authorization server and writes the rotated ones back, as the real agent does.
// argv: <auth.json> <token endpoint> <client id> <mode>
//   refresh          refresh once, write the file atomically (temp file + rename), print "refreshed"
//   refresh-late     refresh, print "refreshed", wait argv[6] ms, then write as `refresh` does (a real
//                    agent's HTTP round trip and bookkeeping sit between reading its file and writing it)
//   rewrite-slowly   rewrite the file in place (truncate, half, pause, rest) with no refresh; prints
//                    "half" after the first half, so a test can kill it mid-write
import {readFileSync, renameSync, writeFileSync, openSync, writeSync, closeSync} from 'node:fs';

const [file, tokenUrl, clientId, mode] = process.argv.slice(2) as [string, string, string, string];
const auth = JSON.parse(readFileSync(file, 'utf8')) as {tokens: Record<string, unknown>; last_refresh?: string; [key: string]: unknown};

if (mode === 'refresh' || mode === 'refresh-late') {
  const response = await fetch(tokenUrl, {
    method: 'POST',
    headers: {'content-type': 'application/x-www-form-urlencoded'},
    body: new URLSearchParams({grant_type: 'refresh_token', refresh_token: String(auth.tokens.refresh_token), client_id: clientId}),
  });
  const body = (await response.json()) as Record<string, unknown>;
  if (response.status !== 200) {
    process.stdout.write(JSON.stringify({error: body}));
    process.exit(1);
  }
  if (mode === 'refresh-late') {
    process.stdout.write('refreshed\n');
    await new Promise((resolve) => setTimeout(resolve, Number(process.argv[6])));
  }
  auth.tokens = {...auth.tokens, access_token: body.access_token, refresh_token: body.refresh_token ?? auth.tokens.refresh_token, ...(body.id_token ? {id_token: body.id_token} : {})};
  auth.last_refresh = new Date().toISOString();
  writeFileSync(`${file}.standin.tmp`, JSON.stringify(auth, null, 2), {mode: 0o600});
  renameSync(`${file}.standin.tmp`, file);
  process.stdout.write(JSON.stringify({refreshed: true, refresh_token: auth.tokens.refresh_token}));
} else if (mode === 'rewrite-slowly') {
  const text = JSON.stringify({...auth, rewritten_at: new Date().toISOString()}, null, 2);
  const fd = openSync(file, 'w', 0o600);
  writeSync(fd, text.slice(0, Math.floor(text.length / 2)));
  process.stdout.write('half\n');
  await new Promise((resolve) => setTimeout(resolve, 30_000));
  writeSync(fd, text.slice(Math.floor(text.length / 2)));
  closeSync(fd);
}
