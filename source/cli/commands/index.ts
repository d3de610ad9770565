// Every command of the command line, in the order `--help` lists them. Each feature adds its
// commands here; the dispatcher in run.ts knows nothing else about them.
import type {CommandSpec} from '../context.js';
import {accountCommands} from './accounts.js';
import {loginCommands} from './login.js';
import {modelCommands} from './models.js';
import {proxyCommands} from './proxy.js';
import {quotaCommands} from './quota.js';
import {nativeCommands} from './native.js';
import {runCommands} from './run.js';
import {transferCommands} from './transfer.js';

export const COMMANDS: readonly CommandSpec[] = [...accountCommands, ...loginCommands, ...modelCommands, ...proxyCommands, ...quotaCommands, ...runCommands, ...nativeCommands, ...transferCommands];
