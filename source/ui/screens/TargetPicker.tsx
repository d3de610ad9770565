// The target picker (key T): `local` and the remote CLIProxyAPI servers named in tui.json "targets".
// Enter switches (the accounts, quota, rules and login screens then act on that target). The list is
// ink-select-input; its own key handling is active only while the app's dispatcher gives this screen
// the keys (a text capture here, `isFocused` off while a prompt is open or a switch is under way).
import {Box} from 'ink';
import {Text} from '../components/Text.js';
import SelectInput from 'ink-select-input';
import {useCallback, useEffect, useMemo, useRef, useState} from 'react';
import {actionKey} from '../../core/keymap.js';
import {sanitizeLine} from '../../core/sanitize.js';
import {switchTarget} from '../actions/targets.js';
import {useTarget} from '../hooks/useTarget.js';
import {useTextCapture} from '../keys.js';
import type {ScreenProps} from '../screen-types.js';
import {useServices} from '../services.js';
import {useShell} from '../shell.js';
import {useTheme} from '../theme.js';

export function TargetPicker({width, height, back}: ScreenProps) {
  const services = useServices();
  const {state, run} = useShell();
  const live = useTarget();
  const theme = useTheme();
  const [names, setNames] = useState<string[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [switching, setSwitching] = useState<string | undefined>();

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

  // The list reads the keys itself: route every key here so no shell key (1-4, q) fires meanwhile.
  useTextCapture((_input, key) => {
    if (key === 'escape' && !switching) back();
  });

  const choose = useRef(async (_name: string) => {});
  choose.current = async (name: string) => {
    setSwitching(name);
    // Back where T was pressed, now showing the new target; on failure the picker stays open.
    if (await run(() => switchTarget(services, name))) back();
    else setSwitching(undefined);
  };
  const onSelect = useCallback((item: {value: string}) => void choose.current(item.value), []);

  // Stable between renders: the list re-subscribes its key handler whenever its items change.
  const items = useMemo(() => (names ?? []).map((name) => ({key: name, value: name, label: `${sanitizeLine(name)}${name === live.name ? '  (live)' : ''}`})), [names, live.name]);
  const initialIndex = Math.max(0, items.findIndex((item) => item.value === live.name));
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="round" borderColor={theme.accent} paddingX={1}>
      <Text bold wrap="truncate">{`Live target: ${sanitizeLine(live.name)} · ${sanitizeLine(live.where)}`}</Text>
      <Text dimColor wrap="truncate">{`↑/↓ choose · Enter switches · ${actionKey('back')} back · targets are the "targets" of tui.json`}</Text>
      {error ? <Text color={theme.error}>{`! ${sanitizeLine(error)}`}</Text> : null}
      {names === undefined && !error ? <Text>reading tui.json…</Text> : null}
      {items.length > 0 ? (
        <SelectInput
          items={items}
          initialIndex={initialIndex}
          limit={Math.max(1, height - 7)}
          isFocused={switching === undefined && state.modal === undefined}
          onSelect={onSelect}
        />
      ) : null}
      {switching ? <Text>{`connecting to ${sanitizeLine(switching)}…`}</Text> : null}
      <Text> </Text>
      <Text dimColor wrap="wrap">
        On a remote target the accounts, quota, model rules and logins are the server's. Use, rotate, serve, test and this machine's proxy act on local files only and say so there.
      </Text>
    </Box>
  );
}
