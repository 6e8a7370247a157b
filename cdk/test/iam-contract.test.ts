// Contract between each function's Rust code and its IAM permissions. Core `ports`
// (functions/replica-dns-core/src/ports.rs) declares the port operations each Lambda
// calls, and a Rust test in each function crate holds that declaration to the handler's
// generic bounds; replica-dns-aws `iam` maps each operation to the AWS actions its
// adapter calls. `replica-dns function-ports` prints the result, {function: [actions]},
// and each function's role must allow exactly those actions: a new call without a grant
// fails here instead of as AccessDenied in production; a grant without a call fails too.

import { findCli } from '../lib/config';
import { cliJson } from '../lib/cli';
import { FUNCTIONS } from '../lib/replica-dns';
import { Synth, functionActions, synthConstruct } from './helpers';

/**
 * What every function's role allows for the Lambda service rather than for the code:
 * writing the function's own log group, and X-Ray segments (active tracing).
 */
const RUNTIME_ACTIONS = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

let s: Synth;
let declared: Record<string, string[]>;

beforeAll(() => {
  // TEST_CONFIG's second group names an AUTH secret, so verify's secret read is granted.
  s = synthConstruct();
  declared = cliJson(findCli(), ['function-ports'], 'The IAM contract test compares each role with it.') as Record<string, string[]>;
});

test('the CLI declares the ports of every function and of no other', () => {
  expect(Object.keys(declared).sort()).toEqual([...FUNCTIONS].sort());
});

test.each(FUNCTIONS)('%s\'s role allows exactly the AWS actions of the ports it calls', (name) => {
  expect(functionActions(s, s.construct.functions[name])).toEqual([...declared[name], ...RUNTIME_ACTIONS].sort());
});
