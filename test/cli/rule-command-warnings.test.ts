// `alias add` and `exclude add` warn about the rule they just added; other rules' warnings are only
// counted, with the command that lists them (`ccs-tui models PROVIDER`).
import assert from 'node:assert/strict';
import {after, describe, it} from 'node:test';
import {makeTempCcs} from '../helpers/ccs.js';
import {runBin} from '../helpers/cli.js';

describe('rule commands warn about the rule they added', async () => {
  const ccs = makeTempCcs();
  after(() => ccs.cleanup());

  it('unrelated rules that match no model are a count with the listing command, not a warning each', async () => {
    assert.equal((await runBin(['exclude', 'add', 'claude', 'gpt-*'], ccs.env)).code, 0);
    const second = await runBin(['exclude', 'add', 'claude', 'o3-*'], ccs.env);
    assert.equal(second.code, 0, second.stderr);
    // Its own pattern matches nothing: said. The earlier one: counted.
    assert.equal(second.stderr, 'ccs-tui: warning: pattern "o3-*" matches no model\nccs-tui: note: 1 other rule matches no model: ccs-tui models claude\n');
    const alias = await runBin(['alias', 'add', 'claude', 'claude-opus-4-6', 'big'], ccs.env);
    assert.equal(alias.code, 0, alias.stderr);
    assert.equal(alias.stdout, 'claude: alias big ← claude-opus-4-6 (claude-opus-4-6 now appears as big)\n');
    assert.equal(alias.stderr, 'ccs-tui: note: 2 other rules match no model: ccs-tui models claude\n');
  });

  it('a consequence of the rule just added is warned of in full; others are counted by what is wrong', async () => {
    assert.equal((await runBin(['alias', 'add', 'claude', 'nosuch-model', 'small'], ccs.env)).code, 0);
    const hide = await runBin(['exclude', 'add', 'claude', 'claude-opus-4-6'], ccs.env);
    assert.equal(hide.code, 0, hide.stderr);
    assert.equal(
      hide.stderr,
      'ccs-tui: warning: alias "big" will not appear: claude-opus-4-6 is excluded by "claude-opus-4-6"\n' +
        'ccs-tui: note: 3 other rules have warnings: ccs-tui models claude\n',
    );
    // A removal adds no rule: every remaining warning is another rule's.
    const removed = await runBin(['exclude', 'rm', 'claude', 'gpt-*'], ccs.env);
    assert.equal(removed.stderr, 'ccs-tui: note: 3 other rules have warnings: ccs-tui models claude\n');
    // `models` still lists every warning in full.
    const models = await runBin(['models', 'claude'], ccs.env);
    assert.match(models.stderr, /warning: pattern "o3-\*" matches no model/);
    assert.match(models.stderr, /warning: alias "small": nosuch-model is not in the model list/);
  });

  it('a provider with no static model list (bob): an alias is said to apply to the live list, with the command that shows it; no "see the warning" with none printed, no "0 of 0"', async () => {
    const alias = await runBin(['alias', 'add', 'bob', 'bob-mid', 'team-mid'], ccs.env);
    assert.equal(alias.code, 0, alias.stderr);
    assert.equal(alias.stdout, 'bob: alias team-mid ← bob-mid (bob has no static model list: it applies to the live list, see it with ccs-tui models bob --account A --live)\n');
    assert.doesNotMatch(alias.stdout + alias.stderr, /see the warning/);
    const models = await runBin(['models', 'bob'], ccs.env);
    // Not an empty answer: none was asked for, and the line says how (a newcomer read "no model listed" as one).
    assert.equal(models.stdout, "bob: no static model list; its models are the provider's live list: ccs-tui models bob --account A --live\n");
    assert.equal(models.stderr, '', 'said once, on stdout');
    const removed = await runBin(['alias', 'rm', 'bob', 'team-mid'], ccs.env);
    assert.equal(removed.stdout, 'bob: removed alias team-mid (no static model list)\n');
    // On an account's rules: the command to see the live list names that account.
    ccs.writeToken('bob-work.json', {type: 'bob', api_key: 'sk-bob-work-0123456789', base_url: 'http://127.0.0.1:9/v1'});
    const id = (JSON.parse((await runBin(['accounts', '--json'], ccs.env)).stdout) as Array<{provider: string; id: string}>).find((a) => a.provider === 'bob')!.id;
    const own = await runBin(['alias', 'add', 'bob', 'bob-mid', 'team-mid', '--account', id], ccs.env);
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, new RegExp(`see it with ccs-tui models bob --account ${id} --live\\)$`, 'm'));
  });
});
