// The names apply may change come from `replica-dns managed-names` (core
// GroupConfig::managed_names): the CLI is called with the configuration on stdin and its
// output is checked. The names in the synthesised IAM condition are asserted in
// replica-dns.test.ts ("least privilege"), with the real CLI.

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { findCli } from '../lib/config';
import { parseManagedNames, readManagedNames } from '../lib/managed-names';
import { TEST_CONFIG, fakeCli } from './helpers';

const names = (groups: unknown[]) => ({ groups, recordTypes: ['CNAME', 'TXT'], maxReplicas: 5 });
const group = (g: { replicationGroupId: string; hostedZoneId: string }) => ({
  replicationGroupId: g.replicationGroupId,
  hostedZoneId: g.hostedZoneId,
  normalizedRecordNames: ['r1.x', '_rdns.r1.x'],
});

test('the CLI is called as `managed-names -` with the configuration on stdin', () => {
  const seen = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'stdin.json');
  const out = JSON.stringify(names(TEST_CONFIG.groups.map(group)));
  const cli = fakeCli(`[ "$1" = managed-names ] && [ "$2" = - ] || exit 9; cat > ${seen}; echo '${out}'`);
  expect(readManagedNames(TEST_CONFIG, cli).groups.map((g) => g.replicationGroupId)).toEqual(['orders', 'sessions']);
  expect(JSON.parse(fs.readFileSync(seen, 'utf8'))).toEqual(TEST_CONFIG);
});

test('a CLI that refuses the configuration passes its message on, saying what the synth needs it for', () => {
  const cli = fakeCli('cat >/dev/null; echo "groups[0].ttl: must be between 1 and 3600 seconds, found 0" >&2; exit 1');
  expect(() => readManagedNames(TEST_CONFIG, cli)).toThrow(/managed-names - failed \(exit status 1\):\ngroups\[0\]\.ttl: must be between[^]*record-level IAM condition/);
});

test('names for other groups than the configuration\'s are refused', () => {
  const out = JSON.stringify(names([group(TEST_CONFIG.groups[0])]));
  expect(() => readManagedNames(TEST_CONFIG, fakeCli(`cat >/dev/null; echo '${out}'`))).toThrow(/printed the groups orders@Z0ORDERS1234567890, not the configuration's orders@Z0ORDERS1234567890, sessions@Z0SESSIONS12345678/);
});

test('a group without names is named', () => {
  expect(() => parseManagedNames(names([{ ...group(TEST_CONFIG.groups[0]), normalizedRecordNames: [] }]), 'cli managed-names')).toThrow(
    /^cli managed-names: groups\[0\]\.normalizedRecordNames must be a non-empty array of strings, found \[\]$/,
  );
});

test('the Availability Zones are passed as --availability-zone, one each', () => {
  const out = JSON.stringify(names(TEST_CONFIG.groups.map(group)));
  const cli = fakeCli(`[ "$*" = "managed-names - --availability-zone eu-west-1a --availability-zone eu-west-1b" ] || exit 9; cat >/dev/null; echo '${out}'`);
  expect(readManagedNames(TEST_CONFIG, cli, ['eu-west-1a', 'eu-west-1b']).groups).toHaveLength(2);
});

test('the real CLI gives each group its slot names 1..5 with their ownership TXT names, lower case and without the trailing dot', () => {
  const real = readManagedNames(TEST_CONFIG, findCli(), ['eu-west-1a', 'eu-west-1b']);
  expect(real.groups[0].normalizedRecordNames).toEqual([1, 2, 3, 4, 5].flatMap((n) => [`replica${n}.orders.cache.internal`, `_rdns.replica${n}.orders.cache.internal`]));
  expect(real.recordTypes).toEqual(['CNAME', 'TXT']);
  // AZ names exactly, one per given AZ, each with its TXT name.
  expect(real.groups[1].normalizedRecordNames.slice(-4)).toEqual([
    'replica-eu-west-1a.sessions.example', '_own.replica-eu-west-1a.sessions.example',
    'replica-eu-west-1b.sessions.example', '_own.replica-eu-west-1b.sessions.example',
  ]);
});

test('the real CLI refuses AZ names without the region\'s zones', () => {
  expect(() => readManagedNames(TEST_CONFIG, findCli())).toThrow(/group sessions configures azNames[^]*--availability-zone/);
});
