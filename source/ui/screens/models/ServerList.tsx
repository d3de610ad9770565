// Under the preview on a remote target: the server's own resolved list for one account (`GET
// /auth-files/models`) set against ours, recomputed as the rules are edited. Ids on one side only
// are flagged with `!` and named (words carry it, colour repeats it).
import {Text} from '../../components/Text.js';
import {shownModelName, type ModelResolution} from '../../../core/model-rules.js';
import {sanitizeLine} from '../../../core/sanitize.js';
import {modelDifferences} from '../../../services/remote/model-rules.js';
import type {RulesContext} from '../../../store/model-rules.js';
import {useTheme} from '../../theme.js';
import {countOf} from '../../../core/wording.js';

/** Lines the component takes (header and at most two difference lines). */
export const SERVER_LIST_LINES = 3;

export function ServerList({server, resolution}: {server: NonNullable<RulesContext['server']>; resolution: ModelResolution}) {
  const theme = useTheme();
  const head = `Server's list for ${sanitizeLine(server.account)}`;
  if (!server.models) {
    return (
      <Text color={theme.warn} wrap="truncate">
        {`${head}: ! ${sanitizeLine(server.error ?? 'not available')}`}
      </Text>
    );
  }
  const {onlyServer, onlyLocal} = modelDifferences(
    resolution.models.map((m) => m.id),
    server.models,
  );
  const same = onlyServer.length + onlyLocal.length === 0;
  return (
    <>
      <Text bold wrap="truncate" color={same ? theme.ok : theme.warn}>
        {`${head}: ${countOf(server.models.length, 'model')}${same ? ', the same as ours' : ' · ! differs'}`}
      </Text>
      {onlyServer.length ? <Text color={theme.warn} wrap="truncate">{`! only the server: ${onlyServer.map(shownModelName).join(', ')}`}</Text> : null}
      {onlyLocal.length ? <Text color={theme.warn} wrap="truncate">{`! only ours: ${onlyLocal.map(shownModelName).join(', ')}`}</Text> : null}
    </>
  );
}
