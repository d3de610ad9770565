// Node's spec reporter, except that a todo test that fails is reported as what it is: a known gap,
// not a failure. Node 20's spec lists it under "✖ failing tests:" with its stack after `fail 0`,
// which reads as a failed run; here it shows once, as "# TODO, still failing: <reason>",
// and the summary lists only real failures. A todo that passes is shown as spec shows it.
// With FAILED_FILES_OUT set, the file of each real failure is appended there, one a line, for
// run-tests.mjs to run those files again.
import {appendFileSync} from 'node:fs';
import {spec} from 'node:test/reporters';

const failedFilesOut = process.env.FAILED_FILES_OUT;

/** A failing todo's event as a passing one whose todo text says it still fails (its error is not repeated). */
function asKnownGap(event) {
  const {todo, details} = event.data;
  return {
    ...event,
    type: 'test:pass',
    data: {...event.data, todo: `TODO, still failing${todo === true ? '' : `: ${todo}`}`, details: {...details, error: undefined}},
  };
}

export default async function* reporter(source) {
  const out = spec();
  const feed = (async () => {
    try {
      for await (const event of source) {
        const knownGap = event.type === 'test:fail' && event.data.todo !== undefined;
        if (failedFilesOut && event.type === 'test:fail' && !knownGap) appendFileSync(failedFilesOut, `${event.data.file ?? '(unknown file)'}\n`);
        out.write(knownGap ? asKnownGap(event) : event);
      }
    } finally {
      out.end();
    }
  })();
  for await (const chunk of out) yield chunk;
  await feed;
}
