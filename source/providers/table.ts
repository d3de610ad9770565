// Every provider is one row of this table. Endpoints, client ids, scopes, ports and model lists are
// data (from PROVIDERS.md), overridable per provider in tui.json (`endpoints.<provider>.<name>`).
// A row's `adapter` (adapters/<id>.ts) holds the provider's quirks as functions. Adding a provider
// means adding a row and its adapter, nothing else: no other layer branches on a provider id.
import {sanitizeLine} from '../core/sanitize.js';
import {UserError, type Account, type QuotaWindow} from '../core/types.js';
import {aistudioAdapter} from './adapters/aistudio.js';
import {antigravityAdapter} from './adapters/antigravity.js';
import {bobAdapter} from './adapters/bob.js';
import {claudeAdapter} from './adapters/claude.js';
import {codexAdapter} from './adapters/codex.js';
import {copilotAdapter} from './adapters/copilot.js';
import {geminiAdapter} from './adapters/gemini.js';
import {iflowAdapter} from './adapters/iflow.js';
import {kimiAdapter} from './adapters/kimi.js';
import {qwenAdapter} from './adapters/qwen.js';
import {vertexAdapter} from './adapters/vertex.js';
import {xaiAdapter} from './adapters/xai.js';
import type {Endpoints, ProviderRow} from './types.js';

export type * from './types.js';

const HOUR = 3600;
const MINUTE = 60;

const CODEX_PRO = [
  'gpt-5.6-sol',
  'gpt-5.6-terra',
  'gpt-5.6-luna',
  'gpt-5.5',
  'gpt-5.4',
  'gpt-5.4-mini',
  'gpt-5.3-codex-spark',
  'codex-auto-review',
];
const CODEX_TEAM = CODEX_PRO.filter((m) => m !== 'gpt-5.3-codex-spark');
const CODEX_FREE = ['gpt-5.6-terra', 'gpt-5.6-luna', 'gpt-5.5', 'gpt-5.4-mini', 'codex-auto-review'];

const GOOGLE_AUTH = {
  authorize: 'https://accounts.google.com/o/oauth2/v2/auth',
  token: 'https://oauth2.googleapis.com/token',
  userinfo: 'https://www.googleapis.com/oauth2/v2/userinfo',
};

const ROWS: ProviderRow[] = [
  {
    id: 'claude',
    displayName: 'Claude',
    tokenType: 'claude',
    cliproxyAuthRoute: 'anthropic',
    logins: [
      {
        kind: 'auth-code',
        pkce: true,
        callbackPort: 54545,
        callbackPath: '/callback',
        pasteRedirectUri: 'https://platform.claude.com/oauth/code/callback',
        extraAuthorizeParams: {code: 'true'},
        tokenBody: 'json',
        tokenAuth: 'none',
      },
    ],
    endpoints: {
      authorize: 'https://claude.ai/oauth/authorize',
      token: 'https://platform.claude.com/v1/oauth/token',
      userinfo: 'https://api.anthropic.com/api/oauth/profile',
      usage: 'https://api.anthropic.com/api/oauth/usage',
      api: 'https://api.anthropic.com',
    },
    clientId: '9d1c250a-e61b-44d9-88ed-5944d1962f5e',
    scopes: ['user:profile', 'user:inference', 'user:sessions:claude_code', 'user:mcp_servers', 'user:file_upload'],
    models: {
      default: [
        'claude-opus-5',
        'claude-sonnet-5',
        'claude-fable-5',
        'claude-opus-4-8',
        'claude-opus-4-7',
        'claude-opus-4-6',
        'claude-sonnet-4-6',
        'claude-opus-4-5-20251101',
        'claude-sonnet-4-5-20250929',
        'claude-haiku-4-5-20251001',
        'claude-opus-4-1-20250805',
        'claude-opus-4-20250514',
        'claude-sonnet-4-20250514',
        'claude-3-7-sonnet-20250219',
        'claude-3-5-haiku-20241022',
      ],
      tiers: {
        big: ['claude-opus-5', 'claude-opus-4-8', 'claude-opus-4-7'],
        mid: ['claude-sonnet-5', 'claude-sonnet-4-6'],
        small: ['claude-haiku-4-5-20251001', 'claude-3-5-haiku-20241022'],
      },
      // Anthropic's newer models keep the `claude-` prefix before the catalogue names them.
      patterns: ['claude-*'],
    },
    quotaSource: 'claude',
    refreshLeadSeconds: 4 * HOUR,
    api: ['anthropic'],
    servesRootRoutes: true,
    adapter: claudeAdapter,
  },
  {
    id: 'codex',
    tokenFilePrefixes: ['codex-', 'openai-'],
    displayName: 'Codex',
    tokenType: 'codex',
    cliproxyAuthRoute: 'codex',
    logins: [
      {
        kind: 'auth-code',
        pkce: true,
        callbackPort: 1455,
        fallbackPorts: [1457],
        callbackPath: '/auth/callback',
        extraAuthorizeParams: {
          prompt: 'login',
          id_token_add_organizations: 'true',
          codex_cli_simplified_flow: 'true',
        },
        tokenBody: 'form',
        tokenAuth: 'none',
      },
      {kind: 'device', scheme: 'openai', defaultIntervalSeconds: 5},
    ],
    endpoints: {
      authorize: 'https://auth.openai.com/oauth/authorize',
      token: 'https://auth.openai.com/oauth/token',
      device: 'https://auth.openai.com/api/accounts/deviceauth',
      usage: 'https://chatgpt.com/backend-api/wham/usage',
      api: 'https://chatgpt.com/backend-api/codex',
    },
    // OpenAI's device login is two calls under one base (services/oauth/device.ts).
    endpointNotes: {device: '`device` is a base: `<device>/usercode` and `<device>/token` are called under it'},
    clientId: 'app_EMoamEEZ73f0CkXaXp7hrann',
    scopes: ['openid', 'email', 'profile', 'offline_access'],
    models: {
      default: CODEX_PRO,
      byPlan: {pro: CODEX_PRO, plus: CODEX_PRO, team: CODEX_TEAM, business: CODEX_TEAM, go: CODEX_TEAM, free: CODEX_FREE},
      // sol, terra and luna are the large, middle and small gpt-5.6 models; free plans lack sol.
      tiers: {big: ['gpt-5.6-sol', 'gpt-5.6-terra'], mid: ['gpt-5.6-terra', 'gpt-5.5'], small: ['gpt-5.6-luna', 'gpt-5.4-mini']},
    },
    quotaSource: 'codex',
    refreshLeadSeconds: 5 * 24 * HOUR,
    api: ['openai-responses'],
    adapter: codexAdapter,
  },
  {
    id: 'gemini',
    tokenFilePrefixes: ['gemini-', 'google-'],
    displayName: 'Gemini',
    tokenType: 'gemini',
    configChannel: 'gemini-cli',
    cliproxyAuthRoute: 'gemini-cli',
    logins: [
      {
        kind: 'auth-code',
        pkce: true,
        callbackPort: 8085,
        callbackPath: '/oauth2callback',
        pasteRedirectUri: 'https://codeassist.google.com/authcode',
        extraAuthorizeParams: {access_type: 'offline', prompt: 'consent'},
        tokenBody: 'form',
        tokenAuth: 'client-secret-post',
      },
    ],
    endpoints: {
      ...GOOGLE_AUTH,
      usage: 'https://cloudcode-pa.googleapis.com/v1internal:retrieveUserQuota',
      api: 'https://cloudcode-pa.googleapis.com',
    },
    clientId: '681255809395-oo8ft2oprdrnp9e3aqf6av3hmdib135j.apps.googleusercontent.com',
    // Public installed-app secret, as shipped in google-gemini/gemini-cli (oauth2.ts).
    clientSecret: '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',
    scopes: [
      'https://www.googleapis.com/auth/cloud-platform',
      'https://www.googleapis.com/auth/userinfo.email',
      'https://www.googleapis.com/auth/userinfo.profile',
    ],
    models: {
      default: [
        'gemini-3.1-pro-preview',
        'gemini-3-pro-preview',
        'gemini-3-flash-preview',
        'gemini-3.1-flash-lite-preview',
        'gemini-2.5-pro',
        'gemini-2.5-flash',
        'gemini-2.5-flash-lite',
      ],
      tiers: {
        big: ['gemini-3.1-pro-preview', 'gemini-3-pro-preview', 'gemini-2.5-pro'],
        mid: ['gemini-3-flash-preview', 'gemini-2.5-flash'],
        small: ['gemini-3.1-flash-lite-preview', 'gemini-2.5-flash-lite'],
      },
    },
    quotaSource: 'gemini',
    refreshLeadSeconds: 5 * MINUTE,
    api: ['gemini-internal'],
    adapter: geminiAdapter,
  },
  {
    id: 'antigravity',
    registryKeys: ['agy'],
    tokenFilePrefixes: ['antigravity-', 'agy-'],
    displayName: 'Antigravity',
    tokenType: 'antigravity',
    cliproxyAuthRoute: 'antigravity',
    logins: [
      {
        kind: 'auth-code',
        pkce: true,
        callbackPort: 51121,
        callbackPath: '/oauth-callback',
        extraAuthorizeParams: {access_type: 'offline', prompt: 'consent'},
        tokenBody: 'form',
        tokenAuth: 'client-secret-post',
      },
    ],
    endpoints: {
      ...GOOGLE_AUTH,
      usage: 'https://cloudcode-pa.googleapis.com/v1internal:retrieveUserQuotaSummary',
      api: 'https://cloudcode-pa.googleapis.com',
    },
    clientId: '1071006060591-tmhssin2h21lcre235vtolojh4g403ep.apps.googleusercontent.com',
    // Public installed-app secret paired with this client id in CLIProxyAPI's antigravity auth.
    clientSecret: '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',
    // Newest CLIProxyAPI logs Antigravity in with this client (internal/auth/antigravity/constants.go);
    // its accounts' refresh tokens only refresh with it (see adapters/google.ts refreshClients).
    alternateClients: [{clientId: '884354919052-36trc1jjb3tguiac32ov6cod268c5blh.apps.googleusercontent.com', clientSecret: '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'}],
    scopes: [
      'https://www.googleapis.com/auth/cloud-platform',
      'https://www.googleapis.com/auth/userinfo.email',
      'https://www.googleapis.com/auth/userinfo.profile',
      'https://www.googleapis.com/auth/cclog',
      'https://www.googleapis.com/auth/experimentsandconfigs',
    ],
    models: {
      default: [
        'claude-opus-4-6-thinking',
        'claude-sonnet-4-6',
        'gemini-3.7-flash-high',
        'gemini-3.6-flash-high',
        'gemini-3-flash',
        'gemini-3-flash-agent',
        'gemini-3.1-flash-image',
        'gemini-pro-agent',
        'gemini-3.1-pro-low',
        'gemini-3.1-flash-lite',
        'gemini-3.5-flash-low',
        'gemini-3.5-flash-extra-low',
        'gpt-oss-120b-medium',
      ],
      tiers: {big: ['claude-opus-4-6-thinking'], mid: ['claude-sonnet-4-6'], small: ['gemini-3-flash', 'gemini-3.1-flash-lite']},
    },
    quotaSource: 'antigravity',
    refreshLeadSeconds: 5 * MINUTE,
    api: ['gemini-internal'],
    adapter: antigravityAdapter,
  },
  {
    id: 'qwen',
    displayName: 'Qwen',
    tokenType: 'qwen',
    cliproxyAuthRoute: 'qwen',
    logins: [{kind: 'device', scheme: 'rfc8628', pkce: true, defaultIntervalSeconds: 2, asksForLabel: true}],
    endpoints: {
      device: 'https://chat.qwen.ai/api/v1/oauth2/device/code',
      token: 'https://chat.qwen.ai/api/v1/oauth2/token',
      api: 'https://portal.qwen.ai/v1',
    },
    clientId: 'f0304373b74a44d2b584a3fb70ca9e56',
    scopes: ['openid', 'profile', 'email', 'model.completion'],
    models: {
      default: ['coder-model', 'qwen3-coder-plus', 'qwen3-coder-flash', 'vision-model'],
      tiers: {big: ['coder-model'], mid: ['qwen3-coder-plus'], small: ['qwen3-coder-flash']},
    },
    quotaSource: null,
    refreshLeadSeconds: 20 * MINUTE,
    api: ['openai-chat'],
    adapter: qwenAdapter,
  },
  {
    id: 'iflow',
    displayName: 'iFlow',
    tokenType: 'iflow',
    cliproxyAuthRoute: 'iflow',
    logins: [
      {
        kind: 'auth-code',
        pkce: false,
        callbackPort: 11451,
        callbackPath: '/oauth2callback',
        extraAuthorizeParams: {loginMethod: 'phone', type: 'phone'},
        tokenBody: 'form',
        tokenAuth: 'basic',
      },
    ],
    endpoints: {
      authorize: 'https://iflow.cn/oauth',
      token: 'https://iflow.cn/oauth/token',
      userinfo: 'https://iflow.cn/api/oauth/getUserInfo',
      api: 'https://apis.iflow.cn/v1',
    },
    clientId: '10009311001',
    // iFlow's Code Assist client secret, public in CLIProxyAPI (internal/auth/iflow); sent as HTTP Basic.
    clientSecret: '4Z3YjXycVsQvyGF1etiNlIBB4RsqSDtW',
    scopes: [],
    models: {
      default: [
        'qwen3-coder-plus',
        'qwen3-max',
        'qwen3-vl-plus',
        'glm-4.7',
        'glm-4.6',
        'kimi-k2',
        'deepseek-v3.2',
        'deepseek-v3.1',
        'deepseek-r1',
        'deepseek-v3',
        'tstars2.0',
      ],
      // qwen3-coder-plus is iFlow's default (CCS maps `iflow-default` to it); the list has no small model.
      tiers: {big: ['qwen3-coder-plus'], mid: ['glm-4.7', 'glm-4.6'], small: ['qwen3-coder-plus']},
    },
    quotaSource: null,
    refreshLeadSeconds: 24 * HOUR,
    api: ['openai-chat'],
    adapter: iflowAdapter,
  },
  {
    id: 'kimi',
    displayName: 'Kimi',
    tokenType: 'kimi',
    cliproxyAuthRoute: 'kimi',
    logins: [{kind: 'device', scheme: 'rfc8628', defaultIntervalSeconds: 5}],
    endpoints: {
      device: 'https://auth.kimi.com/api/oauth/device_authorization',
      token: 'https://auth.kimi.com/api/oauth/token',
      usage: 'https://api.kimi.com/coding/v1/usages',
      api: 'https://api.kimi.com/coding/v1',
    },
    clientId: '17e5f671-d194-4dfb-9706-5516cb48c098',
    scopes: [],
    models: {
      default: [
        'kimi-k2',
        'kimi-k2-thinking',
        'kimi-k2.5',
        'kimi-k2.6',
        'kimi-k2.7-code',
        'kimi-k2.7-code-highspeed',
        'kimi-k3',
        'kimi-k3-256k',
      ],
      tiers: {big: ['kimi-k3', 'kimi-k2.7-code', 'kimi-k2.6'], mid: ['kimi-k2.7-code', 'kimi-k2.6'], small: ['kimi-k2.7-code-highspeed', 'kimi-k2']},
    },
    quotaSource: 'kimi',
    refreshLeadSeconds: 5 * MINUTE,
    api: ['openai-chat', 'anthropic'],
    adapter: kimiAdapter,
  },
  {
    id: 'xai',
    displayName: 'Grok (xAI)',
    tokenType: 'xai',
    cliproxyAuthRoute: 'xai',
    logins: [{kind: 'device', scheme: 'rfc8628', defaultIntervalSeconds: 5, discovery: true}],
    endpoints: {
      discovery: 'https://auth.x.ai/.well-known/openid-configuration',
      api: 'https://api.x.ai/v1',
    },
    clientId: 'b1a00492-073a-47ea-816f-4c329264a828',
    scopes: ['openid', 'profile', 'email', 'offline_access', 'grok-cli:access', 'api:access'],
    models: {
      default: ['grok-4.6', 'grok-4.5', 'grok-4.3', 'grok-4.20-multi-agent-0309', 'grok-3-mini', 'grok-3-mini-fast'],
      tiers: {big: ['grok-4.6'], mid: ['grok-4.5'], small: ['grok-3-mini-fast', 'grok-3-mini']},
    },
    quotaSource: null,
    refreshLeadSeconds: 5 * MINUTE,
    api: ['openai-chat'],
    adapter: xaiAdapter,
  },
  {
    id: 'copilot',
    displayName: 'GitHub Copilot',
    tokenType: 'github-copilot',
    tokenTypeAliases: ['copilot'],
    registryKeys: ['ghcp'],
    tokenFilePrefixes: ['github-copilot-', 'ghcp-', 'copilot-', 'gh-'],
    logins: [{kind: 'device', scheme: 'github', defaultIntervalSeconds: 5}],
    endpoints: {
      device: 'https://github.com/login/device/code',
      token: 'https://github.com/login/oauth/access_token',
      userinfo: 'https://api.github.com/user',
      discovery: 'https://api.github.com/copilot_internal/v2/token',
      usage: 'https://api.github.com/copilot_internal/user',
      api: 'https://api.githubcopilot.com',
    },
    clientId: 'Iv1.b507a08c87ecfe98',
    scopes: ['read:user'],
    models: {
      default: [
        'gpt-4.1',
        'gpt-5',
        'gpt-5-mini',
        'gpt-5-codex',
        'gpt-5.1',
        'gpt-5.1-codex',
        'claude-haiku-4.5',
        'claude-sonnet-4.5',
        'claude-opus-4.5',
        'gemini-2.5-pro',
        'gemini-3-pro',
        'grok-code-fast-1',
      ],
      tiers: {big: ['claude-opus-4.5', 'gpt-5.1'], mid: ['claude-sonnet-4.5', 'gpt-5.1-codex'], small: ['claude-haiku-4.5', 'gpt-5-mini']},
    },
    quotaSource: 'copilot',
    refreshLeadSeconds: 5 * MINUTE,
    api: ['openai-chat'],
    adapter: copilotAdapter,
  },
  {
    id: 'vertex',
    displayName: 'Vertex AI',
    tokenType: 'vertex',
    logins: [{kind: 'service-account'}],
    endpoints: {token: 'https://oauth2.googleapis.com/token'},
    endpointNotes: {api: '`api` replaces the host (default `https://<location>-aiplatform.googleapis.com`); the path comes from the key\'s project and location'},
    scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    // Gemini's generally available models on Vertex AI (its "Google models" page); previews vary by region.
    models: {
      default: ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite'],
      tiers: {big: ['gemini-2.5-pro'], mid: ['gemini-2.5-flash'], small: ['gemini-2.5-flash-lite']},
    },
    quotaSource: null,
    refreshLeadSeconds: 5 * MINUTE,
    // The native Gemini API; the URL is built from the account's project and region (adapters/vertex.ts).
    api: ['gemini-native'],
    adapter: vertexAdapter,
  },
  {
    id: 'aistudio',
    displayName: 'Google AI Studio',
    tokenType: 'aistudio',
    logins: [{kind: 'api-key', needsBaseUrl: false, keyExample: 'AIza… (39 characters, from aistudio.google.com → Get API key)'}],
    endpoints: {api: 'https://generativelanguage.googleapis.com'},
    scopes: [],
    // No static list (the key's project decides; its live list is `GET …/v1beta/openai/models`); every
    // Gemini API model id is `gemini-…` or `gemma-…` (ai.google.dev "Gemini models"). The tiers are
    // the Gemini API ids Gemini's own row uses: `ccs-tui env` picks them from the live list, which
    // also holds models no agent slot wants (embeddings, images).
    models: {
      default: [],
      patterns: ['gemini-*', 'gemma-*'],
      tiers: {
        big: ['gemini-3.1-pro-preview', 'gemini-3-pro-preview', 'gemini-2.5-pro'],
        mid: ['gemini-3-flash-preview', 'gemini-2.5-flash'],
        small: ['gemini-3.1-flash-lite-preview', 'gemini-2.5-flash-lite'],
      },
    },
    quotaSource: null,
    refreshLeadSeconds: 0,
    // Native first: Claude Code and Codex CLI are translated to it (Gemini 3's thought signatures
    // survive there); Chat clients pass through to the OpenAI-compatible surface (adapters/aistudio.ts).
    api: ['gemini-native', 'openai-chat'],
    adapter: aistudioAdapter,
  },
  {
    id: 'bob',
    displayName: 'IBM Bob',
    tokenType: 'bob',
    // The base is what `/chat/completions` (an OpenAI-compatible API) is appended to (adapters/base.ts apiBase).
    logins: [{kind: 'api-key', needsBaseUrl: true, keyExample: 'the key your IBM Bob account or administrator gave you', baseUrlExample: 'https://bob.example.com/v1 (the address before /chat/completions)'}],
    endpoints: {},
    endpointNotes: {api: 'no default: each account\'s base URL comes from `login bob --base-url` (the TUI asks for it at step 2); `api` set here replaces it for every IBM Bob account (a login then needs none, and one given is kept, marked unused in the detail)'},
    scopes: [],
    models: {default: []},
    quotaSource: null,
    refreshLeadSeconds: 0,
    api: ['openai-chat'],
    adapter: bobAdapter,
  },
];

/** Every provider, table order. */
export const PROVIDERS: readonly ProviderRow[] = ROWS;

const BY_ID = new Map<string, ProviderRow>();
const BY_TOKEN_TYPE = new Map<string, ProviderRow>();
const BY_REGISTRY_KEY = new Map<string, ProviderRow>();
function index(row: ProviderRow): void {
  BY_ID.set(row.id, row);
  for (const type of [row.tokenType, ...(row.tokenTypeAliases ?? [])]) BY_TOKEN_TYPE.set(type.toLowerCase(), row);
  for (const key of [row.id, ...(row.registryKeys ?? [])]) BY_REGISTRY_KEY.set(key.toLowerCase(), row);
}
for (const row of ROWS) index(row);

/**
 * Adds a provider at run time: for tests that prove a row and an adapter are all a provider needs.
 * Throws when the id or token type is taken.
 */
export function registerProvider(row: ProviderRow): void {
  if (BY_ID.has(row.id) || BY_TOKEN_TYPE.has(row.tokenType.toLowerCase())) throw new Error(`provider "${row.id}" (type "${row.tokenType}") is already registered`);
  ROWS.push(row);
  index(row);
}

/**
 * The usage error (exit 2) for a name that is no provider: the name as typed, where it came from
 * (`--provider`), and every provider id, since no command lists providers with no account.
 */
export function unknownProviderError(id: string, where?: string): UserError {
  return new UserError(`unknown provider "${sanitizeLine(id)}"${where ? ` (${where})` : ''}; known providers: ${PROVIDERS.map((p) => p.id).join(', ')}`, 2);
}

/**
 * The accounts of table providers among `named` (core findAccountAnywhere's answer for `ref`), an
 * account of a token type no provider has (listed, never served) left out; the usage error naming
 * that type when it was the only one named.
 */
export function servableAccounts<A extends {provider: string}>(named: readonly A[], ref: string): A[] {
  const known = named.filter((account) => findProvider(account.provider));
  if (known.length === 0 && named.length > 0) {
    throw new UserError(`"${sanitizeLine(ref)}" is an account of token type "${sanitizeLine(named[0]!.provider)}", which ccs-tui does not know: nothing can serve it (known providers: ${PROVIDERS.map((p) => p.id).join(', ')})`, 2);
  }
  return known;
}

/** findProvider, or the unknown-provider usage error. */
export function requireProvider(id: string, where?: string): ProviderRow {
  const row = findProvider(id);
  if (!row) throw unknownProviderError(id, where);
  return row;
}

/** A provider by its id, or by the name CCS uses for it (`agy`, `ghcp`), any case. */
export function findProvider(id: string): ProviderRow | undefined {
  return BY_ID.get(id.toLowerCase()) ?? BY_REGISTRY_KEY.get(id.trim().toLowerCase());
}

/**
 * An account of a token type this table does not know (`"type": "kiro"`) whose file is there and
 * readable: listed from its file, but never served, refreshed or checked, so its status is
 * UNSUPPORTED_TYPE (core/accounts.ts), not its health's "ok". A missing or corrupt file says that instead.
 */
export function unsupportedType(account: Pick<Account, 'provider' | 'health'>): boolean {
  return findProvider(account.provider) === undefined && account.health !== 'unreadable' && account.health !== 'missing-token';
}

/**
 * Go's unicode.IsSpace set, which CLIProxyAPI's strings.TrimSpace strips: ASCII \t \n \v \f \r and
 * space, U+0085, U+00A0 and Unicode White_Space (U+1680, U+2000–200A, U+2028/2029, U+202F, U+205F,
 * U+3000). Unlike String.prototype.trim it includes U+0085 and excludes U+FEFF.
 */
const GO_SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const GO_TRIM = new RegExp(`^${GO_SPACE}+|${GO_SPACE}+$`, 'g');

/**
 * A token file's `type` as CLIProxyAPI compares it: trimmed by Go's strings.TrimSpace, lower-cased
 * (`" CODEX\u0085"` is `codex`). The one place token types are normalised.
 */
export function normalizeTokenType(type: string): string {
  return type.replace(GO_TRIM, '').toLowerCase();
}

/**
 * Provider for a token file's `type` (`github-copilot` → copilot), matched as CLIProxyAPI does
 * (normalizeTokenType).
 */
export function providerForTokenType(type: string): ProviderRow | undefined {
  const wanted = normalizeTokenType(type);
  return BY_TOKEN_TYPE.get(wanted) ?? BY_ID.get(wanted);
}

/** Provider for a key of CCS's `accounts.json` `providers` (`agy` → antigravity, `ghcp` → copilot). */
export function providerForRegistryKey(key: string): ProviderRow | undefined {
  return BY_REGISTRY_KEY.get(key.trim().toLowerCase());
}

/** Every key under which CCS may list this provider's accounts, the provider's own id first. */
export function registryKeysOf(provider: string): string[] {
  const row = findProvider(provider);
  return row ? [row.id, ...(row.registryKeys ?? [])] : [provider];
}

/** The file name prefixes CCS strips to name an account from its token file (see ProviderRow). */
export function tokenFilePrefixesOf(row: Pick<ProviderRow, 'id' | 'tokenType' | 'tokenFilePrefixes'>): string[] {
  return row.tokenFilePrefixes ?? [...new Set([`${row.tokenType}-`, `${row.id}-`])];
}

/** A provider row with the user's `tui.json` endpoint overrides applied; an override is used exactly as given. */
export function withEndpointOverrides(row: ProviderRow, overrides: Endpoints | undefined): ProviderRow {
  if (!overrides || Object.keys(overrides).length === 0) return row;
  return {...row, endpoints: {...row.endpoints, ...overrides}};
}

/** The static model list for an account, chosen by plan where the provider has plans. */
export function staticModels(row: ProviderRow, plan?: string): string[] {
  if (plan && row.models.byPlan) {
    const byPlan = row.models.byPlan[plan.toLowerCase()];
    if (byPlan) return byPlan;
  }
  return row.models.default;
}

/**
 * Quota windows from the rate-limit headers of an inference answer (Claude's, Codex's; [] for a
 * provider that sends none). Header names may come in any case.
 */
export function windowsFromHeaders(provider: string, headers: Record<string, string>, now: number): QuotaWindow[] {
  return findProvider(provider)?.adapter.quotaHeaderWindows?.(headers, now) ?? [];
}

/** The provider the proxy's root routes serve (the row with `servesRootRoutes`). */
export function rootProvider(): ProviderRow {
  const row = PROVIDERS.find((p) => p.servesRootRoutes);
  if (!row) throw new Error('no provider row has servesRootRoutes');
  return row;
}
