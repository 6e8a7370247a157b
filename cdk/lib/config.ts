// The replica-dns configuration as the CDK app sees it: the JSON schema of
// functions/replica-dns-core/src/config.rs (camelCase), read from a file and validated.
//
// What this is NOT: a second implementation of the config rules. The full validation
// (names inside the zone, TTL range, template shape, …) lives in Rust and is run through
// the operator CLI `replica-dns validate-config <file>` at synth time, so the app and the
// Lambdas can never disagree about what a valid configuration is. The TypeScript check
// below covers only the fields CDK itself reads to build resources and IAM policies
// (zone ids, group ids, name templates, secret ARNs), so that a broken file fails with a message that
// names the field instead of a confusing template error.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { cacheDir, cargoTargetDir } from './cache-dir';

/** One managed replication group (core `GroupConfig`). */
export interface GroupConfig {
  readonly replicationGroupId: string;
  /** Route 53 hosted zone id, `Z…` without `/hostedzone/`. */
  readonly hostedZoneId: string;
  readonly zoneName: string;
  /** Slot name template with `{n}`, e.g. `replica{n}.orders.cache.internal.`. */
  readonly nameTemplate: string;
  readonly ttl?: number;
  readonly noReplicaPolicy?: 'primary' | 'keep' | 'delete';
  readonly adoptExisting?: boolean;
  /** Label prepended to a managed name to form its ownership TXT name (default `_rdns`). */
  readonly ownershipPrefix?: string;
  readonly azNames?: { readonly template: string };
  readonly pooledName?: { readonly name: string };
  /**
   * Full ARN of the Secrets Manager secret (with its random suffix) that the verify
   * probe reads to AUTH against a TLS + AUTH group. The CDK grants verify
   * `secretsmanager:GetSecretValue` on exactly these ARNs; the Rust validator owns the
   * format.
   */
  readonly authSecretArn?: string;
  /** Fields the Rust schema grows later are passed through to the functions untouched. */
  readonly [extra: string]: unknown;
}

/** The whole deployment's configuration (core `Config`). */
export interface ReplicaDnsConfig {
  readonly ownerId: string;
  readonly groups: readonly GroupConfig[];
  readonly [extra: string]: unknown;
}

/** A configuration problem, worded for the operator: it names the file and the field. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

/** `where` + `key` as a JSON path in the CLI's style: `groups[0].hostedZoneId`. */
function field(where: string, key: string): string {
  return where === '' ? key : `${where}.${key}`;
}

function requireString(obj: Record<string, unknown>, key: string, where: string): string {
  const value = obj[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new ConfigError(`${field(where, key)}: must be a non-empty string, found ${value === undefined ? 'nothing' : describe(value)}`);
  }
  return value;
}

function optionalString(obj: Record<string, unknown>, key: string, where: string): void {
  if (obj[key] !== undefined) requireString(obj, key, where);
}

function requireObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where || 'the configuration'}: must be a JSON object, found ${describe(value)}`);
  }
  return value as Record<string, unknown>;
}

/**
 * Checks the fields CDK builds resources from and returns the value typed.
 * Errors name the field as a JSON path, e.g. `groups[0].hostedZoneId: …`, like the CLI.
 */
export function checkConfigShape(value: unknown): ReplicaDnsConfig {
  const root = requireObject(value, '');
  requireString(root, 'ownerId', '');
  const groups = root.groups;
  if (!Array.isArray(groups) || groups.length === 0) {
    throw new ConfigError(`groups: must be a non-empty array of groups, found ${groups === undefined ? 'nothing' : describe(groups)}`);
  }
  const seen = new Set<string>();
  groups.forEach((raw, i) => {
    const where = `groups[${i}]`;
    const group = requireObject(raw, where);
    const id = requireString(group, 'replicationGroupId', where);
    if (seen.has(id.toLowerCase())) {
      throw new ConfigError(`${where}.replicationGroupId: "${id}" is configured twice (ids are case-insensitive)`);
    }
    seen.add(id.toLowerCase());
    const zoneId = requireString(group, 'hostedZoneId', where);
    if (!/^Z[A-Z0-9]{1,32}$/.test(zoneId)) {
      throw new ConfigError(`${where}.hostedZoneId: "${zoneId}" is not a Route 53 hosted zone id (expected Z followed by upper-case letters and digits, without /hostedzone/)`);
    }
    requireString(group, 'zoneName', where);
    const template = requireString(group, 'nameTemplate', where);
    if (!template.includes('{n}')) {
      throw new ConfigError(`${where}.nameTemplate: "${template}" has no {n} placeholder for the slot number`);
    }
    optionalString(group, 'ownershipPrefix', where);
    optionalString(group, 'authSecretArn', where);
    if (group.azNames !== undefined) {
      const az = requireObject(group.azNames, `${where}.azNames`);
      const azTemplate = requireString(az, 'template', `${where}.azNames`);
      if (!azTemplate.includes('{az}')) {
        throw new ConfigError(`${where}.azNames.template: "${azTemplate}" has no {az} placeholder`);
      }
    }
    if (group.pooledName !== undefined) {
      requireString(requireObject(group.pooledName, `${where}.pooledName`), 'name', `${where}.pooledName`);
    }
  });
  return root as unknown as ReplicaDnsConfig;
}

/** Where the operator CLI may have been built, newest first is chosen among these. */
export function cliCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const repoRoot = path.resolve(__dirname, '..', '..');
  const targetDirs = [
    env.CARGO_TARGET_DIR,
    `${cacheDir(env)}/target`,
    path.join(repoRoot, 'target'),
  ].filter((d): d is string => typeof d === 'string' && d !== '');
  const out: string[] = [];
  for (const dir of targetDirs) {
    for (const profile of ['release', 'debug']) out.push(path.join(dir, profile, 'replica-dns'));
  }
  return out;
}

/**
 * Finds the `replica-dns` CLI binary: `REPLICA_DNS_CLI` if set, else the most recently
 * built one under the cargo target directories.
 */
export function findCli(env: NodeJS.ProcessEnv = process.env, candidates: string[] = cliCandidates(env)): string {
  if (env.REPLICA_DNS_CLI) {
    if (!fs.existsSync(env.REPLICA_DNS_CLI)) {
      throw new ConfigError(`REPLICA_DNS_CLI=${env.REPLICA_DNS_CLI} does not exist`);
    }
    return env.REPLICA_DNS_CLI;
  }
  const found = candidates
    .filter((p) => fs.existsSync(p))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  if (found.length === 0) {
    throw new ConfigError(
      'the replica-dns CLI, which validates the configuration at synth time, is not built. ' +
        'Build it from the repository root with:\n' +
        `  CARGO_TARGET_DIR=${cargoTargetDir(env)} cargo build -p replica-dns-cli\n` +
        `or point REPLICA_DNS_CLI at a built binary. Looked in: ${candidates.join(', ')}`,
    );
  }
  return found[0];
}

/**
 * The construct ships the configuration to the functions as a file in a layer (the
 * environment's 4 KiB holds about a dozen groups), so the CLI checks it against the
 * file's budget (core `config::Delivery::File`).
 */
const CONFIG_DELIVERY = ['--delivery', 'file'] as const;

/** Where the functions find the configuration: the layer's `replica-dns/config.json` under `/opt`. */
export const CONFIG_FILE_IN_LAYER = '/opt/replica-dns/config.json';

/**
 * Runs one of the CLI's validators (`validate-config`, `validate-execution-defaults`) on
 * `arg`, a file or `-` with `input` on stdin. When it refuses, throws `heading` followed
 * by what the CLI said (each problem as `field.path: reason`).
 */
function validateByCli(cli: string, command: string, args: readonly string[], heading: string, input?: string): void {
  const result = spawnSync(cli, [command, ...args], { encoding: 'utf8', input });
  // A validator that exits before reading all of stdin leaves an EPIPE beside its status.
  if (result.error && result.status === null) {
    throw new ConfigError(`could not run ${cli}: ${result.error.message}`);
  }
  if (result.status !== 0) {
    const said = `${result.stderr ?? ''}${result.stdout ?? ''}`.trim();
    throw new ConfigError(`${heading}:\n${said || `${cli} ${command} exited with status ${result.status}`}`);
  }
}

/**
 * Runs `replica-dns validate-config <file>`; throws its message (which names the field)
 * when the configuration is invalid.
 */
export function validateWithCli(file: string, cli: string = findCli()): void {
  validateByCli(cli, 'validate-config', [...CONFIG_DELIVERY, file], `${file} is not a valid replica-dns configuration`);
}

/**
 * Validates a configuration given as a value (e.g. the construct's `config` prop) with
 * the same Rust validator as a file: `replica-dns validate-config -`, the JSON the
 * functions will receive on stdin.
 */
export function validateConfigValue(config: unknown, cli: string = findCli()): void {
  validateByCli(cli, 'validate-config', [...CONFIG_DELIVERY, '-'], 'the configuration given to ReplicaDns is not a valid replica-dns configuration', JSON.stringify(config));
}

/**
 * Validates execution defaults (the construct's `executionDefaults`, the trigger's
 * REPLICA_DNS_EXECUTION_DEFAULTS) with `replica-dns validate-execution-defaults -`: a
 * misspelt key or a value out of range fails the synth instead of every trigger start-up.
 */
export function validateExecutionDefaults(defaults: unknown, cli: string = findCli()): void {
  validateByCli(
    cli,
    'validate-execution-defaults',
    ['-'],
    'executionDefaults are not valid (the trigger would refuse them at start-up, and with them every notification)',
    JSON.stringify(defaults),
  );
}

export interface LoadConfigOptions {
  /** Path to the CLI; found with {@link findCli} when absent. */
  readonly cli?: string;
  /** Skip the CLI (tests of the TypeScript shape check only). */
  readonly skipCli?: boolean;
}

/**
 * Reads a configuration file, validates it with the Rust rules (CLI) and checks the
 * fields CDK needs. Returns the parsed configuration exactly as written, so the
 * functions receive what the operator wrote.
 */
export function loadConfigFile(file: string, options: LoadConfigOptions = {}): ReplicaDnsConfig {
  if (!fs.existsSync(file)) {
    throw new ConfigError(`configuration file ${file} does not exist`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${file} is not JSON: ${(e as Error).message}`);
  }
  if (!options.skipCli) validateWithCli(file, options.cli ?? findCli());
  try {
    return checkConfigShape(parsed);
  } catch (e) {
    if (e instanceof ConfigError) throw new ConfigError(`${file}: ${e.message}`);
    throw e;
  }
}
