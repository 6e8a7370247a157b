// The cache directory rule (issue 11, item 4: no hard-coded /root paths): the CDK app's
// copy (lib/cache-dir.ts) agrees with the scripts' one (tests/cache-dir.sh), and the CLI
// search follows it.

import { spawnSync } from 'child_process';
import * as path from 'path';
import { cacheDir, cargoTargetDir } from '../lib/cache-dir';
import { cliCandidates } from '../lib/config';
import { REPO_ROOT } from './helpers';

interface Case {
  readonly name: string;
  readonly env: Record<string, string>;
  readonly cache: string;
  readonly target: string;
}

const CASES: Case[] = [
  { name: 'root keeps /root/.cache', env: { HOME: '/root' }, cache: '/root/.cache/replica-dns', target: '/root/.cache/replica-dns/target' },
  { name: 'another user, HOME only', env: { HOME: '/home/ops' }, cache: '/home/ops/.cache/replica-dns', target: '/home/ops/.cache/replica-dns/target' },
  { name: 'XDG_CACHE_HOME wins over HOME', env: { HOME: '/home/ops', XDG_CACHE_HOME: '/var/cache/ops' }, cache: '/var/cache/ops/replica-dns', target: '/var/cache/ops/replica-dns/target' },
  { name: 'an empty XDG_CACHE_HOME counts as unset', env: { HOME: '/home/ops', XDG_CACHE_HOME: '' }, cache: '/home/ops/.cache/replica-dns', target: '/home/ops/.cache/replica-dns/target' },
  { name: 'REPLICA_DNS_CACHE_DIR wins over both', env: { HOME: '/home/ops', XDG_CACHE_HOME: '/x', REPLICA_DNS_CACHE_DIR: '/srv/rd' }, cache: '/srv/rd', target: '/srv/rd/target' },
  { name: 'CARGO_TARGET_DIR is kept', env: { HOME: '/home/ops', CARGO_TARGET_DIR: '/build/t' }, cache: '/home/ops/.cache/replica-dns', target: '/build/t' },
];

/** What tests/cache-dir.sh sets, in a shell with exactly `env`. */
function fromShell(env: Record<string, string>): { cache: string; target: string } {
  const script = `. ${JSON.stringify(path.join(REPO_ROOT, 'tests', 'cache-dir.sh'))} && printf '%s\\n%s\\n' "$REPLICA_DNS_CACHE_DIR" "$CARGO_TARGET_DIR"`;
  const run = spawnSync('/bin/bash', ['-c', script], { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`tests/cache-dir.sh failed: ${run.stderr}`);
  const [cache, target] = run.stdout.split('\n');
  return { cache, target };
}

describe.each(CASES)('$name', (c) => {
  test('the CDK app finds that cache and target dir', () => {
    expect({ cache: cacheDir(c.env), target: cargoTargetDir(c.env) }).toEqual({ cache: c.cache, target: c.target });
  });

  test('tests/cache-dir.sh says the same', () => {
    expect(fromShell(c.env)).toEqual({ cache: c.cache, target: c.target });
  });
});

test('the CLI is looked for under the cache directory of the user running the synth', () => {
  expect(cliCandidates({ HOME: '/home/ops' })).toContain('/home/ops/.cache/replica-dns/target/debug/replica-dns');
  expect(cliCandidates({ HOME: '/home/ops' }).filter((p) => p.startsWith('/root/'))).toEqual([]);
});
