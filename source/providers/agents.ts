// Which coding agent speaks which client protocol, and how each is pointed at the proxy: data about
// the providers' own CLIs, beside the provider table. One row per agent: `ccs-tui run --agent <id>` and the TUI's launch key read this table, never branch on an id.
//
// Sources of the variables (facts from each agent's docs and source):
// - Claude Code: ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN (sent as `Authorization: Bearer`),
//   ANTHROPIC_MODEL, ANTHROPIC_DEFAULT_{OPUS,SONNET,HAIKU}_MODEL (docs.claude.com "Model
//   configuration"); ANTHROPIC_SMALL_FAST_MODEL is the deprecated name of the haiku slot, still read
//   by older versions. ANTHROPIC_API_KEY would win over the token as `x-api-key`, so it is removed;
//   so are CLAUDE_CODE_USE_{BEDROCK,VERTEX,FOUNDRY} (docs "Environment variables"), which send every
//   request to that cloud, past ANTHROPIC_BASE_URL.
// - Codex CLI: a custom model provider given with `-c` overrides (openai/codex docs/config.md,
//   `model_providers.<id>.{name,base_url,wire_api,env_key}`, `model_provider`, `model`); the key is
//   read from the env var that `env_key` names.
// - Qwen Code: OpenAI-compatible mode reads OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL
//   (QwenLM/qwen-code docs, "Authorization").
// - Gemini CLI: GOOGLE_GEMINI_BASE_URL + GEMINI_API_KEY (google-gemini/gemini-cli,
//   packages/core/src/core/contentGenerator.ts); it speaks the Gemini API, which the proxy does not serve.
import path from 'node:path';
import {tomlString} from '../core/quote.js';
import type {ApiProtocol} from './types.js';

/** The models of Claude Code's slots (ids the proxy serves); undefined slots are left unset. */
export interface ClaudeModels {
  /** The provider's default model (ANTHROPIC_MODEL; Codex CLI's `model`). */
  main?: string;
  opus?: string;
  /** Defaults to `main`. */
  sonnet?: string;
  haiku?: string;
}

/**
 * Claude Code's model variables, for `ccs-tui env` and the environment `ccs-tui run` gives Claude
 * Code (the agents table): ANTHROPIC_MODEL, ANTHROPIC_DEFAULT_{OPUS,SONNET,HAIKU}_MODEL and
 * ANTHROPIC_SMALL_FAST_MODEL (the small/fast model of background calls such as titles: current
 * releases read the haiku slot, older ones this variable).
 */
export function claudeModelVariables(models: ClaudeModels): {name: string; value: string}[] {
  return [
    {name: 'ANTHROPIC_MODEL', value: models.main},
    {name: 'ANTHROPIC_DEFAULT_OPUS_MODEL', value: models.opus},
    {name: 'ANTHROPIC_DEFAULT_SONNET_MODEL', value: models.sonnet ?? models.main},
    {name: 'ANTHROPIC_DEFAULT_HAIKU_MODEL', value: models.haiku},
    {name: 'ANTHROPIC_SMALL_FAST_MODEL', value: models.haiku},
  ].filter((v): v is {name: string; value: string} => v.value !== undefined);
}

/** What an agent sends: one of the proxy's client protocols, or the Gemini API (not served). */
export type AgentProtocol = ApiProtocol | 'gemini-api';

/** What the launcher knows when it builds an agent's environment. */
export interface AgentTarget {
  /** `http://127.0.0.1:<port>/api/provider/<provider>` (no trailing `/v1`). */
  baseUrl: string;
  apiKey: string;
  /**
   * Claude Code's model slots as `ccs-tui env` exports them (none on the root routes, where Claude
   * Code's own /model choice is kept).
   */
  models: ClaudeModels;
  /**
   * The provider's default model (its tier table's `big`), set for every provider: an agent left on
   * its own default would ask for a model of its vendor, which another provider does not serve.
   * Undefined only when the provider lists no model.
   */
  defaultModel?: string;
}

export interface AgentLaunch {
  /** Variables to set; `undefined` removes a variable the caller's environment had. */
  env: Record<string, string | undefined>;
  /** Arguments placed before the person's own agent arguments. */
  args: string[];
}

export interface AgentRow {
  id: string;
  displayName: string;
  /** Executable names looked up on PATH, first found wins. */
  binaries: string[];
  protocol: AgentProtocol;
  /** How to point this agent at the proxy. */
  launch(target: AgentTarget): AgentLaunch;
  /**
   * How the agent is told its model (`OPENAI_MODEL`), and how a person names one when the launch
   * cannot (the provider's model list could not be had): `OPENAI_MODEL=<model id> ccs-tui run …`.
   */
  /**
   * Files whose `env` object the agent applies over the environment it is started with (Claude
   * Code's settings.json, user and project), for `home` and the working directory `cwd` ('' when it
   * was removed: no project files).
   */
  settingsEnvFiles?(env: NodeJS.ProcessEnv, home: string, cwd: string, platform?: NodeJS.Platform): string[];
  model: {
    setting: string;
    byHand: string;
    /** Whether the person's own agent arguments name the model (`-m <model id>`), for an agent that takes it there. */
    namedIn?(args: readonly string[]): boolean;
  };
}

const defined = (entries: [string, string | undefined][]) => Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as Record<string, string>;

/**
 * Claude Code's managed settings file, per system (docs "Settings files": /etc/claude-code on Linux
 * and WSL, /Library/Application Support/ClaudeCode on macOS; Windows moved it from Program Files to
 * ProgramData, so both). An organization installs it; nobody else can change it.
 */
export const CLAUDE_MANAGED_SETTINGS: Record<'linux' | 'darwin' | 'win32', string[]> = {
  linux: ['/etc/claude-code/managed-settings.json'],
  darwin: ['/Library/Application Support/ClaudeCode/managed-settings.json'],
  win32: ['C:\\ProgramData\\ClaudeCode\\managed-settings.json', 'C:\\Program Files\\ClaudeCode\\managed-settings.json'],
};

/** The env var the codex provider's `env_key` names (codex reads the key from it). */
export const CODEX_KEY_VARIABLE = 'CCS_TUI_PROXY_API_KEY';

export const AGENTS: readonly AgentRow[] = [
  {
    id: 'claude',
    displayName: 'Claude Code',
    binaries: ['claude'],
    protocol: 'anthropic',
    launch: ({baseUrl, apiKey, models}) => ({
      env: {
        ANTHROPIC_BASE_URL: baseUrl,
        ANTHROPIC_AUTH_TOKEN: apiKey,
        ANTHROPIC_API_KEY: undefined,
        CLAUDE_CODE_USE_BEDROCK: undefined,
        CLAUDE_CODE_USE_VERTEX: undefined,
        CLAUDE_CODE_USE_FOUNDRY: undefined,
        // The same variables `ccs-tui env` exports.
        ...Object.fromEntries(claudeModelVariables(models).map(({name, value}) => [name, value])),
      },
      args: [],
    }),
    // Its settings.json `env` wins over the environment it is started with (checked: a base URL
    // there took every request past the one ccs-tui set): user settings, the project's, and the
    // managed settings an organization installs, which win over all (docs "Settings files").
    settingsEnvFiles: (env, home, cwd, platform = process.platform) => [
      path.join(env.CLAUDE_CONFIG_DIR || path.join(home, '.claude'), 'settings.json'),
      ...(cwd ? [path.join(cwd, '.claude', 'settings.json'), path.join(cwd, '.claude', 'settings.local.json')] : []),
      ...CLAUDE_MANAGED_SETTINGS[platform === 'darwin' || platform === 'win32' ? platform : 'linux'],
    ],
    model: {setting: 'ANTHROPIC_MODEL', byHand: 'set ANTHROPIC_MODEL=<model id> before ccs-tui run'},
  },
  {
    id: 'codex',
    displayName: 'Codex CLI',
    binaries: ['codex'],
    protocol: 'openai-responses',
    launch: ({baseUrl, apiKey, defaultModel}) => ({
      env: {[CODEX_KEY_VARIABLE]: apiKey},
      args: [
        // Each value is TOML (codex parses `-c key=value`'s value as TOML): strings escaped as TOML's.
        '-c', `model_providers.ccs-tui.name=${tomlString('ccs-tui proxy')}`,
        '-c', `model_providers.ccs-tui.base_url=${tomlString(`${baseUrl}/v1`)}`,
        '-c', `model_providers.ccs-tui.wire_api=${tomlString('responses')}`,
        '-c', `model_providers.ccs-tui.env_key=${tomlString(CODEX_KEY_VARIABLE)}`,
        '-c', `model_provider=${tomlString('ccs-tui')}`,
        ...(defaultModel ? ['-c', `model=${tomlString(defaultModel)}`] : []),
      ],
    }),
    model: {
      setting: '-c model=',
      byHand: 'add -- -m <model id> to ccs-tui run',
      // codex's `-m`/`--model <id>` (also `-m<id>`, `--model=<id>`), or a `-c`/`--config` override of `model`.
      namedIn: (args) =>
        args.some((arg, i) =>
          arg === '-m' || arg === '--model' ? i + 1 < args.length : /^(-m.|--model=)/.test(arg) || ((args[i - 1] === '-c' || args[i - 1] === '--config') && /^model\s*=/.test(arg)) || /^--config=model\s*=/.test(arg),
        ),
    },
  },
  {
    id: 'qwen',
    displayName: 'Qwen Code',
    binaries: ['qwen'],
    protocol: 'openai-chat',
    launch: ({baseUrl, apiKey, defaultModel}) => ({
      env: {OPENAI_BASE_URL: `${baseUrl}/v1`, OPENAI_API_KEY: apiKey, ...defined([['OPENAI_MODEL', defaultModel]])},
      args: [],
    }),
    model: {setting: 'OPENAI_MODEL', byHand: 'set OPENAI_MODEL=<model id> before ccs-tui run'},
  },
  {
    id: 'gemini',
    displayName: 'Gemini CLI',
    binaries: ['gemini'],
    protocol: 'gemini-api',
    launch: ({baseUrl, apiKey, defaultModel}) => ({
      env: {GOOGLE_GEMINI_BASE_URL: baseUrl, GEMINI_API_KEY: apiKey, ...defined([['GEMINI_MODEL', defaultModel]])},
      args: [],
    }),
    model: {setting: 'GEMINI_MODEL', byHand: 'set GEMINI_MODEL=<model id> before ccs-tui run'},
  },
];

export function findAgent(id: string): AgentRow | undefined {
  return AGENTS.find((agent) => agent.id === id.toLowerCase());
}

/** The agent `run` starts when none is named (as `ccs <profile>` runs Claude Code). */
export const DEFAULT_AGENT = 'claude';
