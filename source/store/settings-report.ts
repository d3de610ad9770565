// Where a command-line process says tui.json is broken: every read of the file (store/settings.ts
// loadSettings, whoever calls it) reports its problem here, and the command line prints each distinct
// one once on stderr, so no command that reads tui.json can forget to warn. The TUI does not listen:
// it owns the terminal and shows the problem in its banner instead.
import {sayOnce} from './say-once.js';

const channel = sayOnce();

/** The command line's warning printer (cli/run.ts), for the rest of the process. */
export const onSettingsProblem = (report: (message: string) => void): void => void channel.listen(report);

/** Called for each read of a broken tui.json; the same message is said once. */
export const reportSettingsProblem = (message: string): void => channel.say(message);

const warnings = sayOnce();

/** The command line's printer of tui.json warnings (a setting that works but is risky: an endpoint override in plain http://). */
export const onSettingsWarning = (report: (message: string) => void): void => void warnings.listen(report);

/** Called each time a risky setting is used; the same message is said once. */
export const reportSettingsWarning = (message: string): void => warnings.say(message);

/** Whether a broken tui.json was already said in this process (a command that stops on it need not say it again). */
export const settingsProblemSaid = (): boolean => channel.saidAny();
