// The chrome around the routed screen: title bar, problems banner, the screen (or the `?` overlay),
// status line (or the open confirm prompt) and hint bar. Renders only; App.tsx wires it.
import {Box} from 'ink';
import {currentRoute, escapeActs, type AppAction, type AppState, type Route} from '../core/app-state.js';
import {bindingsFor, confirmHint, type KeyScope} from '../core/keymap.js';
import {Banner, bannerLines, bannerRows, HelpOverlay, HintBar, MessagesOverlay, promptMaxRows, promptRows, StatusLine, TitleBar} from './components/Chrome.js';
import {unavailableActions} from './actions/targets.js';
import {useAccounts} from './hooks/useAccounts.js';
import {useProblems} from './hooks/useProblems.js';
import {useTarget} from './hooks/useTarget.js';
import {routeScopes, routeTitle, ScreenView, tabOf} from './router.js';
import {useServices} from './services.js';
import {useHints, type ScreenHints} from './hints.js';
import {KeyOwner, screenOwner} from './keys.js';
import type {Shell} from './shell.js';
import {countOf} from '../core/wording.js';

/** `hidden`: the terminal is too small; the frame stays mounted (its screen keeps its state) but draws nothing. */
export function Frame({state, shell, columns, rows, hidden = false}: {state: AppState; shell: Shell; columns: number; rows: number; hidden?: boolean}) {
  const services = useServices();
  const accounts = useAccounts();
  const hints = useHints();
  const target = useTarget();
  const route = currentRoute(state);
  const dispatch = (action: AppAction) => shell.dispatch(action);
  const snapshot = accounts.snapshot;
  const problems = useProblems();
  const banner = bannerLines(problems, columns, bannerRows(rows));
  const confirmPrompt = state.modal?.kind === 'confirm' ? state.modal.prompt : undefined;
  const confirmChoices = state.modal?.kind === 'confirm' ? (state.modal.choices ?? []) : [];
  // A question wider than the line is wrapped (promptRows): the screen gives up the rows it takes,
  // as it gives up the banner's (title bar, hint bar, then the status line's rows).
  const statusRows = confirmPrompt === undefined ? 1 : promptRows(confirmPrompt, confirmHint(confirmChoices), columns, promptMaxRows(rows)).length;
  const bodyHeight = rows - 2 - statusRows - banner.length;
  const counts = snapshot
    ? `${countOf(snapshot.accounts.length, 'account')} · ${snapshot.providers.filter((p) => p.accounts.length > 0).length}/${countOf(snapshot.providers.length, 'provider')}`
    : 'loading…';
  const overlay = state.modal?.kind === 'help' || state.modal?.kind === 'messages';
  const scrollOverlayBy = (by: number) => dispatch({type: 'scrollOverlay', by});
  const scopes: KeyScope[] = confirmPrompt !== undefined ? ['confirm'] : routeScopes(route);
  // A text field is open: letters go into it, not to their keys.
  const typing = Boolean(hints.typing) || state.filterEditing !== undefined || state.modal?.kind === 'rename' || state.modal?.kind === 'jump';

  return (
    <Box flexDirection="column" width={columns} height={rows} display={hidden ? 'none' : 'flex'}>
      <TitleBar title={routeTitle(route)} width={columns} activeTab={tabOf(route)} target={target.name} />
      {banner.length > 0 ? <Banner width={columns} lines={banner} /> : null}
      {/* Clipped: a screen taller than its room is cut at its foot, never drawn over the status line. */}
      <Box height={bodyHeight} width={columns} flexDirection="column" overflow="hidden" flexShrink={0}>
        {state.modal?.kind === 'help' ? (
          <HelpOverlay width={columns} height={bodyHeight} scopes={routeScopes(route)} offset={state.modal.offset} onClamp={scrollOverlayBy} />
        ) : state.modal?.kind === 'messages' ? (
          // The banner's problems too, whole (it shows two): listed first, as they hold now.
          <MessagesOverlay width={columns} height={bodyHeight} messages={[...state.messages, ...[...problems].reverse().map((text) => ({text, kind: 'info' as const}))]} offset={state.modal.offset} onClamp={scrollOverlayBy} />
        ) : null}
        {mountedRoutes(state).map(({route: shown, index, visible}) => (
          // Hidden, not unmounted: an overlay or the target picker over a screen must not restart
          // what it holds (a login's PKCE state, unsaved rules, a poll). Keyed by stack position.
          <Box key={screenOwner(index, shown.screen)} display={visible && !overlay ? 'flex' : 'none'} flexDirection="column" height={bodyHeight} width={columns}>
            <KeyOwner id={screenOwner(index, shown.screen)}>
              <ScreenView
                route={shown}
                width={columns}
                height={bodyHeight}
                navigate={(screen, params) => dispatch({type: 'navigate', screen, params})}
                back={() => dispatch({type: 'pop'})}
                setStatus={shell.setStatus}
                confirm={shell.confirm}
              />
            </KeyOwner>
          </Box>
        ))}
      </Box>
      <StatusLine
        width={columns}
        counts={counts}
        dir={target.where}
        // An overlay (`?`, `M`) owns the screen: the last action's message is not drawn under it. It is
        // kept (back when the overlay closes, unless it expired meanwhile) and in the `M` log.
        message={confirmPrompt ? {text: confirmPrompt, kind: 'info'} : overlay ? undefined : (state.status ?? (state.busy.length ? {text: state.busy.at(-1)!.text, kind: 'info'} : undefined))}
        keep={confirmPrompt ? confirmHint(confirmChoices) : undefined}
        emphasize={Boolean(confirmPrompt)}
        promptRowsMax={promptMaxRows(rows)}
        typing={typing}
      />
      {overlay ? (
        <HintBar width={columns} scopes={OVERLAY_SCOPES} overrides={OVERLAY_HINTS} />
      ) : (
        <HintBar
          width={columns}
          scopes={scopes}
          // Esc in the filter field clears the filter (core/app-state.ts applyFilterKey); elsewhere the field says.
          overrides={{
            ...hints,
            typing,
            ...(state.filterEditing ? {escape: 'clear'} : {}),
            // The accounts screen at the root, nothing open or filtered: Esc has nothing to go back from.
            hide: [...(hints.hide ?? []), ...(route.screen === 'home' && !escapeActs(state) ? (['back'] as const) : [])],
          }}
          unavailable={unavailableActions(target.accounts)}
          extra={confirmChoices.map((c) => ({action: c.action, keys: [c.key], scopes: ['confirm'], description: c.label}))}
        />
      )}
    </Box>
  );
}

/**
 * While an overlay (`?`, `M`) is open only its own keys work (core/key-routing.ts: close, scroll,
 * quit): the hint bar offers closing and quitting, not the covered screen's keys. Scrolling is
 * offered by the overlay itself when it has more than fits.
 */
const OVERLAY_SCOPES: readonly KeyScope[] = ['global'];
const OVERLAY_HINTS: ScreenHints = {
  hide: bindingsFor(OVERLAY_SCOPES)
    .map((b) => b.action)
    .filter((action) => action !== 'back' && action !== 'quit'),
  labels: {back: 'close'},
};

/**
 * The routes whose screens stay mounted: the top one, and under the target picker (a screen laid
 * over another) the one it was opened from, hidden, so closing the picker finds it as it was.
 */
function mountedRoutes(state: AppState): Array<{route: Route; index: number; visible: boolean}> {
  const top = state.stack.length - 1;
  const shown = [{route: state.stack[top]!, index: top, visible: true}];
  if (state.stack[top]!.screen === 'targets' && top > 0) shown.unshift({route: state.stack[top - 1]!, index: top - 1, visible: false});
  return shown;
}
