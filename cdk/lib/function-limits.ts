// Each function's Lambda timeout and memory, from the one place that relates them to the
// SDK timeouts inside the functions and to the state machine's Task timeout:
// functions/replica-dns-core/src/limits.rs, printed by `replica-dns function-limits`.
//
// What this is NOT: a second copy of those numbers. The CDK reads them from the CLI at
// synth time (as it runs `validate-config`), so the Lambda settings cannot drift from what
// the functions derive their SDK timeouts and deadline guard from. Props may raise a
// timeout and change memory; whether a timeout is allowed is the CLI's answer
// (`function-limits --check`), not a rule written here.

import { Duration } from 'aws-cdk-lib';
import { cliJson, runCli } from './cli';
import { ConfigError, findCli } from './config';
import { FUNCTIONS, FunctionName } from './functions';

/** One function's Lambda settings as the Rust side sets them. */
export interface FunctionLimit {
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
}

/** The output of `replica-dns function-limits` (extra keys are ignored). */
export interface FunctionLimits {
  readonly functions: Readonly<Record<FunctionName, FunctionLimit>>;
  /** The AWS SDK's timeouts inside every function. */
  readonly sdk: { readonly connectTimeoutMs: number; readonly attemptTimeoutMs: number; readonly operationTimeoutMs: number };
  /** `TimeoutSeconds` of the state machine's Task states. */
  readonly taskTimeoutSeconds: number;
}

/** Memory and timeout of one function. */
export interface FunctionSettings {
  readonly memorySize?: number;
  readonly timeout?: Duration;
}

function wholeNumber(obj: Record<string, unknown>, key: string, where: string, source: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ConfigError(`${source}: ${where}${key} must be a positive whole number, found ${JSON.stringify(v)}`);
  }
  return v;
}

function object(value: unknown, where: string, source: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${source}: ${where || 'the output'} must be a JSON object, found ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

/** Checks the CLI's JSON; errors name `source` and the key, e.g. `functions.verify.timeoutSeconds`. */
export function parseFunctionLimits(value: unknown, source: string): FunctionLimits {
  const root = object(value, '', source);
  const fns = object(root.functions, 'functions', source);
  const functions = {} as Record<FunctionName, FunctionLimit>;
  for (const name of FUNCTIONS) {
    const f = object(fns[name], `functions.${name}`, source);
    functions[name] = {
      timeoutSeconds: wholeNumber(f, 'timeoutSeconds', `functions.${name}.`, source),
      memoryMb: wholeNumber(f, 'memoryMb', `functions.${name}.`, source),
    };
  }
  const sdk = object(root.sdk, 'sdk', source);
  const limits: FunctionLimits = {
    functions,
    sdk: {
      connectTimeoutMs: wholeNumber(sdk, 'connectTimeoutMs', 'sdk.', source),
      attemptTimeoutMs: wholeNumber(sdk, 'attemptTimeoutMs', 'sdk.', source),
      operationTimeoutMs: wholeNumber(sdk, 'operationTimeoutMs', 'sdk.', source),
    },
    taskTimeoutSeconds: wholeNumber(root, 'taskTimeoutSeconds', '', source),
  };
  return limits;
}

const cache = new Map<string, FunctionLimits>();

/**
 * Runs `replica-dns function-limits` (once per CLI binary) and returns its numbers.
 * Throws, with the rebuild command, when the CLI fails or predates the command.
 */
export function readFunctionLimits(cli: string = findCli()): FunctionLimits {
  const cached = cache.get(cli);
  if (cached) return cached;
  const source = `${cli} function-limits`;
  const parsed = cliJson(cli, ['function-limits'], 'The synth takes each function\'s timeout and memory from this command.');
  const limits = parseFunctionLimits(parsed, source);
  cache.set(cli, limits);
  return limits;
}

/**
 * Asks the CLI whether `seconds` is a timeout the `name` function may have (core limits.rs,
 * `check_lambda_timeout`: at least the function's own figure, below the Task timeout) and
 * throws its reason, prefixed with the prop, when not. The rule lives only in Rust.
 */
function checkTimeout(cli: string, name: FunctionName, seconds: number): void {
  const run = runCli(cli, ['function-limits', '--check', `${name}=${seconds}`]);
  if (run.status === 0) return;
  const said = `${run.stderr}${run.stdout}`.trim();
  throw new ConfigError(
    `functions.${name}.timeout: ${said || `${cli} function-limits --check ${name}=${seconds} failed (exit status ${run.status})`}`,
  );
}

/**
 * Each function's memory and timeout: the Rust limits, with `overrides` (construct props)
 * applied. Memory may be anything Lambda accepts; a timeout the CLI refuses (`checkTimeout`)
 * fails the synth with the CLI's reason.
 */
export function functionSettings(
  limits: FunctionLimits,
  overrides: Partial<Record<FunctionName, FunctionSettings>> = {},
  cli: string = findCli(),
): Record<FunctionName, Required<FunctionSettings>> {
  const out = {} as Record<FunctionName, Required<FunctionSettings>>;
  for (const name of FUNCTIONS) {
    const own = overrides[name] ?? {};
    const timeout = own.timeout ?? Duration.seconds(limits.functions[name].timeoutSeconds);
    if (own.timeout !== undefined) checkTimeout(cli, name, own.timeout.toSeconds());
    out[name] = { memorySize: own.memorySize ?? limits.functions[name].memoryMb, timeout };
  }
  return out;
}
