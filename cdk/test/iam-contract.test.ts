// Contract between each function's Rust code and its IAM permissions: the AWS port
// methods a function calls (functions/replica-dns-<name>/src, tests excluded) map to
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
};

function callsOf(name: string): Capability[] {
  const dir = path.join(REPO_ROOT, 'functions', `replica-dns-${name}`, 'src');
  const source = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.rs') && f !== 'tests.rs')
    .map((f) => fs.readFileSync(path.join(dir, f), 'utf8').split('#[cfg(test)]')[0])
    .join('\n');
  const caps = Object.entries(PORT_CALLS)
    .filter(([method]) => new RegExp(`\\.${method}\\s*\\(`).test(source))
    .flatMap(([, c]) => c);
  return [...new Set(caps)].sort();
}

test.each(FUNCTIONS)('%s is granted exactly the AWS calls its code makes', (name) => {
  expect([...FUNCTION_CAPABILITIES[name]].sort()).toEqual(callsOf(name));
});
