// Images and files named by URL in OpenAI requests (`image_url.url`, `file.file_data`, Responses
// `input_image.image_url`): a `data:` URL carries the bytes inline, anything else is a link.

export type MediaSource = {kind: 'base64'; mediaType: string; data: string} | {kind: 'url'; url: string};

/** `data:image/png;base64,AAAA` → base64 parts; other URLs stay links. Undefined for a malformed data URL. */
export function parseMediaUrl(url: string): MediaSource | undefined {
  if (!url.startsWith('data:')) return {kind: 'url', url};
  const match = /^data:([^;,]+)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  return match ? {kind: 'base64', mediaType: match[1]!, data: match[2]!} : undefined;
}

/** The `data:` URL for base64 bytes (the way back to OpenAI clients and upstreams). */
export function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}
