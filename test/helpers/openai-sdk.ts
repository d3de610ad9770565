// The official `openai` SDK as the judge of what a translator wrote for an OpenAI client: a one-shot
// HTTP server on 127.0.0.1 serves the translated bytes (one network write per chunk, as the proxy
// writes them), and the SDK's own stream helpers assemble the result.
import {createServer, type Server} from 'node:http';
import type {AddressInfo} from 'node:net';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import {translatorFor} from '../../source/proxy/translate/index.js';
import type {ApiProtocol, PairTranslator} from '../../source/proxy/translate/types.js';

export interface ChunkServer {
  client: OpenAI;
  close(): Promise<void>;
}

/** Serves `chunks` (status 200, `content-type`) to every request; the client points at it. */
export async function serveChunks(chunks: string[], contentType = 'text/event-stream'): Promise<ChunkServer> {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, {'content-type': contentType});
      for (const chunk of chunks) {
        res.write(chunk);
        await new Promise((resolve) => setImmediate(resolve));
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const {port} = server.address() as AddressInfo;
  return {
    client: new OpenAI({apiKey: 'test-key', baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0}),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Runs `use` against a server serving `chunks`, closing it afterwards. */
export async function withChunks<T>(chunks: string[], use: (client: OpenAI) => Promise<T>): Promise<T> {
  const server = await serveChunks(chunks);
  try {
    return await use(server.client);
  } finally {
    await server.close();
  }
}

/** One upstream SSE event as the services write it (`event:` line only when named). */
export const sse = (event: string | undefined, data: unknown) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

/** The registered translator for a pair (fails the test when there is none). */
export function pairFor(client: ApiProtocol, upstream: ApiProtocol): PairTranslator {
  const found = translatorFor(client, upstream);
  assert.ok(found, `a translator for ${client} → ${upstream}`);
  return found;
}

/** One Anthropic stream event: `event: <type>` and data with that `type`. */
export const anthropicEvent = (type: string, fields: Record<string, unknown> = {}) => sse(type, {type, ...fields});

/** A whole Anthropic content block as streamed: its start, each delta, its stop. */
export function anthropicBlock(index: number, contentBlock: Record<string, unknown>, ...deltas: Record<string, unknown>[]): string {
  return [
    anthropicEvent('content_block_start', {index, content_block: contentBlock}),
    ...deltas.map((delta) => anthropicEvent('content_block_delta', {index, delta})),
    anthropicEvent('content_block_stop', {index}),
  ].join('');
}
