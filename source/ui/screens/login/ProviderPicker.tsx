// `a`: which provider to add an account to, asked first (as `gh auth login` asks which host), the
// cursor on the provider highlighted on the accounts screen. Enter goes on to that provider's login
// (the login screen as before), whose Esc comes back here, on that provider; Esc goes back to the accounts. Its keys are the login screen's: j/k
// move, Enter (login.retry, labelled "choose") chooses, as in the login method picker.
import {Box} from 'ink';
import {useState} from 'react';
import {actionKey} from '../../../core/keymap.js';
import {PROVIDERS} from '../../../providers/table.js';
import {List} from '../../components/List.js';
import {Text} from '../../components/Text.js';
import {useScreenHints} from '../../hints.js';
import {useScreenKeys} from '../../keys.js';
import {useTheme} from '../../theme.js';

export function ProviderPicker({width, height, preselected, onChoose}: {width: number; height: number; preselected: string | undefined; onChoose(provider: string): void}) {
  const theme = useTheme();
  const [cursor, setCursor] = useState(() => Math.max(0, PROVIDERS.findIndex((p) => p.id === preselected)));
  const last = PROVIDERS.length - 1;
  useScreenHints({
    hide: ['login.copy', 'login.open', 'login.paste', 'login.showUrl', 'account.remove'],
    labels: {'login.retry': 'choose', back: 'back'},
  });
  useScreenKeys({
    'cursor.down': () => setCursor(Math.min(cursor + 1, last)),
    'cursor.up': () => setCursor(Math.max(cursor - 1, 0)),
    'cursor.top': () => setCursor(0),
    'cursor.bottom': () => setCursor(last),
    'login.retry': () => onChoose(PROVIDERS[cursor]!.id),
  });
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">
        Add an account
      </Text>
      <Text wrap="truncate">{`Which provider? (${actionKey('cursor.down')}/${actionKey('cursor.up')}, ${actionKey('login.retry', 'login')} to go on, ${actionKey('back')} back)`}</Text>
      <List
        items={PROVIDERS}
        cursor={cursor}
        height={Math.max(1, Math.min(PROVIDERS.length, height - 2))}
        keyOf={(p) => p.id}
        renderRow={(p, _index, selected) => (
          <Text key={p.id} inverse={selected} color={selected ? theme.accent : undefined} wrap="truncate">
            {`${selected ? '› ' : '  '}${p.displayName}`}
          </Text>
        )}
      />
    </Box>
  );
}
