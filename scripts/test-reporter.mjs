// Node's spec reporter, except that a todo test that fails is reported as what it is: a known gap,
// not a failure. Node 20's spec lists it under "✖ failing tests:" with its stack after `fail 0`,
// which reads as a failed run; here it shows once, as "# TODO, still failing: <reason>",
// and the summary lists only real failures. A todo that passes is shown as spec shows it.
import {spec} from 'node:test/reporters';

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
      for await (const event of source) out.write(event.type === 'test:fail' && event.data.todo !== undefined ? asKnownGap(event) : event);
    } finally {
      out.end();
    }
  })();
  for await (const chunk of out) yield chunk;
  await feed;
}
