// Contract between each function's Rust code and its IAM permissions: the AWS port
// methods a function calls (functions/replica-dns-<name>/src, tests excluded, directly or
// through the shared steps in functions/replica-dns-lambda/src/steps.rs) map to
// exactly the capabilities the construct grants it. A new call without a grant fails
// here instead of as AccessDenied in production; a grant without a call fails too.

import * as fs from 'fs';
import * as path from 'path';
import { Capability, FUNCTIONS, FUNCTION_CAPABILITIES } from '../lib/replica-dns';
import { REPO_ROOT } from './helpers';

/** Port method (functions/replica-dns-aws/src/ports.rs) → the capabilities its adapter needs. */
const PORT_CALLS: Record<string, Capability[]> = {
  start_execution: ['startExecution'],
  describe_group: ['describeGroups', 'describeMembers'], // DescribeReplicationGroups + DescribeCacheClusters per member
  group_of_cluster: ['lookupAnyCluster'],
  list_records: ['listRecords'],
  change_batch: ['changeRecords'],
  change_status: ['getChange'],
  // The probe's AUTH secret (SecretSource::secret_string: Secrets Manager GetSecretValue
  // on the group's authSecretArn).
  secret_string: ['readProbeSecrets'],
};

/** Port methods called in `source` (as `.method(`), mapped to their capabilities. */
function portCallsIn(source: string): Capability[] {
  return Object.entries(PORT_CALLS)
    .filter(([method]) => new RegExp(`\\.${method}\\s*\\(`).test(source))
    .flatMap(([, c]) => c);
}

/** Non-test Rust source of a crate's src/ folder, modules in subfolders included. */
function sourceOf(dir: string): string {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .map((entry) => {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) return sourceOf(file);
      if (!entry.name.endsWith('.rs') || entry.name === 'tests.rs') return '';
      return fs.readFileSync(file, 'utf8').split('#[cfg(test)]')[0];
    })
    .join('\n');
}

/**
 * The shared pipeline steps (functions/replica-dns-lambda/src/steps.rs) call ports on a
 * function's behalf: each step function → the capabilities of the port calls in its body,
 * so a Lambda calling `describe_group(…)` from there needs what the port call needs.
 */
function sharedStepCalls(): Record<string, Capability[]> {
  const steps = fs.readFileSync(path.join(REPO_ROOT, 'functions', 'replica-dns-lambda', 'src', 'steps.rs'), 'utf8');
  const parts = steps.split(/\bpub (?:async )?fn /).slice(1);
  return Object.fromEntries(parts.map((part) => [part.split(/[<(\s]/)[0], portCallsIn(part)]));
}

function callsOf(name: string): Capability[] {
  const source = sourceOf(path.join(REPO_ROOT, 'functions', `replica-dns-${name}`, 'src'));
  const viaSteps = Object.entries(sharedStepCalls())
    .filter(([step]) => new RegExp(`(^|[^.\\w])${step}\\s*\\(`, 'm').test(source))
    .flatMap(([, c]) => c);
  return [...new Set([...portCallsIn(source), ...viaSteps])].sort();
}

test.each(FUNCTIONS)('%s is granted exactly the AWS calls its code makes', (name) => {
  const expected = [...new Set(callsOf(name))].sort();
  expect([...FUNCTION_CAPABILITIES[name]].sort()).toEqual(expected);
});

test('a Secrets Manager read through the port counts as the verify probe\'s secret capability', () => {
  expect(portCallsIn('let auth = secrets.secret_string(&arn).await?;')).toEqual(['readProbeSecrets']);
});
