// The proxy's API key lives in config.yaml's `api-keys` (shared with CLIProxyAPI and CCS). When there
// is none, one strong key is generated and saved there (comments and other keys kept), once.
import {randomBytes} from 'node:crypto';
import {assertUnsharedPath, loadCliproxyConfig, updateCliproxyConfig, type CliproxyConfig} from '../../store/cliproxy-config.js';
import type {CcsPaths} from '../../store/paths.js';

/** A strong key for `api-keys` when config.yaml has none. */
export function generateApiKey(): string {
  return `ccs-tui-${randomBytes(24).toString('base64url')}`;
}

/** What `ccs-tui env`, the proxy screen's copy key and a proxy start say when they generated the key. */
export function generatedKeyNote(paths: CcsPaths): string {
  return `config.yaml had no api-keys; generated one and saved it in ${paths.config}`;
}

/** The API keys, generating and saving one when config.yaml lists none. */
export async function ensureApiKey(paths: CcsPaths): Promise<{config: CliproxyConfig; generated: boolean}> {
  const loaded = await loadCliproxyConfig(paths);
  if (loaded.config.apiKeys.length > 0) return {config: loaded.config, generated: false};
  let generated = false;
  const config = await updateCliproxyConfig(paths, (document) => {
    const keys = document.get('api-keys');
    const list = keys && typeof keys === 'object' && 'items' in keys ? (keys as {items: unknown[]}).items : [];
    if (list.length > 0) return;
    assertUnsharedPath(document, ['api-keys']);
    document.set('api-keys', [generateApiKey()]);
    generated = true;
  });
  return {config, generated};
}

