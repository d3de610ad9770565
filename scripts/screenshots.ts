// `npm run screenshots`: renders each screen from fixture data (FORCE_COLOR=3), replays the ANSI
// frame in a headless xterm of the screen's size, draws the cells as SVG and writes
// screenshots/<name>.png with resvg. To add a screen, add one entry to SCREENSHOTS.
import {renderTui} from '../test/helpers/ink.js';
import {mkdirSync, writeFileSync, existsSync} from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {Resvg} from '@resvg/resvg-js';
import xterm from '@xterm/headless';
import type {Route} from '../source/core/app-state.js';
import {tokenFixture, type TempCcs} from '../test/helpers/ccs.js';
import {makeUiCcs} from '../test/ui/fixtures.js';
import {dashboardCcs} from '../test/ui/quota-fixtures.js';
import type {AppServices} from '../source/ui/services.js';
import {FakeClock} from '../test/helpers/fake-clock.js';
import {pendingDeviceHttp} from '../test/helpers/fake-providers/providers.js';
import {freePort} from '../test/helpers/fake-providers/server.js';

export interface Screenshot {
  name: string;
  width: number;
  height: number;
  /** The CCS dir to show; defaults to the UI test fixture. */
  setup?: () => TempCcs | Promise<TempCcs>;
  route?: Route;
  /** Keys pressed before the picture (keymap names), each followed by a frame. */
  keys?: string[];
  /** Text the frame must contain before the picture is taken. */
  waitFor: string | RegExp;
  /** Services to replace (a frozen clock, an in-memory HTTP client for a login screen). */
  services?: () => Partial<AppServices>;
}

const HOUR = 3600_000;
/** An expiry `ms` from now, as token files write it. */
const inMs = (ms: number) => ({expired: new Date(Date.now() + ms).toISOString()});

/** A busier CCS dir: several providers, a paused account, one that needs a new login, expiries that differ. */
function richCcs(): TempCcs {
  const ccs = makeUiCcs();
  // Not every token "in 1h": the TOKEN column shows what a real dir shows.
  ccs.writeToken('claude-alice@example.com.json', tokenFixture('claude', 'alice@example.com', inMs(4 * HOUR + 5 * 60_000)));
  ccs.writeToken('claude-bob@example.com.json', tokenFixture('claude', 'bob@example.com', inMs(35 * 60_000)));
  ccs.writeToken('codex-carol@example.com.json', tokenFixture('codex', 'carol@example.com', inMs(6 * 24 * HOUR)));
  ccs.writeToken('gemini-dana@example.com.json', tokenFixture('gemini', 'dana@example.com'), 'auth-paused');
  ccs.writeToken('kimi-erin@example.com.json', tokenFixture('kimi', 'erin@example.com', {expired: new Date(Date.now() - 7200_000).toISOString()}));
  ccs.writeToken('claude-frank@example.com.json', tokenFixture('claude', 'frank@example.com'));
  ccs.writeRaw('tui/account-state.json', JSON.stringify({'claude/frank@example.com': {needsLogin: {reason: 'refresh token revoked (invalid_grant)', at: new Date().toISOString()}}}));
  return ccs;
}

export const SCREENSHOTS: Screenshot[] = [
  {name: 'home', width: 100, height: 30, setup: richCcs, keys: ['l'], waitFor: 'frank@example.com'},
  {name: 'home-80x24', width: 80, height: 24, setup: richCcs, waitFor: 'alice@example'},
  {name: 'home-160x45', width: 160, height: 45, setup: richCcs, keys: ['l'], waitFor: 'frank@example.com'},
  {name: 'home-60x20', width: 60, height: 20, setup: richCcs, keys: ['l'], waitFor: '▶ Claude accounts'},
  {name: 'help-60x20', width: 60, height: 20, setup: richCcs, keys: ['?'], waitFor: 'j/k scroll'},
  {name: 'messages', width: 80, height: 24, setup: richCcs, keys: ['l', 'j', 'p', 'p', 'M'], waitFor: 'Messages, newest first'},
  {name: 'detail', width: 100, height: 30, setup: richCcs, keys: ['l', 'enter'], waitFor: 'Account id'},
  {name: 'remove-confirm', width: 100, height: 30, setup: richCcs, keys: ['l', 'j', 'd'], waitFor: '[y/N]'},
  {name: 'help', width: 100, height: 30, setup: richCcs, keys: ['?'], waitFor: 'Keys (Esc or ? closes)'},
  {name: 'too-small', width: 58, height: 18, waitFor: 'Terminal too small'},
  // Cached numbers only (no poller): the picture never depends on a network.
  {name: 'quota', width: 100, height: 24, setup: () => dashboardCcs(), route: {screen: 'quota', params: {}}, services: () => ({quota: undefined}), waitFor: 'claude · dave'},
  {
    name: 'login-device',
    width: 80,
    height: 24,
    route: {screen: 'login', params: {provider: 'kimi'}},
    services: () => ({clock: new FakeClock(), http: pendingDeviceHttp()}) as Partial<AppServices>,
    waitFor: 'code expires in 15:00',
  },
  {
    // A pasted code the token endpoint refuses (in memory: no network): the error and the way out.
    name: 'login-error',
    width: 80,
    height: 24,
    route: {screen: 'login', params: {provider: 'claude'}},
    services: () =>
      ({
        http: {
          send: async () => ({status: 400, headers: {'content-type': 'application/json'}, text: '{"error":"invalid_grant","error_description":"Invalid authorization code"}'}),
        },
      }) as Partial<AppServices>,
    keys: ['v', 'c', 'o', 'd', 'e', 'enter'],
    waitFor: 'Enter: try again',
  },
  {
    name: 'models',
    width: 100,
    height: 30,
    setup: () => {
      const ccs = makeUiCcs();
      ccs.writeRaw('cliproxy/config.yaml', 'oauth-excluded-models:\n  iflow:\n    - "deepseek-v3*"\noauth-model-alias:\n  iflow:\n    - name: glm-4.7\n      alias: glm-god\n    - name: qwen3-max\n      alias: max\n      fork: true\n    - name: deepseek-v3.1\n      alias: ds\n');
      return ccs;
    },
    route: {screen: 'models', params: {provider: 'iflow'}},
    keys: ['j', 'k', 'a', '*', '-', 'v', 'l', '*'],
    waitFor: 'excluded by "*-vl*"',
  },
  {
    // A real proxy child serving the claude pool (stopped again when the script exits), on a port
    // that is free now (a fixed one clashes with whatever else runs).
    name: 'proxy',
    width: 100,
    height: 30,
    setup: async () => {
      const ccs = makeUiCcs();
      ccs.writeRaw('cliproxy/config.yaml', `# shared with CLIProxyAPI\nport: ${await freePort()}\napi-keys:\n  - "ccs-tui-screenshot-key-0123456789abcdef"\n`);
      return ccs;
    },
    route: {screen: 'proxy', params: {provider: 'claude'}},
    keys: ['s'],
    waitFor: /running[\s\S]*listening on http:\/\/127\.0\.0\.1:\d+/,
  },
];

const root = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
})();

const FONT_DIR = '/usr/share/fonts/truetype/dejavu';
const FONTS = ['DejaVuSansMono.ttf', 'DejaVuSansMono-Bold.ttf', 'DejaVuSans.ttf'].map((f) => path.join(FONT_DIR, f));

const FONT_SIZE = 14;
const CELL_W = 8.43; // DejaVu Sans Mono advance (0.602 em)
const CELL_H = 18;
const PAD = 12;
const DEFAULT_FG = '#d4d4d4';
const DEFAULT_BG = '#1e1e1e';
const ANSI16 = ['#000000', '#cd3131', '#0dbc79', '#e5e510', '#2472c8', '#bc3fbc', '#11a8cd', '#e5e5e5', '#767676', '#f14c4c', '#23d18b', '#f5f543', '#3b8eea', '#d670d6', '#29b8db', '#ffffff'];

function paletteColor(index: number): string {
  if (index < 16) return ANSI16[index]!;
  if (index < 232) {
    const levels = [0, 95, 135, 175, 215, 255];
    const i = index - 16;
    const rgb = [levels[Math.floor(i / 36)]!, levels[Math.floor(i / 6) % 6]!, levels[i % 6]!];
    return `#${rgb.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
  }
  const grey = (8 + (index - 232) * 10).toString(16).padStart(2, '0');
  return `#${grey}${grey}${grey}`;
}

type Cell = xterm.IBufferCell;
const colorOf = (cell: Cell, which: 'fg' | 'bg'): string | undefined => {
  const isDefault = which === 'fg' ? cell.isFgDefault() : cell.isBgDefault();
  if (isDefault) return undefined;
  const value = which === 'fg' ? cell.getFgColor() : cell.getBgColor();
  const rgb = which === 'fg' ? cell.isFgRGB() : cell.isBgRGB();
  return rgb ? `#${value.toString(16).padStart(6, '0')}` : paletteColor(value);
};

// Box-drawing characters as lines from the cell centre, so borders join across rows and columns
// (glyphs leave gaps at a line height above the font's).
const BOX: Record<string, {u?: 1; d?: 1; l?: 1; r?: 1; heavy?: 1}> = {
  '─': {l: 1, r: 1}, '│': {u: 1, d: 1}, '━': {l: 1, r: 1, heavy: 1}, '┃': {u: 1, d: 1, heavy: 1},
  '╭': {r: 1, d: 1}, '┌': {r: 1, d: 1}, '┏': {r: 1, d: 1, heavy: 1},
  '╮': {l: 1, d: 1}, '┐': {l: 1, d: 1}, '┓': {l: 1, d: 1, heavy: 1},
  '╰': {r: 1, u: 1}, '└': {r: 1, u: 1}, '┗': {r: 1, u: 1, heavy: 1},
  '╯': {l: 1, u: 1}, '┘': {l: 1, u: 1}, '┛': {l: 1, u: 1, heavy: 1},
};

function boxLines(chars: string, px: number, py: number, color: string): string | undefined {
  const box = BOX[chars];
  if (!box) return undefined;
  const cx = px + CELL_W / 2;
  const cy = py + CELL_H / 2;
  const t = box.heavy ? 2.2 : 1.1;
  const out: string[] = [];
  const rect = (x: number, y: number, w: number, h: number) => out.push(`<rect x="${x.toFixed(2)}" y="${y.toFixed(2)}" width="${w.toFixed(2)}" height="${h.toFixed(2)}" fill="${color}"/>`);
  if (box.u) rect(cx - t / 2, py, t, CELL_H / 2 + t / 2);
  if (box.d) rect(cx - t / 2, cy - t / 2, t, CELL_H / 2 + t / 2);
  if (box.l) rect(px, cy - t / 2, CELL_W / 2 + t / 2, t);
  if (box.r) rect(cx - t / 2, cy - t / 2, CELL_W / 2 + t / 2 + 0.1, t);
  return out.join('');
}

// Half and full blocks (QR codes) as rects that overlap their neighbours a little: glyphs would leave
// hairline seams between cells and draw a grid over the code.
function blockRect(chars: string, px: number, py: number, color: string): string | undefined {
  const spans: Record<string, [number, number]> = {'█': [0, 1], '▀': [0, 0.5], '▄': [0.5, 1]};
  const span = spans[chars];
  if (!span) return undefined;
  const y = py + span[0] * CELL_H;
  const h = (span[1] - span[0]) * CELL_H + 0.5;
  return `<rect x="${px.toFixed(2)}" y="${y.toFixed(2)}" width="${(CELL_W + 0.5).toFixed(2)}" height="${h.toFixed(2)}" fill="${color}"/>`;
}

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The terminal's cells as SVG: a background rect per coloured run, a glyph per character. */
export async function ansiToSvg(ansi: string, columns: number, rows: number): Promise<string> {
  const term = new xterm.Terminal({cols: columns, rows, allowProposedApi: true, convertEol: true});
  await new Promise<void>((resolve) => term.write(ansi, resolve));
  const width = Math.ceil(columns * CELL_W + 2 * PAD);
  const height = rows * CELL_H + 2 * PAD;
  const parts: string[] = [`<rect width="${width}" height="${height}" fill="${DEFAULT_BG}"/>`];
  const buffer = term.buffer.active;
  for (let y = 0; y < rows; y++) {
    const line = buffer.getLine(y);
    if (!line) continue;
    for (let x = 0; x < columns; x++) {
      const cell = line.getCell(x);
      if (!cell || cell.getWidth() === 0) continue;
      let fg = colorOf(cell, 'fg') ?? DEFAULT_FG;
      let bg = colorOf(cell, 'bg');
      if (cell.isInverse()) [fg, bg] = [bg ?? DEFAULT_BG, fg];
      const px = PAD + x * CELL_W;
      const py = PAD + y * CELL_H;
      if (bg) parts.push(`<rect x="${px.toFixed(2)}" y="${py}" width="${(CELL_W * cell.getWidth() + 0.6).toFixed(2)}" height="${CELL_H}" fill="${bg}"/>`);
      const chars = cell.getChars();
      if (!chars || chars === ' ') continue;
      const opacity = cell.isDim() ? ' fill-opacity="0.6"' : '';
      if (chars === '⏸') {
        // No installed font has U+23F8: draw the pause bars.
        const w = CELL_W * 0.22;
        parts.push(`<rect x="${(px + CELL_W * 0.18).toFixed(2)}" y="${py + 4}" width="${w.toFixed(2)}" height="${CELL_H - 8}" fill="${fg}"${opacity}/>`);
        parts.push(`<rect x="${(px + CELL_W * 0.6).toFixed(2)}" y="${py + 4}" width="${w.toFixed(2)}" height="${CELL_H - 8}" fill="${fg}"${opacity}/>`);
        continue;
      }
      const block = blockRect(chars, px, py, fg);
      if (block) {
        parts.push(block);
        continue;
      }
      const drawn = boxLines(chars, px, py, fg);
      if (drawn) {
        parts.push(drawn);
        continue;
      }
      const weight = cell.isBold() ? ' font-weight="bold"' : '';
      parts.push(`<text x="${px.toFixed(2)}" y="${py + CELL_H - 5}" fill="${fg}"${weight}${opacity}>${escapeXml(chars)}</text>`);
    }
  }
  term.dispose();
  return `<svg xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges" width="${width}" height="${height}" font-family="DejaVu Sans Mono" font-size="${FONT_SIZE}" xml:space="preserve">${parts.join('')}</svg>`;
}

export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {font: {loadSystemFonts: false, fontFiles: FONTS, defaultFontFamily: 'DejaVu Sans Mono', monospaceFamily: 'DejaVu Sans Mono'}});
  return resvg.render().asPng();
}

export async function takeScreenshot(shot: Screenshot): Promise<string> {
  const ccs = await (shot.setup ?? makeUiCcs)();
  const tui = await renderTui({paths: ccs.paths, width: shot.width, height: shot.height, route: shot.route, env: {}, services: shot.services?.()});
  try {
    await tui.waitFor(shot.route ? /./ : /accounts ·|Terminal too small/);
    for (const key of shot.keys ?? []) await tui.press(key);
    await tui.waitFor(shot.waitFor);
    const svg = await ansiToSvg(tui.rawFrame(), shot.width, shot.height);
    const file = path.join(root, 'screenshots', `${shot.name}.png`);
    mkdirSync(path.dirname(file), {recursive: true});
    writeFileSync(file, svgToPng(svg));
    return file;
  } finally {
    tui.unmount();
    ccs.cleanup();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const missing = FONTS.filter((f) => !existsSync(f));
  if (missing.length) {
    console.error(`screenshots need the DejaVu fonts (apt-get install -y fonts-dejavu-core); missing: ${missing.join(', ')}`);
    process.exit(1);
  }
  const only = process.argv.slice(2);
  for (const shot of SCREENSHOTS.filter((s) => only.length === 0 || only.includes(s.name))) {
    console.log(`${shot.name}: ${path.relative(root, await takeScreenshot(shot))}`);
  }
  process.exit(0);
}
