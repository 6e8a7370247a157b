// The ready-to-deploy stack: one `ReplicaDns` whose settings come from CDK context
// (`-c key=value` or cdk.json) and whose function configuration comes from the JSON file
// named by `-c configFile=…` — the same file the operator validates with
// `replica-dns validate-config` and the functions read.
//
// What this is NOT: the construct (lib/replica-dns.ts) — embed that in your own app
// instead of this stack when you need more control.

import * as path from 'path';
import { CfnOutput, Duration, RemovalPolicy, Stack, StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { checkAssets } from './assets';
import { LoadConfigOptions, ReplicaDnsConfig, findCli, loadConfigFile } from './config';
import { FunctionLimits, readFunctionLimits } from './function-limits';
import { MetricCatalog, readMetricCatalog } from './metrics';
import { FUNCTIONS, ReplicaDns } from './replica-dns';

/** Where the verify function runs, given as plain ids (no VPC lookup, so synth needs no AWS credentials). */
export interface VerifyVpcContext {
  readonly vpcId: string;
  readonly vpcCidrBlock: string;
  readonly availabilityZones: string[];
  readonly privateSubnetIds: string[];
  readonly redisPort?: number;
}

/** Everything the stack takes, after parsing the context. */
export interface ReplicaDnsStackSettings {
  readonly config: ReplicaDnsConfig;
  readonly configFile: string;
  /** The region's Availability Zones for AZ names (context `availabilityZones`). */
  readonly availabilityZones?: string[];
  readonly architecture: lambda.Architecture;
  readonly assetsDir: string;
  readonly eventTopicArn?: string;
  readonly alarmTopicArn?: string;
  /** `null`: drift check off. */
  readonly driftCheckRate: Duration | null;
  readonly logRetention: logs.RetentionDays;
  /** @default the construct's: RETAIN */
  readonly logRemovalPolicy?: RemovalPolicy;
  /** @default the construct's: INFO */
  readonly logLevel?: lambda.ApplicationLogLevel;
  readonly verifyVpc?: VerifyVpcContext;
  readonly executionDefaults?: Record<string, number | boolean>;
  /**
   * Each function's timeout and memory, from `replica-dns function-limits`. Absent only
   * when the CLI was skipped; the construct then runs the CLI itself.
   */
  readonly functionLimits?: FunctionLimits;
  /**
   * The functions' metrics, from `replica-dns metrics`. Absent only when the CLI was
   * skipped; the construct then runs the CLI itself.
   */
  readonly metricCatalog?: MetricCatalog;
  /** ARNs of the customer-managed KMS keys of the groups' AUTH secrets (verify may decrypt). */
  readonly probeSecretKeyArns?: string[];
}

export interface ReplicaDnsStackProps extends StackProps {
  readonly settings: ReplicaDnsStackSettings;
}

/** A context problem, naming the `-c` key. */
export class SettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingsError';
  }
}

type Context = (key: string) => unknown;

function contextString(ctx: Context, key: string): string | undefined {
  const v = ctx(key);
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
    throw new SettingsError(`context ${key} must be a string, found ${JSON.stringify(v)}`);
  }
  return String(v);
}

function contextJson(ctx: Context, key: string): unknown {
  const v = ctx(key);
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch (e) {
    throw new SettingsError(`context ${key} must be JSON: ${(e as Error).message}`);
  }
}

const RETENTION_DAYS = new Set(Object.values(logs.RetentionDays).filter((v): v is number => typeof v === 'number'));

/**
 * Reads the stack's settings from CDK context. Keys (all optional except configFile):
 * configFile, architecture (arm64 | x86_64), assetsDir, eventTopicArn, alarmTopicArn,
 * driftCheckMinutes (number or "off"), logRetentionDays, logRemovalPolicy (retain | destroy),
 * logLevel (TRACE | DEBUG | INFO | WARN | ERROR), verifyVpc (JSON), executionDefaults (JSON),
 * probeSecretKeyArns (JSON array of KMS key ARNs), availabilityZones (comma-separated: the
 * region's zones, for AZ names; default: CDK's lookup for the stack's account and region).
 */
export function settingsFromContext(ctx: Context, options: LoadConfigOptions & { baseDir?: string } = {}): ReplicaDnsStackSettings {
  const baseDir = options.baseDir ?? process.cwd();
  const configFile = contextString(ctx, 'configFile');
  if (!configFile) {
    throw new SettingsError('no configuration file: pass -c configFile=path/to/config.json (see config/example.json)');
  }
  const configPath = path.resolve(baseDir, configFile);
  const config = loadConfigFile(configPath, options);
  const functionLimits = options.skipCli ? undefined : readFunctionLimits(options.cli ?? findCli());
  const metricCatalog = options.skipCli ? undefined : readMetricCatalog(options.cli ?? findCli());

  const archName = contextString(ctx, 'architecture') ?? 'arm64';
  const architecture =
    archName === 'arm64' ? lambda.Architecture.ARM_64 : archName === 'x86_64' ? lambda.Architecture.X86_64 : undefined;
  if (!architecture) throw new SettingsError(`context architecture must be arm64 or x86_64, found "${archName}"`);

  const drift = contextString(ctx, 'driftCheckMinutes') ?? '15';
  let driftCheckRate: Duration | null;
  if (drift === 'off') {
    driftCheckRate = null;
  } else {
    const minutes = Number(drift);
    if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440) {
      throw new SettingsError(`context driftCheckMinutes must be a whole number of minutes from 1 to 1440, or "off"; found "${drift}"`);
    }
    driftCheckRate = Duration.minutes(minutes);
  }

  const retentionText = contextString(ctx, 'logRetentionDays') ?? '30';
  const retention = Number(retentionText);
  if (!RETENTION_DAYS.has(retention)) {
    throw new SettingsError(`context logRetentionDays must be one of CloudWatch's retention periods (${[...RETENTION_DAYS].sort((a, b) => a - b).join(', ')}); found "${retentionText}"`);
  }

  const removalText = contextString(ctx, 'logRemovalPolicy');
  const removal = removalText === undefined ? undefined : ({ retain: RemovalPolicy.RETAIN, destroy: RemovalPolicy.DESTROY } as Record<string, RemovalPolicy>)[removalText];
  if (removalText !== undefined && removal === undefined) {
    throw new SettingsError(`context logRemovalPolicy must be retain (keep the logs when the stack is deleted) or destroy, found "${removalText}"`);
  }

  const levelText = contextString(ctx, 'logLevel');
  const levels = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];
  if (levelText !== undefined && !levels.includes(levelText.toUpperCase())) {
    throw new SettingsError(`context logLevel must be one of ${levels.join(', ')}, found "${levelText}"`);
  }

  for (const key of ['eventTopicArn', 'alarmTopicArn']) {
    const arn = contextString(ctx, key);
    if (arn && !/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/.test(arn)) {
      throw new SettingsError(`context ${key} "${arn}" is not an SNS topic ARN`);
    }
  }

  let verifyVpc: VerifyVpcContext | undefined;
  const vpcRaw = contextJson(ctx, 'verifyVpc');
  if (vpcRaw !== undefined && vpcRaw !== null && vpcRaw !== '') {
    const v = vpcRaw as Record<string, unknown>;
    const need = (k: string, ok: (x: unknown) => boolean, what: string) => {
      if (!ok(v[k])) throw new SettingsError(`context verifyVpc.${k} must be ${what}, found ${JSON.stringify(v[k])}`);
    };
    const isStrings = (x: unknown) => Array.isArray(x) && x.length > 0 && x.every((s) => typeof s === 'string' && s !== '');
    need('vpcId', (x) => typeof x === 'string' && x.startsWith('vpc-'), 'a VPC id (vpc-…)');
    need('vpcCidrBlock', (x) => typeof x === 'string' && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(x), 'an IPv4 CIDR block');
    need('availabilityZones', isStrings, 'a non-empty array of AZ names');
    need('privateSubnetIds', isStrings, 'a non-empty array of subnet ids (one per AZ, same order)');
    if (v.redisPort !== undefined) need('redisPort', (x) => Number.isInteger(x) && (x as number) > 0 && (x as number) < 65536, 'a TCP port');
    if ((v.availabilityZones as string[]).length !== (v.privateSubnetIds as string[]).length) {
      throw new SettingsError('context verifyVpc.privateSubnetIds must list one subnet per entry of verifyVpc.availabilityZones');
    }
    verifyVpc = v as unknown as VerifyVpcContext;
  }

  const defaults = contextJson(ctx, 'executionDefaults');
  if (defaults !== undefined && (typeof defaults !== 'object' || defaults === null || Array.isArray(defaults))) {
    throw new SettingsError(`context executionDefaults must be a JSON object such as {"waitSeconds":30}, found ${JSON.stringify(defaults)}`);
  }

  const keysRaw = contextJson(ctx, 'probeSecretKeyArns');
  let probeSecretKeyArns: string[] | undefined;
  if (keysRaw !== undefined && keysRaw !== null && keysRaw !== '') {
    const keyArn = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;
    if (!Array.isArray(keysRaw) || keysRaw.some((k) => typeof k !== 'string' || !keyArn.test(k))) {
      throw new SettingsError(
        `context probeSecretKeyArns must be a JSON array of KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>, not an alias), found ${JSON.stringify(keysRaw)}`,
      );
    }
    probeSecretKeyArns = keysRaw as string[];
  }

  // Each name is checked by the CLI (managed-names --availability-zone), not here.
  const availabilityZones = contextString(ctx, 'availabilityZones')?.split(',').map((z) => z.trim());

  return {
    config,
    configFile: configPath,
    availabilityZones,
    functionLimits,
    metricCatalog,
    architecture,
    assetsDir: path.resolve(baseDir, contextString(ctx, 'assetsDir') ?? path.join(__dirname, '..', 'assets')),
    eventTopicArn: contextString(ctx, 'eventTopicArn'),
    alarmTopicArn: contextString(ctx, 'alarmTopicArn'),
    driftCheckRate,
    logRetention: retention as logs.RetentionDays,
    logRemovalPolicy: removal,
    logLevel: levelText === undefined ? undefined : (levelText.toUpperCase() as lambda.ApplicationLogLevel),
    verifyVpc,
    executionDefaults: defaults as Record<string, number | boolean> | undefined,
    probeSecretKeyArns,
  };
}

export class ReplicaDnsStack extends Stack {
  public readonly replicaDns: ReplicaDns;

  constructor(scope: Construct, id: string, props: ReplicaDnsStackProps) {
    super(scope, id, props);
    const s = props.settings;
    checkAssets(s.assetsDir, FUNCTIONS, s.architecture);
    const vpc = s.verifyVpc
      ? ec2.Vpc.fromVpcAttributes(this, 'CacheVpc', {
          vpcId: s.verifyVpc.vpcId,
          vpcCidrBlock: s.verifyVpc.vpcCidrBlock,
          availabilityZones: s.verifyVpc.availabilityZones,
          privateSubnetIds: s.verifyVpc.privateSubnetIds,
        })
      : undefined;
    this.replicaDns = new ReplicaDns(this, 'ReplicaDns', {
      config: s.config,
      availabilityZones: s.availabilityZones,
      assetsDir: s.assetsDir,
      architecture: s.architecture,
      functionLimits: s.functionLimits,
      metricCatalog: s.metricCatalog,
      logRetention: s.logRetention,
      logRemovalPolicy: s.logRemovalPolicy,
      logLevel: s.logLevel,
      driftCheckRate: s.driftCheckRate,
      eventTopic: s.eventTopicArn ? sns.Topic.fromTopicArn(this, 'EventTopic', s.eventTopicArn) : undefined,
      alarmTopic: s.alarmTopicArn ? sns.Topic.fromTopicArn(this, 'AlarmTopic', s.alarmTopicArn) : undefined,
      verifyVpc: vpc
        ? { vpc, vpcSubnets: { subnets: vpc.privateSubnets }, redisPort: s.verifyVpc?.redisPort }
        : undefined,
      executionDefaults: s.executionDefaults,
      probeSecretKeys: s.probeSecretKeyArns?.map((arn, i) => kms.Key.fromKeyArn(this, `ProbeSecretKey${i}`, arn)),
    });
    new CfnOutput(this, 'EventTopicArn', {
      value: this.replicaDns.eventTopic.topicArn,
      description: 'Set this as the SNS notification topic of each managed replication group',
    });
    new CfnOutput(this, 'StateMachineArn', {
      value: this.replicaDns.stateMachine.stateMachineArn,
      description: 'Start an execution with {"all": true} or {"replicationGroupId": "…"} to resync by hand',
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      value: this.replicaDns.alarmTopic.topicArn,
      description: 'Subscribe your on-call address to this topic',
    });
  }
}
