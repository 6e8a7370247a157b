// The DNS names replica-dns may write, per group, in the form IAM compares them (the
// values of `route53:ChangeResourceRecordSetsNormalizedRecordNames`), and the record
// types it writes: the output of `replica-dns managed-names -`, which renders them with
// the core's one implementation of the slot template, the ownership TXT name, the pooled
// and AZ names and Route 53's normalisation.
//
// What this is NOT: a second implementation of any of those rules. The construct only
// puts the CLI's names into the record-level IAM condition. AZ names are exact too: the
// construct passes the region's Availability Zones and the CLI renders each group's AZ
// name for each of them, so no wildcard can stand for (or span) a label.

import { cliJson } from './cli';
import { ConfigError, ReplicaDnsConfig, findCli } from './config';

/** One group's names. */
export interface GroupManagedNames {
  readonly replicationGroupId: string;
  readonly hostedZoneId: string;
  /** Exact names: every slot, the pooled name, the AZ name of each given AZ, and the ownership TXT name of each. */
  readonly normalizedRecordNames: readonly string[];
}

/** The output of `replica-dns managed-names` (extra keys are ignored). */
export interface ManagedNames {
  readonly groups: readonly GroupManagedNames[];
  /** The record types replica-dns writes (CNAME for the names, TXT for ownership). */
  readonly recordTypes: readonly string[];
}

function fail(source: string, what: string, value: unknown): never {
  throw new ConfigError(`${source}: ${what}, found ${JSON.stringify(value)}`);
}

function text(value: unknown, where: string, source: string): string {
  if (typeof value !== 'string' || value === '') fail(source, `${where} must be a non-empty string`, value);
  return value;
}

function texts(value: unknown, where: string, source: string, nonEmpty: boolean): string[] {
  if (!Array.isArray(value) || (nonEmpty && value.length === 0)) fail(source, `${where} must be ${nonEmpty ? 'a non-empty' : 'an'} array of strings`, value);
  return value.map((v, i) => text(v, `${where}[${i}]`, source));
}

/** Checks the CLI's JSON; errors name `source` and the key, e.g. `groups[1].normalizedRecordNames`. */
export function parseManagedNames(value: unknown, source: string): ManagedNames {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(source, 'the output must be a JSON object', value);
  const root = value as Record<string, unknown>;
  if (!Array.isArray(root.groups) || root.groups.length === 0) fail(source, 'groups must be a non-empty array', root.groups);
  const groups = root.groups.map((raw, i): GroupManagedNames => {
    const where = `groups[${i}]`;
    if (typeof raw !== 'object' || raw === null) fail(source, `${where} must be an object`, raw);
    const g = raw as Record<string, unknown>;
    return {
      replicationGroupId: text(g.replicationGroupId, `${where}.replicationGroupId`, source),
      hostedZoneId: text(g.hostedZoneId, `${where}.hostedZoneId`, source),
      normalizedRecordNames: texts(g.normalizedRecordNames, `${where}.normalizedRecordNames`, source, true),
    };
  });
  return { groups, recordTypes: texts(root.recordTypes, 'recordTypes', source, true) };
}

/**
 * Runs `replica-dns managed-names -` with `config` on stdin (the CLI validates it first)
 * and the region's `availabilityZones` (each as `--availability-zone`; the CLI refuses a
 * configuration with AZ names without them) and returns the names, checked against the
 * configuration's groups.
 */
export function readManagedNames(config: ReplicaDnsConfig, cli: string = findCli(), availabilityZones: readonly string[] = []): ManagedNames {
  const source = `${cli} managed-names`;
  const args = ['managed-names', '-', ...availabilityZones.flatMap((az) => ['--availability-zone', az])];
  const names = parseManagedNames(
    cliJson(cli, args, 'The synth builds the record-level IAM condition (the names apply may change) from this command.', JSON.stringify(config)),
    source,
  );
  const want = config.groups.map((g) => `${g.replicationGroupId}@${g.hostedZoneId}`);
  const got = names.groups.map((g) => `${g.replicationGroupId}@${g.hostedZoneId}`);
  if (JSON.stringify(want) !== JSON.stringify(got)) {
    throw new ConfigError(`${source}: printed the groups ${got.join(', ')}, not the configuration's ${want.join(', ')}`);
  }
  return names;
}
