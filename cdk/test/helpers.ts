// Shared test fixtures: fake function assets (ELF headers only), test configurations,
// and lookups into a synthesised template (a function's IAM statements).

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks, INagLogger } from 'cdk-nag';
import { ReplicaDnsConfig } from '../lib/config';
import { FUNCTIONS, FunctionLimits, MetricCatalog, ReplicaDns, ReplicaDnsProps } from '../lib/replica-dns';

export const ACCOUNT = '123456789012';
export const REGION = 'eu-west-1';
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const ASL_FILE = path.join(REPO_ROOT, 'statemachine', 'replica-dns.asl.json');

/** The Secrets Manager secret the second group's verify probe AUTHs with. */
export const SESSIONS_SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:123456789012:secret:replica-dns/sessions-auth-AbCdEf`;

/**
 * Two zones; the second group has AZ and pooled names, its own ownership prefix and an
 * AUTH secret for the probe.
 */
export const TEST_CONFIG: ReplicaDnsConfig = {
  ownerId: 'replica-dns-test',
  groups: [
    {
      replicationGroupId: 'orders',
      hostedZoneId: 'Z0ORDERS1234567890',
      zoneName: 'cache.internal.',
      nameTemplate: 'replica{n}.orders.cache.internal.',
      ttl: 10,
    },
    {
      replicationGroupId: 'sessions',
      hostedZoneId: 'Z0SESSIONS12345678',
      zoneName: 'sessions.example.',
      nameTemplate: 'Replica{n}.Sessions.Example.',
      ownershipPrefix: '_own',
      azNames: { template: 'replica-{az}.sessions.example.' },
      pooledName: { name: 'pool.sessions.example.' },
      authSecretArn: SESSIONS_SECRET_ARN,
    },
  ],
};

/**
 * What `replica-dns function-limits` prints, for synths that must not depend on the CLI.
 * Deliberately not the Rust numbers (core limits.rs): every function differs, so a test
 * that finds these in the template shows the settings come from the limits, not from a
 * copy in TypeScript.
 */
export const TEST_LIMITS: FunctionLimits = {
  functions: {
    trigger: { timeoutSeconds: 31, memoryMb: 128 },
    filter: { timeoutSeconds: 32, memoryMb: 192 },
    snapshot: { timeoutSeconds: 33, memoryMb: 256 },
    'await-nodes': { timeoutSeconds: 34, memoryMb: 320 },
    plan: { timeoutSeconds: 35, memoryMb: 384 },
    apply: { timeoutSeconds: 36, memoryMb: 448 },
    verify: { timeoutSeconds: 61, memoryMb: 512 },
  },
  sdk: { connectTimeoutMs: 3100, attemptTimeoutMs: 5000, operationTimeoutMs: 20000 },
  taskTimeoutSeconds: 90,
};

/**
 * What `replica-dns metrics` prints, for synths that must not depend on the CLI. The
 * namespace and the Outcome values are deliberately not the Rust ones, so a test that
 * finds them in the template shows they come from the catalogue, not from TypeScript.
 */
export const TEST_METRICS: MetricCatalog = {
  namespace: 'ReplicaDnsTest',
  metrics: [
    { name: 'ChangesApplied', unit: 'Count', dimensions: ['ReplicationGroupId'], description: 'Route 53 changes applied.' },
    { name: 'TopicNotActive', unit: 'Count', dimensions: ['ReplicationGroupId'], description: '1 when a member notifies no active topic.' },
    { name: 'TimeToSafe', unit: 'Milliseconds', dimensions: ['ReplicationGroupId'], description: 'Notification to the batch that left the primary.' },
    { name: 'InterimRoutingSeconds', unit: 'Seconds', dimensions: ['ReplicationGroupId'], description: 'How long names were routed interim.' },
    { name: 'Executions', unit: 'Count', dimensions: ['ReplicationGroupId', 'Outcome'], description: 'A group\'s part of an execution, by outcome.' },
  ] as MetricCatalog['metrics'],
  dimensionValues: { Outcome: ['Moved', 'Still'] },
};

/** A minimal 64-bit little-endian ELF header for `arch`: enough for the asset check. */
export function elfHeader(arch: 'x86_64' | 'arm64'): Buffer {
  const b = Buffer.alloc(64);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // 64-bit
  b[5] = 1; // little endian
  b[6] = 1;
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(arch === 'x86_64' ? 0x3e : 0xb7, 18);
  return b;
}

/** A stand-in `replica-dns` CLI: a shell script running `script` (arguments in $1, $2, …). */
export function fakeCli(script: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-dns-cli-'));
  const file = path.join(dir, 'replica-dns');
  fs.writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
  return file;
}

/** A temporary assets directory with `<function>/bootstrap` for every function. */
export function fakeAssets(arch: 'x86_64' | 'arm64' = 'arm64', only: readonly string[] = FUNCTIONS): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-dns-assets-'));
  for (const name of only) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'bootstrap'), elfHeader(arch), { mode: 0o755 });
  }
  return dir;
}

/** One cdk-nag finding: a rule a resource breaks, suppressed or not. */
export interface NagFinding {
  readonly ruleId: string;
  /** The granular finding (`Resource::*`, …), '' for a rule without findings. */
  readonly findingId: string;
  /** Construct path of the CfnResource, e.g. `Test/ReplicaDns/FilterRole/DefaultPolicy/Resource`. */
  readonly path: string;
  readonly suppressed: boolean;
}

/** What the AwsSolutions pack reported while synthesising. */
export interface NagReport {
  readonly findings: NagFinding[];
  /** Every rule id the pack evaluated on some resource (the rules the pinned cdk-nag has). */
  readonly rules: Set<string>;
}

function nagRecorder(report: NagReport): INagLogger {
  const rule = (d: { ruleId: string }) => void report.rules.add(d.ruleId);
  return {
    onCompliance: rule,
    onNotApplicable: rule,
    onError: rule,
    onSuppressedError: rule,
    onNonCompliance: (d) => {
      rule(d);
      report.findings.push({ ruleId: d.ruleId, findingId: d.findingId, path: d.resource.node.path, suppressed: false });
    },
    onSuppressed: (d) => {
      rule(d);
      report.findings.push({ ruleId: d.ruleId, findingId: d.findingId, path: d.resource.node.path, suppressed: true });
    },
  };
}

export interface Synth {
  readonly app: App;
  readonly stack: Stack;
  readonly construct: ReplicaDns;
  readonly template: Template;
  readonly nag: NagReport;
}

/** Synthesises a stack holding one ReplicaDns, with cdk-nag's AwsSolutions checks applied. */
export function synthConstruct(props: Partial<ReplicaDnsProps> = {}, extend?: (stack: Stack) => Partial<ReplicaDnsProps>): Synth {
  const app = new App();
  const stack = new Stack(app, 'Test', { env: { account: ACCOUNT, region: REGION } });
  const construct = new ReplicaDns(stack, 'ReplicaDns', {
    config: TEST_CONFIG,
    functionLimits: TEST_LIMITS,
    metricCatalog: TEST_METRICS,
    assetsDir: fakeAssets(props.architecture === lambda.Architecture.X86_64 ? 'x86_64' : 'arm64'),
    ...props,
    ...(extend ? extend(stack) : {}),
  });
  const nag: NagReport = { findings: [], rules: new Set() };
  Aspects.of(app).add(new AwsSolutionsChecks({ additionalLoggers: [nagRecorder(nag)] }));
  const template = Template.fromStack(stack);
  return { app, stack, construct, template, nag };
}

export type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

export function asArray<T>(x: T | T[]): T[] {
  return Array.isArray(x) ? x : [x];
}

/** Every statement of the inline policies attached to `role`. */
export function roleStatements(s: Synth, role: iam.IRole): Statement[] {
  const roleId = s.stack.getLogicalId((role as iam.Role).node.defaultChild as CfnResource);
  const policies = s.template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((p) => asArray(p.Properties.Roles).some((r: { Ref?: string }) => r.Ref === roleId))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** The actions a function's role may perform, sorted. */
export function functionActions(s: Synth, fn: lambda.Function): string[] {
  return [...new Set(roleStatements(s, fn.role as iam.IRole).flatMap((st) => asArray(st.Action)))].sort();
}

/** One widget of the dashboard, tokens written as `<{"Ref":"…"}>` inside its strings. */
export interface Widget {
  readonly type: string;
  readonly properties: {
    readonly title?: string;
    readonly markdown?: string;
    readonly alarms?: string[];
    readonly metrics?: (string | { stat?: string; label?: string })[][];
  };
}

/** The widgets of the construct's dashboard, parsed from its DashboardBody (an Fn::Join). */
export function dashboardWidgets(s: Synth): Widget[] {
  const body = s.template.toJSON().Resources[logicalId(s, s.construct.dashboard)].Properties.DashboardBody;
  const parts: unknown[] = typeof body === 'string' ? [body] : body['Fn::Join'][1];
  const text = parts.map((p) => (typeof p === 'string' ? p : `<${JSON.stringify(p).replace(/["\\]/g, '')}>`)).join('');
  return JSON.parse(text).widgets;
}

export function logicalId(s: Synth, construct: { node: { defaultChild?: unknown } }): string {
  return s.stack.getLogicalId(construct.node.defaultChild as CfnResource);
}
