// Driving a pair's StreamTranslator the way the proxy does: upstream bytes split at odd places, the
// client bytes collected as written; and the official Anthropic SDK as the judge of what was written.
import Anthropic from '@anthropic-ai/sdk';
import type {StreamTranslator} from '../../source/proxy/translate/types.js';

/** `text` cut into pieces of the given sizes, cycling (the default cuts inside lines, JSON and `\r\n`). */
export function splitOddly(text: string, sizes: number[] = [1, 3, 7, 2, 13, 5]): string[] {
  const pieces: string[] = [];
  for (let at = 0, i = 0; at < text.length; i++) {
    const size = sizes[i % sizes.length]!;
    pieces.push(text.slice(at, at + size));
    at += size;
  }
  return pieces;
}

/** Every piece pushed, then `end()`: the client bytes, one string per call that wrote something. */
export function runStream(translator: StreamTranslator, upstream: string, sizes?: number[]): string[] {
  const written = splitOddly(upstream, sizes).map((piece) => translator.push(piece));
  written.push(translator.end());
  return written.filter((bytes) => bytes !== '');
}

/** SSE text → its events as `{event, data}` with `data` parsed (for exact comparisons). */
export function sseEvents(text: string): {event: string | undefined; data: unknown}[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
      return {event, data: data === '[DONE]' ? data : (JSON.parse(data) as unknown)};
    });
}

/**
 * The final message the Anthropic SDK (`messages.stream()`) assembles from `chunks` served as the
 * response body, one chunk per network write; rejects as the SDK does on an `error` event.
 */
export async function anthropicSdkFinalMessage(chunks: string[]): Promise<Anthropic.Message> {
  const client = new Anthropic({
    apiKey: 'test-key',
    baseURL: 'http://127.0.0.1:9',
    maxRetries: 0,
    fetch: async () => {
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
          controller.close();
        },
      });
      return new Response(body, {status: 200, headers: {'content-type': 'text/event-stream'}});
    },
  });
  const stream = client.messages.stream({model: 'claude-sonnet-4-6', max_tokens: 1024, messages: [{role: 'user', content: 'hi'}]});
  return stream.finalMessage();
}

/**
 * A Gemini body without the `id` of its function calls and responses: whether ids are sent is
 * gemini-contents.ts's decision (tested there); the pair tests compare everything else exactly.
 */
export function withoutGeminiCallIds<T>(value: T): T {
  return JSON.parse(JSON.stringify(value), function (this: Record<string, unknown>, key, item: unknown) {
    if (key === 'id' && (Object.hasOwn(this, 'args') || Object.hasOwn(this, 'response'))) return undefined;
    return item;
  }) as T;
}
