import assert from 'node:assert/strict';
import {test} from 'node:test';
import {burstKeys, MAX_BURST_KEYS, MAX_REPEATED_KEYS, pastedText, routeKey, shellActionFor, splitTextBurst, type KeyContext} from '../../source/core/key-routing.js';
import {actionKey, confirmHint, KEY_BINDINGS, keysOf, type KeyScope} from '../../source/core/keymap.js';
import {keyName} from '../../source/core/key-names.js';
import {editText, draftOf} from '../../source/core/text-edit.js';

const home: KeyContext = {tooSmall: false, filterEditing: false, textFocused: false, scopes: ['home', 'list', 'global']};
const at = (context: Partial<KeyContext>): KeyContext => ({...home, ...context});

test('Ctrl-C quits from every layer, even a focused text field or an open prompt', () => {
  for (const context of [home, at({modal: 'rename'}), at({filterEditing: true}), at({textFocused: true}), at({modal: 'help'})]) {
    assert.deepEqual(routeKey('ctrl+c', '\u0003', context), {to: 'quit', ask: true}, 'the screen may ask first (unsaved rules)');
  }
  // At a prompt (a second Ctrl-C) and on the too-small screen, where nothing can ask: quit now.
  for (const context of [at({tooSmall: true}), at({modal: 'confirm'})]) {
    assert.deepEqual(routeKey('ctrl+c', '\u0003', context), {to: 'quit'});
  }
});

test('a too-small terminal ignores every key but a quit; q quits only where no hidden field or prompt could take it', () => {
  // As htop and k9s: q quits whatever the size (the screen may still ask first: unsaved rules).
  assert.deepEqual(routeKey('q', 'q', at({tooSmall: true})), {to: 'quit', ask: true});
  assert.deepEqual(routeKey('q', 'q', at({tooSmall: true, modal: 'rename'})), {to: 'none'});
  assert.deepEqual(routeKey('q', 'q', at({tooSmall: true, textFocused: true})), {to: 'none'});
  assert.deepEqual(routeKey('q', 'q', at({tooSmall: true, filterEditing: true})), {to: 'none'});
  assert.deepEqual(routeKey('q', 'q', at({tooSmall: true, modal: 'confirm'})), {to: 'none'}, 'a hidden prompt is not answered by q');
  assert.deepEqual(routeKey('q', 'q', at({tooSmall: true, modal: 'help'})), {to: 'quit', ask: true}, 'as under the overlay on a full screen');
  assert.deepEqual(routeKey('q', 'q', at({tooSmall: true, pasted: true})), {to: 'none'});
  assert.deepEqual(routeKey('x', 'x', at({tooSmall: true, textFocused: true})), {to: 'none'});
  assert.deepEqual(routeKey('j', 'j', at({tooSmall: true})), {to: 'none'});
  assert.deepEqual(routeKey('escape', '', at({tooSmall: true})), {to: 'none'});
});

test('an overlay over a screen with a focused field takes the keys, the field gets none', () => {
  assert.deepEqual(routeKey('escape', '', at({modal: 'help', textFocused: true})), {to: 'closeHelp'});
  assert.deepEqual(routeKey('x', 'x', at({modal: 'help', textFocused: true})), {to: 'none'});
});

test('an open confirm prompt takes y/N and nothing else; Enter and Esc answer no', () => {
  const confirm = at({modal: 'confirm'});
  assert.deepEqual(routeKey('y', 'y', confirm), {to: 'confirm', yes: true});
  assert.deepEqual(routeKey('Y', 'Y', confirm), {to: 'confirm', yes: true});
  for (const key of ['n', 'N', 'enter', 'escape']) assert.deepEqual(routeKey(key, '', confirm), {to: 'confirm', yes: false}, key);
  assert.deepEqual(routeKey('q', 'q', confirm), {to: 'none'}, 'q does not quit under a prompt');
  assert.deepEqual(routeKey('d', 'd', confirm), {to: 'none'});
});

test('a prompt that names another key makes it answer: s at the unsaved-rules prompt; other keys still do nothing', () => {
  const confirm = at({modal: 'confirm', confirmChoices: [{action: 'rules.save', key: 's', label: 'save, then quit'}]});
  assert.deepEqual(routeKey('s', 's', confirm), {to: 'confirm', yes: false, choice: 'rules.save'});
  assert.deepEqual(routeKey('y', 'y', confirm), {to: 'confirm', yes: true});
  assert.deepEqual(routeKey('x', 'x', confirm), {to: 'none'});
  assert.equal(confirmHint([{key: 's', label: 'save, then quit'}]), '[y/N, s: save, then quit]');
});

test('the rename field gets every key; Enter submits it', () => {
  const rename = at({modal: 'rename'});
  assert.deepEqual(routeKey('enter', '\r', rename), {to: 'rename', submit: true});
  assert.deepEqual(routeKey('q', 'q', rename), {to: 'rename', submit: false});
  assert.deepEqual(routeKey('escape', '', rename), {to: 'rename', submit: false});
});

test('a filter field, then a focused text field, take keys raw before the keymap', () => {
  assert.deepEqual(routeKey('q', 'q', at({filterEditing: true})), {to: 'filter'});
  assert.deepEqual(routeKey('q', 'q', at({filterEditing: true, textFocused: true})), {to: 'filter'});
  assert.deepEqual(routeKey('q', 'q', at({textFocused: true})), {to: 'text'});
  assert.deepEqual(routeKey('paste', 'a long pasted text', at({textFocused: true})), {to: 'text'}, 'a paste goes whole to the field');
});

test('a held navigation key read at once is pressed once per repeat (capped); any other run is a paste that runs nothing', () => {
  assert.deepEqual(routeKey('paste', 'jjj', home), {to: 'split', first: 'j', rest: 'jj'});
  assert.deepEqual(routeKey('paste', 'j'.repeat(12), home), {to: 'split', first: 'j', rest: 'j'.repeat(11)});
  assert.deepEqual(routeKey('paste', 'k'.repeat(80), home), {to: 'split', first: 'k', rest: 'k'.repeat(MAX_REPEATED_KEYS - 1)});
  assert.deepEqual(routeKey('paste', '\u001b[B\u001b[B', home), {to: 'split', first: '\u001b[B', rest: '\u001b[B'});
  assert.deepEqual(routeKey('paste', '\u001b[6~\u001b[6~\u001b[6~', home), {to: 'split', first: '\u001b[6~', rest: '\u001b[6~\u001b[6~'});
  for (const paste of ['workq', 'oooo', 'j\rkk', 'jk\r\r', 'https://example.com/x', 'k\t']) assert.deepEqual(routeKey('paste', paste, home), {to: 'pasteIgnored'}, JSON.stringify(paste));
  // A split-out sequence is its key again.
  assert.deepEqual(routeKey('down', '\u001b[B', home), {to: 'action', action: 'cursor.down'});
});

test('a short burst (up to MAX_BURST_KEYS keys: printable, Enter, a movement sequence) is pressed key by key, in order', () => {
  assert.equal(MAX_BURST_KEYS, 3);
  assert.deepEqual(routeKey('paste', 'j\r', home), {to: 'split', first: 'j', rest: '\r'}, 'tmux send-keys j Enter');
  assert.deepEqual(routeKey('paste', 'jk', home), {to: 'split', first: 'j', rest: 'k'});
  assert.deepEqual(routeKey('paste', 'qq', home), {to: 'split', first: 'q', rest: 'q'});
  assert.deepEqual(routeKey('paste', 'dj\r\n', home), {to: 'split', first: 'd', rest: 'j\r\n'}, 'CR LF is one Enter');
  assert.deepEqual(routeKey('paste', '\u001b[Bj', home), {to: 'split', first: '\u001b[B', rest: 'j'});
  // The rest of the read is routed again, a burst itself: each suffix of a burst is one.
  for (const [read, keys] of [['j\r', ['j', '\r']], ['l\u001b[B\r\n', ['l', '\u001b[B', '\r\n']], ['\rn', ['\r', 'n']], ['é\n', ['é', '\n']]] as const) {
    assert.deepEqual(burstKeys(read), keys, JSON.stringify(read));
  }
  for (const paste of ['oooo', 'abc\r', 'j\rkl', 'j\u001b', 'j\t', 'sk-ant-api03-abcdef', 'a\u0085']) assert.equal(burstKeys(paste), undefined, JSON.stringify(paste));
  // A prompt opened by a key of the burst is not answered by the keys read with it (`dy`): the user never saw it.
  assert.deepEqual(routeKey('y', 'y', at({modal: 'confirm', burst: true})), {to: 'none'});
  assert.deepEqual(routeKey('y', 'y', at({modal: 'confirm'})), {to: 'confirm', yes: true});
});

test('the help overlay closes on ? or Esc, quits on q (asking first where the screen would), and swallows the rest', () => {
  const help = at({modal: 'help'});
  assert.deepEqual(routeKey('?', '?', help), {to: 'closeHelp'});
  assert.deepEqual(routeKey('escape', '', help), {to: 'closeHelp'});
  assert.deepEqual(routeKey('q', 'q', help), {to: 'quit', ask: true}, 'as q on the screen: unsaved rules under it ask first');
  assert.deepEqual(routeKey('d', 'd', help), {to: 'none'});
  assert.deepEqual(routeKey('F', 'F', help), {to: 'none'}, 'an unbound key');
});

test('otherwise the keymap action of the active scopes goes to the screen, most specific scope first', () => {
  assert.deepEqual(routeKey('s', 's', home), {to: 'action', action: 'account.serve'});
  assert.deepEqual(routeKey('s', 's', at({scopes: ['proxy', 'global']})), {to: 'action', action: 'proxy.start'});
  assert.deepEqual(routeKey('s', 's', at({scopes: ['models', 'list', 'global']})), {to: 'action', action: 'rules.save'});
  assert.deepEqual(routeKey('q', 'q', home), {to: 'action', action: 'quit'}, 'a screen may take quit first');
  assert.deepEqual(routeKey('F', 'F', home), {to: 'none'});
});

test("the shell's meaning of an action no screen took", () => {
  assert.deepEqual(shellActionFor('quit'), {type: 'quit'});
  assert.deepEqual(shellActionFor('help'), {type: 'toggleHelp'});
  assert.deepEqual(shellActionFor('back'), {type: 'escape'});
  assert.deepEqual(shellActionFor('screen.accounts'), {type: 'reset'});
  assert.deepEqual(shellActionFor('screen.proxy'), {type: 'reset', route: {screen: 'proxy', params: {}}});
  assert.equal(shellActionFor('account.serve'), undefined);
  assert.deepEqual(shellActionFor('filter'), {type: 'filterStart'}, '/ filters wherever it is bound');
  assert.deepEqual(routeKey('/', '/', at({scopes: ['login', 'list', 'global']})), {to: 'none'}, 'no invisible filter on the login screen');
  assert.deepEqual(routeKey('/', '/', at({scopes: ['quota', 'list', 'global']})), {to: 'action', action: 'filter'});
});

test('screen text names keys from the keymap: labels, scopes, and the confirm hint', () => {
  assert.equal(actionKey('proxy.start', 'proxy'), 's');
  assert.equal(actionKey('back'), 'Esc');
  assert.equal(actionKey('rules.account', 'models'), 'Tab');
  assert.deepEqual(keysOf('account.default', 'detail'), ['u', 'enter']);
  assert.deepEqual(keysOf('account.default', 'home'), ['u']);
  assert.throws(() => actionKey('proxy.start', 'home'), /no key is bound to proxy\.start in home/);
  assert.equal(confirmHint(), '[y/N]');
});

/** Feeds one read to a text field the way the dispatcher does: split, then each press through editText. */
function typeBurst(text: string, bytes: string): {text: string; submitted: boolean} {
  let draft = draftOf(text);
  const pending = [bytes];
  while (pending.length) {
    const input = pending.shift()!;
    const name = keyName(input, {});
    const route = routeKey(name, input, at({textFocused: true}));
    if (route.to === 'split') {
      pending.unshift(route.first, route.rest);
      continue;
    }
    assert.equal(route.to, 'text');
    const result = editText(draft, input, name);
    if (result.done === 'submit') return {text: draft.text, submitted: true};
    draft = result.draft;
  }
  return {text: draft.text, submitted: false};
}

test('keys that arrive in one read in a text field all count: every editing key in a burst', () => {
  const cases: Array<[string, string, string, boolean?]> = [
    ['hello', '\u007f\u007f', 'hel'],
    ['hello', '\b\b\b', 'he'],
    ['hello world', '\u0017\u0017', ''],
    ['hello world', '\u0015', ''],
    ['hello', '\u0001X\u0005Y', 'XhelloY'],
    ['hello', '\u0001\u0004\u0004', 'llo'],
    ['hello', '\u0001\u000b', ''],
    ['hello', '\u0002\u0002!\u0006?', 'hel!l?o'],
    ['', 'abc\u007fd', 'abd'],
    ['', 'name\r', 'name', true],
    ['', 'name\u007f\n', 'nam', true],
  ];
  for (const [before, bytes, after, submitted = false] of cases) {
    assert.deepEqual(typeBurst(before, bytes), {text: after, submitted}, JSON.stringify(bytes));
  }
});

test('every line break in one read is an Enter: the text before it is submitted, the rest goes on; plain text is one insert', () => {
  assert.equal(splitTextBurst('plain text'), undefined);
  assert.deepEqual(typeBurst('', 'line one\nline two'), {text: 'line one', submitted: true});
  assert.deepEqual(splitTextBurst('ali\rj'), {first: 'ali', rest: '\rj'});
  assert.deepEqual(splitTextBurst('\rj'), {first: '\r', rest: 'j'});
  assert.deepEqual(splitTextBurst('claude-opus-4-7\r\nteam-x\r'), {first: 'claude-opus-4-7', rest: '\rteam-x\r'});
  assert.deepEqual(typeBurst('', 'https://x.test/cb?code=1\r'), {text: 'https://x.test/cb?code=1', submitted: true});
  // A pasted line ending in CR LF is one Enter: nothing is left over to reach the next screen.
  assert.deepEqual(splitTextBurst('code\r\n'), {first: 'code', rest: '\r'});
  assert.equal(splitTextBurst('\r\n')?.rest, '');
  assert.deepEqual(splitTextBurst('ab\u007f'), {first: 'ab', rest: '\u007f'});
  assert.deepEqual(splitTextBurst('\u007fab'), {first: '\u007f', rest: 'ab'});
  for (const context of [at({modal: 'rename'}), at({filterEditing: true}), at({textFocused: true})]) {
    assert.deepEqual(routeKey('paste', '\u007f\u007f', context), {to: 'split', first: '\u007f', rest: '\u007f'});
  }
});

test('a screen key read together with the next keys is pressed first; the rest goes to the new screen', () => {
  assert.deepEqual(routeKey('paste', '2j', home), {to: 'split', first: '2', rest: 'j'});
  assert.deepEqual(routeKey('paste', '\rn', home), {to: 'split', first: '\r', rest: 'n'}, 'Enter opens the account');
  assert.deepEqual(routeKey('paste', 'a\r', home), {to: 'split', first: 'a', rest: '\r'}, 'a opens the login');
  assert.deepEqual(routeKey('paste', 'm\rk', home), {to: 'split', first: 'm', rest: '\rk'}, 'the rest is routed there');
  assert.deepEqual(routeKey('paste', 'lj', home), {to: 'split', first: 'l', rest: 'j'}, 'a pane switch, then a move in that pane');
  // A longer run is a paste that runs nothing, whatever its letters are, a screen key first too.
  assert.deepEqual(routeKey('paste', 'workq', home), {to: 'pasteIgnored'});
  assert.deepEqual(routeKey('paste', '2workq', home), {to: 'pasteIgnored'});
  assert.deepEqual(routeKey('paste', 'https://example.com', home), {to: 'pasteIgnored'}, 'h (the providers pane) does not act');
  // In a text field the run is text.
  assert.notDeepEqual(routeKey('paste', '2j', at({textFocused: true})), {to: 'split', first: '2', rest: 'j'});
});

test('a key that opens a text field, read together with what follows: the key acts, the rest is typed into the field', () => {
  const openers = KEY_BINDINGS.filter((b) => b.opensField);
  // The keymap marks them: filter, jump, rename, the rules' add/alias/edit, the login's paste.
  assert.deepEqual(new Set(openers.map((b) => b.action)), new Set(['filter', 'jump', 'account.rename', 'rules.add', 'rules.addAlias', 'rules.edit', 'login.paste']));
  for (const binding of openers) {
    for (const scope of binding.scopes) {
      const scopes: KeyScope[] = [scope, 'list', 'global'];
      for (const key of binding.keys.filter((k) => [...k].length === 1)) {
        assert.deepEqual(routeKey('paste', `${key}work`, at({scopes})), {to: 'split', first: key, rest: 'work', intoField: true}, `${key} on ${scope}`);
      }
    }
  }
  assert.deepEqual(routeKey('paste', '/co', home), {to: 'split', first: '/', rest: 'co', intoField: true});
  assert.deepEqual(routeKey('paste', ':claude', home), {to: 'split', first: ':', rest: 'claude', intoField: true});
  assert.deepEqual(routeKey('paste', 'nnewbieX\r', home), {to: 'split', first: 'n', rest: 'newbieX\r', intoField: true});
  assert.deepEqual(routeKey('paste', 'agpt-*', at({scopes: ['models', 'list', 'global']})), {to: 'split', first: 'a', rest: 'gpt-*', intoField: true});
  // What follows goes to the field once open; if none opened (nothing to rename), it is text that runs nothing.
  assert.deepEqual(routeKey('paste', 'work', at({filterEditing: true, typedIntoField: true})), {to: 'filter'});
  assert.deepEqual(routeKey('q', 'q', at({typedIntoField: true})), {to: 'pasteIgnored'});
  assert.deepEqual(routeKey('enter', '\r', at({typedIntoField: true})), {to: 'pasteIgnored'});
  // A paste with no field-opening key first still runs nothing.
  for (const paste of ['workq', 'dquit', 'xqyz\r\n', 'uq\ry']) assert.deepEqual(routeKey('paste', paste, home), {to: 'pasteIgnored'}, JSON.stringify(paste));
});

test('Esc read together with a key (also what Alt+key sends) is both keys outside a text field, the key alone in one', () => {
  assert.deepEqual(routeKey('H', 'H', at({escaped: true})), {to: 'split', first: '\u001b', rest: 'H'});
  assert.deepEqual(routeKey('x', 'x', at({escaped: true, textFocused: true})), {to: 'text'}, 'the field is not cancelled');
  assert.deepEqual(routeKey('y', 'y', at({escaped: true, modal: 'confirm'})), {to: 'confirm', yes: true});
});

test('a bracketed paste is text for the focused field, whole; elsewhere it runs nothing, and it answers no prompt', () => {
  assert.equal(pastedText('\r\nline one\r\nline two\n'), 'line one line two');
  assert.equal(pastedText('a\u001b[Ab\u007f'), 'a[Ab', 'control bytes are dropped, the printable rest kept');
  for (const context of [at({modal: 'rename'}), at({filterEditing: true}), at({textFocused: true})]) {
    const route = routeKey('paste', 'line one line two', {...context, pasted: true});
    assert.ok(['rename', 'filter', 'text'].includes(route.to), JSON.stringify(route));
  }
  assert.deepEqual(routeKey('q', 'q', at({pasted: true})), {to: 'pasteIgnored'});
  assert.deepEqual(routeKey('paste', '/work', at({pasted: true})), {to: 'pasteIgnored'}, 'a pasted / opens no filter');
  assert.deepEqual(routeKey('y', 'y', at({modal: 'confirm', pasted: true})), {to: 'none'}, 'a pasted y answers nothing');
  assert.deepEqual(routeKey('y', 'y', at({modal: 'rename', pasted: true})), {to: 'rename', submit: false});
});
