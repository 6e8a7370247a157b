// The ready-to-deploy stack: settings from context, and the variant where existing
// topics are imported, the drift check is off and the functions are x86_64.

import * as path from 'path';
import { App, Aspects, RemovalPolicy } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReplicaDnsStack, settingsFromContext } from '../lib/replica-dns-stack';
import { ACCOUNT, REGION, TEST_LIMITS, TEST_METRICS, fakeAssets } from './helpers';

const EXAMPLE = path.join(__dirname, '..', 'config', 'example.json');
const EVENT_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:elasticache-events`;
const ALARM_TOPIC = `arn:aws:sns:${REGION}:${ACCOUNT}:oncall`;

function ctx(values: Record<string, unknown>) {
  return (key: string) => values[key];
}

describe('settingsFromContext', () => {
  const base = { configFile: EXAMPLE };
  const read = (extra: Record<string, unknown>) => settingsFromContext(ctx({ ...base, ...extra }), { skipCli: true });

  test('needs a configuration file and says how to pass one', () => {
    expect(() => settingsFromContext(ctx({}), { skipCli: true })).toThrow(/-c configFile=/);
  });

  test('defaults to arm64', () => {
    expect(read({}).architecture.name).toBe('arm64');
  });

  test('names a wrong architecture', () => {
    expect(() => read({ architecture: 'amd64' })).toThrow(/context architecture must be arm64 or x86_64, found "amd64"/);
  });

  test('turns the drift check off with "off"', () => {
    expect(read({ driftCheckMinutes: 'off' }).driftCheckRate).toBeNull();
  });

  test('names a drift check rate that is not whole minutes', () => {
    expect(() => read({ driftCheckMinutes: '2.5' })).toThrow(/context driftCheckMinutes/);
  });

  test('names a log retention CloudWatch does not offer', () => {
    expect(() => read({ logRetentionDays: '31' })).toThrow(/context logRetentionDays/);
  });

  test('reads logLevel in any case and names a level the functions cannot log at', () => {
    expect(read({ logLevel: 'debug' }).logLevel).toBe('DEBUG');
    expect(() => read({ logLevel: 'FATAL' })).toThrow(/context logLevel must be one of TRACE, DEBUG, INFO, WARN, ERROR, found "FATAL"/);
  });

  test('reads logRemovalPolicy and names anything but retain or destroy', () => {
    expect(read({ logRemovalPolicy: 'destroy' }).logRemovalPolicy).toBe(RemovalPolicy.DESTROY);
    expect(() => read({ logRemovalPolicy: 'snapshot' })).toThrow(/context logRemovalPolicy must be retain .* or destroy, found "snapshot"/);
  });

  test('names a topic ARN that is not one', () => {
    expect(() => read({ eventTopicArn: 'elasticache-events' })).toThrow(/context eventTopicArn "elasticache-events" is not an SNS topic ARN/);
  });

  test('names a probe secret key given as an alias instead of a key ARN', () => {
    expect(() => read({ probeSecretKeyArns: `["arn:aws:kms:${REGION}:${ACCOUNT}:alias/redis"]` })).toThrow(/context probeSecretKeyArns must be a JSON array of KMS key ARNs/);
  });

  test('reads the probe secret key ARNs', () => {
    const key = `arn:aws:kms:${REGION}:${ACCOUNT}:key/0e6f3c2a-1111-2222-3333-444455556666`;
    expect(read({ probeSecretKeyArns: JSON.stringify([key]) }).probeSecretKeyArns).toEqual([key]);
  });

  test('reads availabilityZones as a comma-separated list (the CLI checks each name)', () => {
    expect(read({ availabilityZones: 'us-east-1a, us-east-1b' }).availabilityZones).toEqual(['us-east-1a', 'us-east-1b']);
    expect(read({}).availabilityZones).toBeUndefined();
  });

  test('names a missing field of verifyVpc', () => {
    expect(() => read({ verifyVpc: '{"vpcId":"vpc-1","vpcCidrBlock":"10.0.0.0/16","availabilityZones":["a"]}' })).toThrow(
      /context verifyVpc\.privateSubnetIds must be/,
    );
  });
});

describe('stack with imported topics, drift check off, x86_64', () => {
  let template: Template;
  let stack: ReplicaDnsStack;

  beforeAll(() => {
    const app = new App();
    const fromContext = settingsFromContext(
      ctx({
        configFile: EXAMPLE,
        architecture: 'x86_64',
        assetsDir: fakeAssets('x86_64'),
        eventTopicArn: EVENT_TOPIC,
        alarmTopicArn: ALARM_TOPIC,
        driftCheckMinutes: 'off',
        logRetentionDays: '90',
        logRemovalPolicy: 'destroy',
        logLevel: 'warn',
        executionDefaults: '{"waitSeconds":30}',
      }),
      { skipCli: true },
    );
    const settings = { ...fromContext, functionLimits: TEST_LIMITS, metricCatalog: TEST_METRICS };
    stack = new ReplicaDnsStack(app, 'Variant', { settings, env: { account: ACCOUNT, region: REGION } });
    Aspects.of(app).add(new AwsSolutionsChecks());
    template = Template.fromStack(stack);
  });

  test('functions are x86_64', () => {
    const archs = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Architectures);
    expect(archs).toEqual(archs.map(() => ['x86_64']));
  });

  test('no topic is created', () => {
    template.resourceCountIs('AWS::SNS::Topic', 0);
  });

  test('no topic policy is written on the imported topic (its owner manages it)', () => {
    template.resourceCountIs('AWS::SNS::TopicPolicy', 0);
  });

  test('the trigger subscribes to the imported event topic', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { TopicArn: EVENT_TOPIC, FilterPolicyScope: 'MessageBody' });
  });

  test('alarms notify the imported alarm topic', () => {
    const actions = Object.values(template.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmActions);
    // two pipeline alarms + one topic alarm per group
    expect(actions.length).toBeGreaterThan(2);
    expect(actions).toEqual(actions.map(() => [ALARM_TOPIC]));
  });

  test('no schedule exists when the drift check is off', () => {
    template.resourceCountIs('AWS::Scheduler::Schedule', 0);
  });

  test('log groups keep the configured retention', () => {
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
  });

  test('log groups are deleted with the stack (logRemovalPolicy=destroy)', () => {
    expect(Object.values(template.findResources('AWS::Logs::LogGroup')).map((g) => g.DeletionPolicy)).toEqual(Array(8).fill('Delete'));
  });

  test('functions log at the context\'s logLevel', () => {
    const levels = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.LoggingConfig.ApplicationLogLevel);
    expect(levels).toEqual(Array(7).fill('WARN'));
  });

  test('the trigger passes the execution defaults on', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'replica-dns trigger',
      Environment: { Variables: Match.objectLike({ REPLICA_DNS_EXECUTION_DEFAULTS: '{"waitSeconds":30}' }) },
    });
  });

  test('verify outside a VPC does not probe ROLE', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'replica-dns verify',
      Environment: { Variables: Match.not(Match.objectLike({ REPLICA_DNS_PROBE_ROLE: Match.anyValue() })) },
    });
  });

  test('no role may read a secret or decrypt when no group names an AUTH secret', () => {
    const actions = Object.values(template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .flatMap((st: { Action: string | string[] }) => (Array.isArray(st.Action) ? st.Action : [st.Action]));
    expect(actions.filter((a: string) => a.startsWith('secretsmanager:') || a === 'kms:Decrypt')).toEqual([]);
  });

  test('outputs the event topic and state machine ARNs for the operator', () => {
    expect(Object.keys(template.findOutputs('*')).sort()).toEqual(['AlarmTopicArn', 'EventTopicArn', 'StateMachineArn']);
  });

  test('cdk-nag reports no unsuppressed error', () => {
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });
});

// The configuration travels in a layer (core Delivery::File), so the environment's 3 KiB
// no longer bounds a deployment; the Rust validator's file budget (1 MiB) does.
test('a configuration of 200 groups, far beyond the Lambda environment, synthesises', () => {
  const groups = Array.from({ length: 200 }, (_, i) => ({
    replicationGroupId: `group-${i}`,
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    zoneName: 'cache.internal.',
    nameTemplate: `replica{n}.group-${i}.cache.internal.`,
  }));
  expect(JSON.stringify({ ownerId: 'x', groups }).length).toBeGreaterThan(30 * 1024);
  const app = new App();
  const settings = { ...settingsFromContext(ctx({ configFile: EXAMPLE, assetsDir: fakeAssets('arm64') }), { skipCli: true }), functionLimits: TEST_LIMITS, metricCatalog: TEST_METRICS };
  const big = new ReplicaDnsStack(app, 'Big', { settings: { ...settings, config: { ownerId: 'x', groups } } });
  const template = Template.fromStack(big);
  template.resourceCountIs('AWS::Lambda::LayerVersion', 1);
  for (const fn of Object.values(template.findResources('AWS::Lambda::Function'))) {
    expect(fn.Properties.Environment.Variables.REPLICA_DNS_CONFIG).toBeUndefined();
  }
});

test('a configuration over the file budget fails the synth with the Rust validator\'s reason', () => {
  const groups = Array.from({ length: 4000 }, (_, i) => ({
    replicationGroupId: `group-${i}`,
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    zoneName: 'cache.internal.',
    nameTemplate: `replica{n}.group-${i}-${'x'.repeat(200)}.cache.internal.`,
  }));
  const app = new App();
  const settings = { ...settingsFromContext(ctx({ configFile: EXAMPLE, assetsDir: fakeAssets('arm64') }), { skipCli: true }), functionLimits: TEST_LIMITS, metricCatalog: TEST_METRICS };
  expect(() => new ReplicaDnsStack(app, 'Huge', { settings: { ...settings, config: { ownerId: 'x', groups } } })).toThrow(
    /^the configuration given to ReplicaDns is not a valid replica-dns configuration:\n(.|\n)*over the 1048576-byte limit of a configuration file/,
  );
});
