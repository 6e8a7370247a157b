// Each function's Lambda timeout and memory, from the one place that relates them to the
// SDK timeouts inside the functions and to the state machine's Task timeout:
// functions/replica-dns-core/src/limits.rs, printed by `replica-dns function-limits`.
//
// What this is NOT: a second copy of those numbers. The CDK reads them from the CLI at
// synth time (as it runs `validate-config`), so the Lambda settings cannot drift from what
// the functions derive their SDK timeouts and deadline guard from. Props may raise a
// timeout (up to below the Task timeout) and change memory; they may not go below.

import { Duration } from 'aws-cdk-lib';
import { cliJson } from './cli';
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
  // The CLI's own numbers must already satisfy the rule props are held to.
  for (const name of FUNCTIONS) checkTimeout(name, limits.functions[name].timeoutSeconds, limits, source);
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
 * The rule for a Lambda timeout: at least the Rust figure (the functions' SDK timeouts and
 * deadline guard are derived from it) and below the Task timeout (the Lambda timeout must
 * fire first, so that Step Functions retries it as `Lambda.Unknown`).
 */
function checkTimeout(name: FunctionName, seconds: number, limits: FunctionLimits, source: string): void {
  const own = limits.functions[name].timeoutSeconds;
  if (seconds < own) {
    throw new ConfigError(
      `${source}: the ${name} function's timeout of ${seconds} s is shorter than its ${own} s from replica-dns function-limits. ` +
        `The function's SDK timeouts (${limits.sdk.operationTimeoutMs} ms per call with its retries, ${limits.sdk.attemptTimeoutMs} ms per attempt) and its deadline guard are derived from ${own} s: ` +
        'a shorter Lambda timeout kills it in the middle of a call instead of letting it end with its own retryable error. Use at least that.',
    );
  }
  if (seconds >= limits.taskTimeoutSeconds) {
    throw new ConfigError(
      `${source}: the ${name} function's timeout of ${seconds} s is not below the state machine's Task timeout of ${limits.taskTimeoutSeconds} s (taskTimeoutSeconds from replica-dns function-limits). ` +
        'The Lambda timeout must fire first, so that a slow run is retried as Lambda.Unknown instead of ending as States.Timeout; the functions\' SDK timeouts and deadline guard are derived from these limits.',
    );
  }
}

/**
 * Each function's memory and timeout: the Rust limits, with `overrides` (construct props)
 * applied. Memory may be anything Lambda accepts; a timeout outside the rule above fails
 * the synth with the reason.
 */
export function functionSettings(
  limits: FunctionLimits,
  overrides: Partial<Record<FunctionName, FunctionSettings>> = {},
): Record<FunctionName, Required<FunctionSettings>> {
  const out = {} as Record<FunctionName, Required<FunctionSettings>>;
  for (const name of FUNCTIONS) {
    const own = overrides[name] ?? {};
    const timeout = own.timeout ?? Duration.seconds(limits.functions[name].timeoutSeconds);
    if (own.timeout !== undefined) checkTimeout(name, own.timeout.toSeconds(), limits, `functions.${name}.timeout`);
    out[name] = { memorySize: own.memorySize ?? limits.functions[name].memoryMb, timeout };
  }
  return out;
}
