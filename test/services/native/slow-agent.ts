// Stand-in for Codex that refreshes, then writes its file a moment later (as a real agent does: the
// HTTP round trip and its own bookkeeping sit between reading its file and writing it back).
// argv: <auth.json> <token endpoint> <client id> <delay ms>
import {readFileSync, renameSync, writeFileSync} from 'node:fs';

const [file, tokenUrl, clientId, delay] = process.argv.slice(2) as [string, string, string, string];
const auth = JSON.parse(readFileSync(file, 'utf8')) as {tokens: Record<string, unknown>; [key: string]: unknown};
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
process.stdout.write('refreshed\n');
await new Promise((resolve) => setTimeout(resolve, Number(delay)));
auth.tokens = {...auth.tokens, access_token: body.access_token, refresh_token: body.refresh_token ?? auth.tokens.refresh_token};
writeFileSync(`${file}.tmp`, JSON.stringify(auth, null, 2), {mode: 0o600});
renameSync(`${file}.tmp`, file);
process.stdout.write('written\n');
