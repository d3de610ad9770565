// Imported first by the Ink test helper: chalk decides its colour level when it loads, and a test
// runner's stdout is a pipe (scripts/run-tests.mjs even sets FORCE_COLOR=0 for readable logs).
// Forcing colour in UI test processes makes "NO_COLOR removes every colour" a test that can fail.
process.env.FORCE_COLOR = '3';
