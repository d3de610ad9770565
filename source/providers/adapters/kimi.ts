// Kimi's auth server wants to know which device asks: X-Msh-* headers on every call, with a device
// id that stays the same for the account (kept in its token file as `device_id`).
import os from 'node:os';

export function kimiHeaders(deviceId: string): Record<string, string> {
  return {
    'X-Msh-Platform': 'kimi_cli',
    'X-Msh-Version': '1.0.0',
    'X-Msh-Device-Name': asciiHeader(os.hostname()),
    'X-Msh-Device-Model': asciiHeader(`${os.type()} ${os.release()} ${os.arch()}`),
    'X-Msh-Device-Id': deviceId,
  };
}

/** Header values must be visible ASCII; a hostname with other characters is folded. */
function asciiHeader(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').trim() || 'unknown';
}
