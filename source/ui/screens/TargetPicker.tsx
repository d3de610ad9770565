// The target picker (key T): `local` and the remote CLIProxyAPI servers named in tui.json "targets".
// Enter switches (the accounts, quota, rules and login screens then act on that target). Its keys
// come through the app's one dispatcher like every screen's, so keys read together (`j j`) each move.
import {Box} from 'ink';
import {Text} from '../components/Text.js';
import {useEffect, useMemo, useState} from 'react';
import {actionKey} from '../../core/keymap.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {switchTarget} from '../actions/targets.js';
import {List} from '../components/List.js';
import {useTarget} from '../hooks/useTarget.js';
import {useSettings} from '../hooks/useSettings.js';
import {targetPlainHttpNote} from '../../store/targets.js';
import {wrapWords} from '../../core/cells.js';
import {useKeysWait, useScreenKeys} from '../keys.js';
import {listHides, useScreenHints} from '../hints.js';
import type {ScreenProps} from '../screen-types.js';
import {useServices} from '../services.js';
import {useShell} from '../shell.js';
import {useTheme} from '../theme.js';

export function TargetPicker({width, height, back}: ScreenProps) {
  const services = useServices();
  const {run} = useShell();
  const live = useTarget();
  const theme = useTheme();
  const [names, setNames] = useState<string[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [switching, setSwitching] = useState<string | undefined>();
  // Keys typed while the target list loads (right after T) act on the list once it is there.
  useKeysWait(names === undefined && error === undefined);

  useEffect(() => {
    let alive = true;
    services.targets.names().then(
      (list) => alive && setNames(list),
      (e: Error) => alive && setError(e.message),
    );
    return () => {
      alive = false;
    };
  }, [services.targets]);

  const settings = useSettings()?.settings;
  // A target in plain http:// (allowed in tui.json) is marked; the selected one's note says what that means.
  const items = useMemo(
    () =>
      (names ?? []).map((name) => {
        const plainHttp = settings ? targetPlainHttpNote(settings, name) : undefined;
        return {name, plainHttp, label: `${sanitizeLine(name)}${name === live.name ? '  (live)' : ''}${plainHttp ? '  ! plain http' : ''}`};
      }),
    [names, live.name, settings],
  );
  const [cursor, setCursor] = useState<number | undefined>();
  const at = Math.min(items.length - 1, cursor ?? Math.max(0, items.findIndex((item) => item.name === live.name)));

  const choose = async (name: string) => {
    setSwitching(name);
    // Back where T was pressed, now showing the new target; on failure the picker stays open.
    if (await run(() => switchTarget(services, name))) back();
    else setSwitching(undefined);
  };
  const idle = switching === undefined;
  // With `local` alone there is nothing to move to or switch to.
  useScreenHints(names ? {hide: [...listHides(items.length, false), ...(items.length < 2 ? (['target.choose'] as const) : [])]} : undefined);
  const consume = () => undefined;
  useScreenKeys({
    'cursor.up': () => idle && setCursor(Math.max(0, at - 1)),
    'cursor.down': () => idle && setCursor(Math.min(items.length - 1, at + 1)),
    'target.choose': () => void (idle && items[at] && choose(items[at]!.name)),
    // Esc goes back (not while a switch is under way); screen keys wait until the picker is closed.
    back: () => (idle ? false : undefined),
    'screen.accounts': consume,
    'screen.quota': consume,
    'screen.models': consume,
    'screen.proxy': consume,
    'target.switch': consume,
  });

  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={theme.accent} paddingX={1}>
      <Text bold wrap="truncate">{`Live target: ${sanitizeLine(live.name)} · ${sanitizeLine(live.where)}`}</Text>
      <Text dimColor wrap="truncate">
        {names?.length === 1
          ? `no other target: remote servers are the "targets" of tui.json · ${actionKey('back')} back`
          : `↑/↓ choose · Enter switches · ${actionKey('back')} back · targets are the "targets" of tui.json`}
      </Text>
      {error ? <Text color={theme.error}>{`! ${sanitizeLine(error)}`}</Text> : null}
      {names === undefined && !error ? <Text>reading tui.json…</Text> : null}
      {items.length > 0 ? (
        <List
          items={items}
          cursor={at}
          height={Math.max(1, Math.min(items.length, height - 10))}
          keyOf={(item) => item.name}
          renderRow={(item, _index, selected) => (
            <Text key={item.name} color={selected ? theme.accent : undefined} wrap="truncate">{`${selected ? '❯' : ' '} ${item.label}`}</Text>
          )}
        />
      ) : null}
      {items[at]?.plainHttp
        ? wrapWords(`! ${items[at]!.plainHttp}`, Math.max(10, width - 4)).map((line, i) => (
            <Text key={`plain:${i}`} color={theme.warn}>
              {line}
            </Text>
          ))
        : null}
      {switching ? <Text>{`connecting to ${sanitizeLine(switching)}…`}</Text> : null}
      <Text> </Text>
      <Text dimColor wrap="wrap">
        On a remote target the accounts, quota, model rules and logins are the server's. Use, rotate, serve, test and this machine's proxy act on local files only and say so there.
      </Text>
    </Box>
  );
}
