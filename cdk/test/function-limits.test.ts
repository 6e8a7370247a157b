// Function timeouts and memory come from `replica-dns function-limits` (core limits.rs):
// the CLI's output is read and checked, construct props may raise a timeout or change
// memory but not break the chain SDK call < Lambda timeout < Task timeout. The CLI is a
// stand-in script here, printing the contract's JSON.

import * as path from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FUNCTIONS, FunctionLimits, ReplicaDns, functionSettings, readFunctionLimits } from '../lib/replica-dns';
import { settingsFromContext } from '../lib/replica-dns-stack';
import { findCli } from '../lib/config';
import { ACCOUNT, REGION, TEST_CONFIG, TEST_LIMITS, TEST_METRICS, fakeAssets, fakeCli } from './helpers';

/**
 * A CLI that prints `limits` for `function-limits` and the test metrics, and leaves the
 * configuration's commands (validate-config, managed-names) to the real CLI.
 */
function limitsCli(limits: unknown): string {
  const real = findCli();
  return fakeCli(`case "$1" in
  validate-config|managed-names) exec '${real}' "$@" ;;
  function-limits) [ $# -eq 1 ] || exec '${real}' "$@"; cat <<'JSON'
${JSON.stringify(limits)}
JSON
  ;;
  metrics) cat <<'JSON'
${JSON.stringify(TEST_METRICS)}
JSON
  ;;
  *) exit 9 ;;
esac`);
}

const withVerify = (verify: unknown) => ({ ...TEST_LIMITS, functions: { ...TEST_LIMITS.functions, verify } });

describe('readFunctionLimits', () => {
  test('calls the CLI as `function-limits` and returns its numbers (extra keys ignored)', () => {
    expect(readFunctionLimits(limitsCli({ ...TEST_LIMITS, minimumLambdaTimeoutSeconds: 30 }))).toEqual(TEST_LIMITS);
  });

  test('a CLI without the command says how to rebuild it', () => {
    const cli = fakeCli(`echo "error: unrecognized subcommand '$1'" >&2; exit 2`);
    expect(() => readFunctionLimits(cli)).toThrow(/unrecognized subcommand 'function-limits'\n.*rebuild it[^]*cargo build -p replica-dns-cli/);
  });

  test('output that is not JSON is named', () => {
    expect(() => readFunctionLimits(fakeCli('echo "trigger: 30 s"'))).toThrow(/function-limits did not print JSON/);
  });

  test('a function missing from the output is named', () => {
    expect(() => readFunctionLimits(limitsCli(withVerify(undefined)))).toThrow(/function-limits: functions\.verify must be a JSON object/);
  });

  test('a number that is not a positive whole number is named', () => {
    expect(() => readFunctionLimits(limitsCli(withVerify({ timeoutSeconds: 60, memoryMb: '512' })))).toThrow(
      /functions\.verify\.memoryMb must be a positive whole number, found "512"/,
    );
  });

});

describe('functionSettings (limits + construct props)', () => {
  const limits: FunctionLimits = TEST_LIMITS;

  test('without props, every function gets its limits', () => {
    expect(functionSettings(limits)).toEqual(
      Object.fromEntries(FUNCTIONS.map((f) => [f, { memorySize: limits.functions[f].memoryMb, timeout: Duration.seconds(limits.functions[f].timeoutSeconds) }])),
    );
  });

  test('memory may be overridden, and the timeout stays the limit', () => {
    expect(functionSettings(limits, { verify: { memorySize: 1024 } }).verify).toEqual({ memorySize: 1024, timeout: Duration.seconds(61) });
  });

  test('a longer timeout that stays below the Task timeout is kept', () => {
    expect(functionSettings(limits, { verify: { timeout: Duration.seconds(75) } }).verify.timeout.toSeconds()).toBe(75);
  });

  test('a timeout shorter than the Rust one fails, saying the SDK timeouts and deadline guard are derived from it', () => {
    expect(() => functionSettings(limits, { apply: { timeout: Duration.seconds(10) } })).toThrow(
      /^functions\.apply\.timeout: the apply function's timeout of 10 s is shorter than its 30 s from replica-dns function-limits\. The function's SDK timeouts \(20000 ms per call with its retries, 5000 ms per attempt\) and its deadline guard are derived from 30 s/,
    );
  });

  test('whether a timeout is allowed is the CLI\'s answer (function-limits --check), shown as it says it', () => {
    const cli = fakeCli(`[ "$*" = "function-limits --check plan=40" ] || exit 9; echo "the plan function's timeout of 40 s: refused by the CLI" >&2; exit 1`);
    expect(() => functionSettings(limits, { plan: { timeout: Duration.seconds(40) } }, cli)).toThrow(
      /^functions\.plan\.timeout: the plan function's timeout of 40 s: refused by the CLI$/,
    );
    const allowing = fakeCli(`[ "$*" = "function-limits --check plan=5" ] || exit 9; echo '{}'`);
    expect(functionSettings(limits, { plan: { timeout: Duration.seconds(5) } }, allowing).plan.timeout.toSeconds()).toBe(5);
  });

  test('a timeout at the Task timeout fails, saying why', () => {
    expect(() => functionSettings(limits, { verify: { timeout: Duration.seconds(90) } })).toThrow(
      /^functions\.verify\.timeout: the verify function's timeout of 90 s is not below the state machine's Task timeout of 90 s .*retried as Lambda\.Unknown instead of ending as States\.Timeout/,
    );
  });

  test('the construct refuses a props timeout outside the limits', () => {
    const stack = new Stack(new App(), 'Short', { env: { account: ACCOUNT, region: REGION } });
    expect(
      () => new ReplicaDns(stack, 'ReplicaDns', { config: TEST_CONFIG, functionLimits: limits, metricCatalog: TEST_METRICS, assetsDir: fakeAssets(), functions: { plan: { timeout: Duration.seconds(5) } } }),
    ).toThrow(/^functions\.plan\.timeout: /);
  });
});

describe('without functionLimits, the construct runs the CLI', () => {
  const fromCli = withVerify({ timeoutSeconds: 62, memoryMb: 640 });
  let template: Template;

  beforeAll(() => {
    const saved = process.env.REPLICA_DNS_CLI;
    process.env.REPLICA_DNS_CLI = limitsCli(fromCli);
    try {
      const stack = new Stack(new App(), 'FromCli', { env: { account: ACCOUNT, region: REGION } });
      new ReplicaDns(stack, 'ReplicaDns', { config: TEST_CONFIG, metricCatalog: TEST_METRICS, assetsDir: fakeAssets() });
      template = Template.fromStack(stack);
    } finally {
      if (saved === undefined) delete process.env.REPLICA_DNS_CLI;
      else process.env.REPLICA_DNS_CLI = saved;
    }
  });

  test('verify gets the CLI\'s timeout and memory', () => {
    template.hasResourceProperties('AWS::Lambda::Function', { Description: 'replica-dns verify', Timeout: 62, MemorySize: 640 });
  });
});

test('the stack\'s settings carry the limits the CLI prints', () => {
  const example = path.join(__dirname, '..', 'config', 'example.json');
  const settings = settingsFromContext((key) => ({ configFile: example })[key], { cli: limitsCli(TEST_LIMITS) });
  expect(settings.functionLimits).toEqual(TEST_LIMITS);
});

test('the real replica-dns CLI accepts its own figures as timeouts (function-limits --check)', () => {
  const own = readFunctionLimits(findCli());
  const asProps = Object.fromEntries(FUNCTIONS.map((f) => [f, { timeout: Duration.seconds(own.functions[f].timeoutSeconds) }]));
  expect(() => functionSettings(own, asProps, findCli())).not.toThrow();
});
