// Assertions on the template of the ReplicaDns construct with its defaults plus a VPC
// for verify: one synthesis (beforeAll), one claim per test.

import * as fs from 'fs';
import * as path from 'path';
import { App, CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { elastiCacheFilterPolicy } from '../lib/filter-policy';
import { DEFINITION_PLACEHOLDERS, FUNCTIONS, RUNBOOK_ANCHORS, ReplicaDns, STEP_FUNCTIONS } from '../lib/replica-dns';
import { ASL_FILE, REGION, REPO_ROOT, SESSIONS_SECRET_ARN, Synth, fakeAssets, TEST_CONFIG, TEST_LIMITS, TEST_METRICS, Widget, asArray, dashboardWidgets, functionActions, logicalId, roleStatements, synthConstruct } from './helpers';

let s: Synth;
let vpc: ec2.IVpc;
const SECRET_KEY_ARN = `arn:aws:kms:${REGION}:123456789012:key/0e6f3c2a-1111-2222-3333-444455556666`;

beforeAll(() => {
  s = synthConstruct({}, (stack) => {
    vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      vpcCidrBlock: '10.20.0.0/16',
      availabilityZones: [`${REGION}a`, `${REGION}b`],
      privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
    });
    return {
      verifyVpc: { vpc, vpcSubnets: { subnets: vpc.privateSubnets } },
      probeSecretKeys: [kms.Key.fromKeyArn(stack, 'SecretKey', SECRET_KEY_ARN)],
    };
  });
});

function fnId(name: (typeof FUNCTIONS)[number]): string {
  return logicalId(s, s.construct.functions[name]);
}

function fnProps(name: (typeof FUNCTIONS)[number]) {
  return s.template.toJSON().Resources[fnId(name)].Properties;
}

describe('functions', () => {
  test('there are exactly seven Lambda functions', () => {
    s.template.resourceCountIs('AWS::Lambda::Function', 7);
  });

  test.each(FUNCTIONS)('%s runs the bootstrap binary on provided.al2023, arm64 by default', (name) => {
    expect(fnProps(name)).toMatchObject({ Runtime: 'provided.al2023', Handler: 'bootstrap', Architectures: ['arm64'] });
  });

  test.each(FUNCTIONS)('%s logs JSON to its own log group', (name) => {
    expect(fnProps(name).LoggingConfig).toMatchObject({ LogFormat: 'JSON', LogGroup: { Ref: expect.stringMatching(/Logs/) } });
  });

  test.each(FUNCTIONS)('%s reads the configuration from the config layer (REPLICA_DNS_CONFIG_FILE), not the environment', (name) => {
    const props = fnProps(name);
    expect(props.Environment.Variables.REPLICA_DNS_CONFIG_FILE).toBe('/opt/replica-dns/config.json');
    expect(props.Environment.Variables.REPLICA_DNS_CONFIG).toBeUndefined();
    const [layerId] = Object.keys(s.template.findResources('AWS::Lambda::LayerVersion'));
    expect(props.Layers).toEqual([{ Ref: layerId }]);
  });

  test('the config layer holds replica-dns/config.json: the configuration, unchanged, as the functions read it', () => {
    const layers = Object.values(s.template.findResources('AWS::Lambda::LayerVersion'));
    expect(layers).toHaveLength(1);
    expect(layers[0].Properties).toMatchObject({ CompatibleRuntimes: ['provided.al2023'], CompatibleArchitectures: ['arm64'] });
    // The staged assets of the synthesised app: exactly one holds the configuration file.
    const staged = fs
      .readdirSync(s.app.outdir)
      .map((entry) => path.join(s.app.outdir, entry, 'replica-dns', 'config.json'))
      .filter((file) => fs.existsSync(file));
    expect(staged).toHaveLength(1);
    expect(JSON.parse(fs.readFileSync(staged[0], 'utf8'))).toEqual(TEST_CONFIG);
  });

  test.each(FUNCTIONS)('%s logs at application level INFO and system level WARN by default', (name) => {
    expect(fnProps(name).LoggingConfig).toMatchObject({ ApplicationLogLevel: 'INFO', SystemLogLevel: 'WARN' });
  });

  test('every log group (seven functions, the state machine) is retained when it leaves the stack, by default', () => {
    const groups = Object.values(s.template.findResources('AWS::Logs::LogGroup'));
    expect(groups.map((g) => [g.DeletionPolicy, g.UpdateReplacePolicy])).toEqual(Array(8).fill(['Retain', 'Retain']));
  });

  test('function log groups keep logs for one month by default', () => {
    const groups = Object.values(s.template.findResources('AWS::Logs::LogGroup'));
    expect(groups.map((g) => g.Properties.RetentionInDays)).toEqual(groups.map(() => 30));
  });

  test('the trigger gets the state machine ARN in STATE_MACHINE_ARN', () => {
    expect(fnProps('trigger').Environment.Variables.STATE_MACHINE_ARN).toEqual({ Ref: logicalId(s, s.construct.stateMachine) });
  });

  test('snapshot gets the event topic ARN, to report members notifying another topic', () => {
    expect(fnProps('snapshot').Environment.Variables.REPLICA_DNS_EVENT_TOPIC_ARN).toEqual({ Ref: logicalId(s, s.construct.eventTopic) });
  });

  test('only the trigger gets STATE_MACHINE_ARN', () => {
    const others = FUNCTIONS.filter((f) => f !== 'trigger' && 'STATE_MACHINE_ARN' in fnProps(f).Environment.Variables);
    expect(others).toEqual([]);
  });

  test('memory and timeouts are the function limits\' (replica-dns function-limits)', () => {
    expect(FUNCTIONS.map((f) => [f, fnProps(f).MemorySize, fnProps(f).Timeout])).toEqual(
      FUNCTIONS.map((f) => [f, TEST_LIMITS.functions[f].memoryMb, TEST_LIMITS.functions[f].timeoutSeconds]),
    );
  });

  test('every function timeout is below the state machine Task timeout', () => {
    const asl = fs.readFileSync(ASL_FILE, 'utf8');
    const taskTimeouts = [...asl.matchAll(/"TimeoutSeconds"\s*:\s*(\d+)/g)].map((m) => Number(m[1]));
    const longest = Math.max(...STEP_FUNCTIONS.map((f) => fnProps(f).Timeout));
    expect(longest).toBeLessThan(Math.min(...taskTimeouts));
  });

  test('X-Ray tracing is active on every function', () => {
    expect(FUNCTIONS.map((f) => fnProps(f).TracingConfig)).toEqual(FUNCTIONS.map(() => ({ Mode: 'Active' })));
  });
});

describe('log level and log groups\' removal policy', () => {
  let t: Synth;
  beforeAll(() => {
    t = synthConstruct({ logLevel: lambda.ApplicationLogLevel.DEBUG, logRemovalPolicy: RemovalPolicy.DESTROY });
  });

  test('logLevel sets every function\'s application log level (AWS_LAMBDA_LOG_LEVEL); the system level stays WARN', () => {
    const fns = Object.values(t.template.findResources('AWS::Lambda::Function'));
    expect(fns.map((f) => [f.Properties.LoggingConfig.LogFormat, f.Properties.LoggingConfig.ApplicationLogLevel, f.Properties.LoggingConfig.SystemLogLevel])).toEqual(
      Array(7).fill(['JSON', 'DEBUG', 'WARN']),
    );
  });

  test('logRemovalPolicy DESTROY deletes all eight log groups with the stack', () => {
    const groups = Object.values(t.template.findResources('AWS::Logs::LogGroup'));
    expect(groups.map((g) => [g.DeletionPolicy, g.UpdateReplacePolicy])).toEqual(Array(8).fill(['Delete', 'Delete']));
  });

  test('FATAL is refused: the functions log through tracing, whose most severe level is ERROR', () => {
    expect(() => synthConstruct({ logLevel: lambda.ApplicationLogLevel.FATAL })).toThrow(/^logLevel FATAL would drop every line the functions write, errors included/);
  });

  test('SNAPSHOT is refused: log groups have none', () => {
    expect(() => synthConstruct({ logRemovalPolicy: RemovalPolicy.SNAPSHOT })).toThrow(/^logRemovalPolicy must be RETAIN, RETAIN_ON_UPDATE_OR_DELETE or DESTROY/);
  });
});

describe('verify in a VPC', () => {
  test('verify runs in the given private subnets with its own security group', () => {
    expect(fnProps('verify').VpcConfig).toEqual({
      SubnetIds: ['subnet-0aaaaaaaaaaaaaaaa', 'subnet-0bbbbbbbbbbbbbbbb'],
      SecurityGroupIds: [{ 'Fn::GetAtt': [logicalId(s, s.construct.verifySecurityGroup!), 'GroupId'] }],
    });
  });

  test('verify asks each target ROLE when in a VPC', () => {
    expect(fnProps('verify').Environment.Variables.REPLICA_DNS_PROBE_ROLE).toBe('true');
  });

  test('no other function is placed in the VPC', () => {
    expect(FUNCTIONS.filter((f) => f !== 'verify' && fnProps(f).VpcConfig !== undefined)).toEqual([]);
  });

  test('the security group allows out only Redis, DNS to the VPC resolver, and HTTPS', () => {
    const sg = s.template.toJSON().Resources[logicalId(s, s.construct.verifySecurityGroup!)].Properties;
    expect(sg.SecurityGroupEgress.map((r: Record<string, unknown>) => [r.IpProtocol, r.FromPort, r.ToPort, r.CidrIp])).toEqual([
      ['tcp', 6379, 6379, '10.20.0.0/16'],
      ['udp', 53, 53, '10.20.0.0/16'],
      ['tcp', 53, 53, '10.20.0.0/16'],
      ['tcp', 443, 443, '0.0.0.0/0'],
    ]);
  });

  test('the security group allows nothing in', () => {
    const sg = s.template.toJSON().Resources[logicalId(s, s.construct.verifySecurityGroup!)].Properties;
    expect(sg.SecurityGroupIngress).toBeUndefined();
  });
});

describe('state machine', () => {
  test('is a Standard workflow', () => {
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', { StateMachineType: 'STANDARD' });
  });

  test('has X-Ray tracing on', () => {
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', { TracingConfiguration: { Enabled: true } });
  });

  test('logs ALL events with execution data to its log group', () => {
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: {
        Level: 'ALL',
        IncludeExecutionData: true,
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('StateMachineLogs'), 'Arn'] } } }],
      },
    });
  });

  test('the state machine log group is a vended-logs group', () => {
    s.template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/') });
  });

  test('the definition is the ASL file, verbatim', () => {
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: Match.serializedJson(JSON.parse(fs.readFileSync(ASL_FILE, 'utf8'))),
    });
  });

  test.each(STEP_FUNCTIONS)('${…FunctionArn} of %s is substituted with that function\'s ARN', (step) => {
    s.template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionSubstitutions: { [DEFINITION_PLACEHOLDERS[step]]: { 'Fn::GetAtt': [fnId(step), 'Arn'] } },
    });
  });

  test('the state machine may invoke exactly the six step functions', () => {
    const statements = roleStatements(s, s.construct.stateMachine.role).filter((st) => asArray(st.Action).includes('lambda:InvokeFunction'));
    expect(statements.flatMap((st) => asArray(st.Resource))).toEqual(STEP_FUNCTIONS.map((f) => ({ 'Fn::GetAtt': [fnId(f), 'Arn'] })));
  });
});

describe('event topic and subscription', () => {
  const topicId = () => logicalId(s, s.construct.eventTopic as unknown as { node: { defaultChild?: unknown } });

  test('the new event topic is not KMS-encrypted (ElastiCache cannot publish to one)', () => {
    expect(s.template.toJSON().Resources[topicId()].Properties.KmsMasterKeyId).toBeUndefined();
  });

  test('the topic policy carries ElastiCache\'s documented statement exactly: {"AWS": "*"}, SNS:Publish, AWS:SourceOwner = this account', () => {
    s.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId() }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectEquals({
            Sid: 'AllowElastiCachePublish',
            Effect: 'Allow',
            Principal: { AWS: '*' },
            Action: 'SNS:Publish',
            Resource: { Ref: topicId() },
            Condition: { StringEquals: { 'AWS:SourceOwner': { Ref: 'AWS::AccountId' } } },
          }),
        ]),
      },
    });
  });

  test('no topic policy statement names a service principal (ElastiCache cannot publish as one)', () => {
    const statements = Object.values(s.template.findResources('AWS::SNS::TopicPolicy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements.filter((st: { Principal?: { Service?: unknown } }) => st.Principal?.Service !== undefined)).toEqual([]);
  });

  test('the trigger is subscribed to the event topic with a message-body filter policy', () => {
    s.template.hasResourceProperties('AWS::SNS::Subscription', {
      TopicArn: { Ref: topicId() },
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [fnId('trigger'), 'Arn'] },
      FilterPolicyScope: 'MessageBody',
      FilterPolicy: elastiCacheFilterPolicy(),
    });
  });

  test('SNS may invoke the trigger, from the event topic only', () => {
    s.template.hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [fnId('trigger'), 'Arn'] },
      Principal: 'sns.amazonaws.com',
      SourceArn: { Ref: topicId() },
    });
  });
});

describe('drift check', () => {
  test('a schedule starts a resync of all groups every 15 minutes', () => {
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      Target: { Arn: { Ref: logicalId(s, s.construct.stateMachine) }, Input: '{"all":true}' },
    });
  });

  test('the schedule role may start executions of this state machine only', () => {
    const schedule = Object.values(s.template.findResources('AWS::Scheduler::Schedule'))[0];
    const roleId = schedule.Properties.Target.RoleArn['Fn::GetAtt'][0];
    const statements = Object.values(s.template.findResources('AWS::IAM::Policy'))
      .filter((p) => asArray(p.Properties.Roles).some((r: { Ref?: string }) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    expect(statements).toEqual([expect.objectContaining({ Action: 'states:StartExecution', Resource: { Ref: logicalId(s, s.construct.stateMachine) } })]);
  });
});

describe('alarms', () => {
  const props = (alarm: { node: { defaultChild?: unknown } }) => s.template.toJSON().Resources[logicalId(s, alarm)].Properties;
  /** What each alarm watches and when it fires, in one comparable shape. */
  const shape = (alarm: { node: { defaultChild?: unknown } }) => {
    const p = props(alarm);
    return {
      metric: [p.Namespace, p.MetricName, p.Dimensions, p.Statistic, p.Period],
      fires: [p.ComparisonOperator, p.Threshold, p.EvaluationPeriods, p.DatapointsToAlarm, p.TreatMissingData],
    };
  };
  const group = (i: number) => [{ Name: 'ReplicationGroupId', Value: TEST_CONFIG.groups[i].replicationGroupId }];

  test('an alarm fires on any failed or timed-out execution', () => {
    s.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0)' }),
        Match.objectLike({ Id: 'failed', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsFailed' }) }) }),
        Match.objectLike({ Id: 'timedOut', MetricStat: Match.objectLike({ Metric: Match.objectLike({ MetricName: 'ExecutionsTimedOut' }) }) }),
      ]),
    });
  });

  test('an alarm fires when the trigger errors', () => {
    expect(shape(s.construct.triggerErrorsAlarm)).toEqual({
      metric: ['AWS/Lambda', 'Errors', [{ Name: 'FunctionName', Value: { Ref: fnId('trigger') } }], 'Sum', 300],
      fires: ['GreaterThanOrEqualToThreshold', 1, 1, undefined, 'notBreaching'],
    });
  });

  test('silence: no successful execution in two drift-check intervals fires, and no data at all is breaching', () => {
    expect(shape(s.construct.silenceAlarm!)).toEqual({
      metric: ['AWS/States', 'ExecutionsSucceeded', [{ Name: 'StateMachineArn', Value: { Ref: logicalId(s, s.construct.stateMachine) } }], 'Sum', 900],
      fires: ['LessThanThreshold', 1, 2, 2, 'breaching'],
    });
  });

  test('the drift check has its own schedule group, whose Scheduler target errors alarm', () => {
    const groupName = s.template.toJSON().Resources[logicalId(s, s.construct.driftCheckGroup!)].Properties.Name;
    expect(groupName).toEqual(expect.stringMatching(/DriftCheckGroup/));
    s.template.hasResourceProperties('AWS::Scheduler::Schedule', { GroupName: groupName, ScheduleExpression: 'rate(15 minutes)' });
    expect(shape(s.construct.driftCheckErrorsAlarm!)).toEqual({
      metric: ['AWS/Scheduler', 'TargetErrorCount', [{ Name: 'ScheduleGroup', Value: groupName }], 'Sum', 300],
      fires: ['GreaterThanOrEqualToThreshold', 1, 1, undefined, 'notBreaching'],
    });
  });

  test('the drift check\'s schedule group is deleted with the stack (it holds only the drift check)', () => {
    expect(s.template.toJSON().Resources[logicalId(s, s.construct.driftCheckGroup!)].DeletionPolicy).toBe('Delete');
  });

  test('every configured group has an alarm on its notification topic not being active (catalogue namespace, Maximum over the drift-check interval)', () => {
    expect(s.construct.topicNotActiveAlarms.map(shape)).toEqual(
      TEST_CONFIG.groups.map((_, i) => ({
        metric: [TEST_METRICS.namespace, 'TopicNotActive', group(i), 'Maximum', 900],
        fires: ['GreaterThanOrEqualToThreshold', 1, 1, undefined, 'notBreaching'],
      })),
    );
  });

  test('every configured group has an alarm on interim routing longer than 600 s by default', () => {
    expect(s.construct.interimRoutingAlarms.map(shape)).toEqual(
      TEST_CONFIG.groups.map((_, i) => ({
        metric: [TEST_METRICS.namespace, 'InterimRoutingSeconds', group(i), 'Maximum', 300],
        fires: ['GreaterThanThreshold', 600, 1, undefined, 'notBreaching'],
      })),
    );
  });

  test('each alarm\'s description says what it means', () => {
    const a = s.construct;
    const said = [
      [a.executionsAlarm, /execution failed or timed out/],
      [a.triggerErrorsAlarm, /trigger could not start an execution/],
      [a.silenceAlarm!, /no execution succeeded in 2 × 15 minutes/],
      [a.driftCheckErrorsAlarm!, /Scheduler could not start the drift check/],
      ...a.topicNotActiveAlarms.map((x, i) => [x, new RegExp(`group ${TEST_CONFIG.groups[i].replicationGroupId} notifies an SNS topic ElastiCache marked inactive`)] as const),
      ...a.interimRoutingAlarms.map((x, i) => [x, new RegExp(`group ${TEST_CONFIG.groups[i].replicationGroupId} kept names routed interim .* for more than 600 s`)] as const),
    ] as const;
    expect(said.filter(([alarm, meaning]) => !meaning.test(props(alarm).AlarmDescription)).map(([alarm]) => alarm.node.id)).toEqual([]);
  });

  test('each alarm\'s description ends with its runbook section, and that section exists in docs/runbook.md', () => {
    const anchors = runbookAnchors();
    const links = s.construct.alarms.map((alarm) => [alarm.node.id, props(alarm).AlarmDescription.match(/ Runbook: docs\/runbook\.md#([a-z0-9-]+)$/)?.[1]]);
    expect(links.filter(([, anchor]) => anchor === undefined || !anchors.has(anchor))).toEqual([]);
    expect(new Set(links.map(([, a]) => a)).size).toBe(Object.keys(RUNBOOK_ANCHORS).length);
  });

  test('every alarm notifies the alarm topic on ALARM and on OK', () => {
    const alarms = Object.values(s.template.findResources('AWS::CloudWatch::Alarm'));
    const topic = { Ref: logicalId(s, s.construct.alarmTopic as unknown as { node: { defaultChild?: unknown } }) };
    expect(alarms.map((a) => [a.Properties.AlarmActions, a.Properties.OKActions])).toEqual(alarms.map(() => [[topic], [topic]]));
    expect(alarms.length).toBe(4 + 2 * TEST_CONFIG.groups.length);
    expect(s.construct.alarms.length).toBe(alarms.length);
  });

  test('the new alarm topic is KMS-encrypted with a rotating key CloudWatch may use', () => {
    const topic = s.template.toJSON().Resources[logicalId(s, s.construct.alarmTopic as unknown as { node: { defaultChild?: unknown } })];
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = s.template.toJSON().Resources[keyId].Properties;
    expect([key.EnableKeyRotation, key.KeyPolicy.Statement.some((st: Statement) => st.Principal?.Service === 'cloudwatch.amazonaws.com')]).toEqual([true, true]);
  });
});

describe('dashboard', () => {
  let widgets: Widget[];
  beforeAll(() => {
    widgets = dashboardWidgets(s);
  });
  const graph = (title: string) => widgets.find((w) => w.properties.title === title)!;
  /** A graph's lines as `namespace name dim=value… stat`. */
  const lines = (w: Widget) =>
    w.properties.metrics!.map((m) => {
      const opts = m[m.length - 1] as { stat?: string };
      const parts = m.slice(0, -1) as string[];
      const dims = [];
      for (let i = 2; i < parts.length; i += 2) dims.push(`${parts[i]}=${parts[i + 1]}`);
      return [parts[0], parts[1], ...dims, opts.stat].join(' ');
    });
  const ref = (c: { node: { defaultChild?: unknown } }) => `<{Ref:${logicalId(s, c)}}>`;

  test('there is one dashboard', () => {
    s.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });

  test('its alarm widget shows every alarm of the construct', () => {
    const arns = s.construct.alarms.map((a) => `<{Fn::GetAtt:[${logicalId(s, a)},Arn]}>`);
    expect(widgets.find((w) => w.type === 'alarm')!.properties.alarms).toEqual(arns);
  });

  test('it graphs the state machine\'s executions: started, succeeded, failed, timed out', () => {
    const sm = `StateMachineArn=${ref(s.construct.stateMachine)}`;
    expect(lines(graph('Executions (state machine)'))).toEqual(
      ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut'].map((m) => `AWS/States ${m} ${sm} Sum`),
    );
  });

  test.each([
    ['Lambda errors', 'Errors'],
    ['Lambda throttles', 'Throttles'],
  ])('%s: one line per function', (title, metric) => {
    expect(lines(graph(title))).toEqual(FUNCTIONS.map((f) => `AWS/Lambda ${metric} FunctionName=${ref(s.construct.functions[f])} Sum`));
  });

  test('per group, one graph per catalogue metric, in the catalogue\'s namespace, for that group', () => {
    const groupGraphs = widgets.filter((w) => w.type === 'metric' && TEST_METRICS.metrics.some((m) => w.properties.title === `${m.name} (${m.unit})`));
    // Each graph's lines all belong to one group: `<namespace> <name> … ReplicationGroupId=<id> …`.
    const groupOf = (w: Widget) => [...new Set(lines(w).map((l) => l.match(/ ReplicationGroupId=(\S+)/)?.[1]))];
    expect(groupGraphs.map((w) => [w.properties.title, [...new Set(lines(w).map((l) => l.split(' ').slice(0, 2).join(' ')))], groupOf(w)])).toEqual(
      TEST_CONFIG.groups.flatMap((g) => TEST_METRICS.metrics.map((m) => [`${m.name} (${m.unit})`, [`${TEST_METRICS.namespace} ${m.name}`], [g.replicationGroupId]])),
    );
  });

  test('counts are summed, durations shown as p50, p99 and Maximum, TopicNotActive as its Maximum', () => {
    const first = `ReplicationGroupId=${TEST_CONFIG.groups[0].replicationGroupId}`;
    const ns = TEST_METRICS.namespace;
    expect(['ChangesApplied', 'TimeToSafe', 'TopicNotActive'].map((m) => lines(widgets.find((w) => w.properties.title?.startsWith(`${m} (`))!))).toEqual([
      [`${ns} ChangesApplied ${first} Sum`],
      [`${ns} TimeToSafe ${first} p50`, `${ns} TimeToSafe ${first} p99`, `${ns} TimeToSafe ${first} Maximum`],
      [`${ns} TopicNotActive ${first} Maximum`],
    ]);
  });

  test('a metric with a further dimension gets one line per value the catalogue lists (Outcome)', () => {
    const first = `ReplicationGroupId=${TEST_CONFIG.groups[0].replicationGroupId}`;
    expect(lines(widgets.find((w) => w.properties.title === 'Executions (Count)')!)).toEqual(
      TEST_METRICS.dimensionValues.Outcome.map((o) => `${TEST_METRICS.namespace} Executions Outcome=${o} ${first} Sum`),
    );
  });

  test('a heading per group, and a legend with every metric\'s meaning and the runbook link', () => {
    const text = widgets.filter((w) => w.type === 'text').map((w) => w.properties.markdown!);
    expect(text.slice(1)).toEqual(TEST_CONFIG.groups.map((g) => `## Replication group ${g.replicationGroupId}`));
    expect(TEST_METRICS.metrics.filter((m) => !text[0].includes(`\`${m.name}\` (${m.unit}): ${m.description}`))).toEqual([]);
    expect(text[0]).toContain('(docs/runbook.md#alarms)');
  });
});

describe('alarm settings', () => {
  let t: Synth;
  beforeAll(() => {
    t = synthConstruct({ driftCheckRate: Duration.hours(1), interimRoutingAlarmSeconds: 120, runbookUrl: 'https://git.example/ops/replica-dns/blob/main/docs/runbook.md' });
  });
  const props = (alarm: { node: { defaultChild?: unknown } }) => t.template.toJSON().Resources[logicalId(t, alarm)].Properties;

  test('the silence alarm and the topic alarms follow the drift-check interval', () => {
    expect([props(t.construct.silenceAlarm!).Period, ...t.construct.topicNotActiveAlarms.map((a) => props(a).Period)]).toEqual([3600, 3600, 3600]);
  });

  test('interimRoutingAlarmSeconds sets the interim-routing threshold', () => {
    expect(t.construct.interimRoutingAlarms.map((a) => props(a).Threshold)).toEqual([120, 120]);
  });

  test('runbookUrl is the link in every description', () => {
    expect(t.construct.alarms.filter((a) => !/ Runbook: https:\/\/git\.example\/ops\/replica-dns\/blob\/main\/docs\/runbook\.md#[a-z-]+$/.test(props(a).AlarmDescription))).toEqual([]);
  });

  test('without the drift check there is no silence alarm, no Scheduler alarm and no schedule group', () => {
    const off = synthConstruct({ driftCheckRate: null });
    expect([off.construct.silenceAlarm, off.construct.driftCheckErrorsAlarm, off.construct.driftCheckGroup]).toEqual([undefined, undefined, undefined]);
    off.template.resourceCountIs('AWS::Scheduler::ScheduleGroup', 0);
    expect(off.construct.alarms.length).toBe(2 + 2 * TEST_CONFIG.groups.length);
  });

  test.each([
    [Duration.seconds(90), /driftCheckRate must be whole minutes from 1 to 1440 \(one day\), found 1 minute 30 seconds/],
    [Duration.minutes(1441), /driftCheckRate must be whole minutes from 1 to 1440/],
  ])('a drift-check rate of %s fails the synth with the reason', (rate, reason) => {
    expect(() => synthConstruct({ driftCheckRate: rate })).toThrow(reason);
  });

  test('a threshold that is not a positive number fails the synth', () => {
    expect(() => synthConstruct({ interimRoutingAlarmSeconds: 0 })).toThrow(/interimRoutingAlarmSeconds must be a positive number of seconds, found 0/);
  });
});

/** The anchors GitHub gives the headings of docs/runbook.md (lower case, punctuation dropped, spaces as -). */
function runbookAnchors(): Set<string> {
  const text = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'runbook.md'), 'utf8');
  return new Set(
    [...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
      m[1]
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replace(/ /g, '-'),
    ),
  );
}

type Statement = { Principal?: { Service?: string } };

/**
 * A dependency cycle among the template's resources (Ref, Fn::GetAtt, DependsOn), as the
 * resource ids around it, or [] when there is none: CloudFormation refuses such a
 * template at deploy time ("Circular dependency between resources"), after synth passed.
 */
function templateCycle(resources: Record<string, unknown>): string[] {
  const refs = (value: unknown, out: Set<string>): Set<string> => {
    if (Array.isArray(value)) value.forEach((v) => refs(v, out));
    else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (k === 'Ref' && typeof v === 'string' && v in resources) out.add(v);
        else if (k === 'Fn::GetAtt' && Array.isArray(v) && typeof v[0] === 'string' && v[0] in resources) out.add(v[0]);
        else if (k === 'DependsOn') (Array.isArray(v) ? v : [v]).forEach((d) => typeof d === 'string' && out.add(d));
        else refs(v, out);
      }
    }
    return out;
  };
  const edges = new Map(Object.entries(resources).map(([id, r]) => [id, [...refs(r, new Set())]]));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] => {
    if (state.get(id) === 'done') return [];
    if (state.get(id) === 'open') return path.slice(path.indexOf(id));
    state.set(id, 'open');
    path.push(id);
    for (const next of edges.get(id) ?? []) {
      const cycle = visit(next);
      if (cycle.length > 0) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return [];
  };
  for (const id of edges.keys()) {
    const cycle = visit(id);
    if (cycle.length > 0) return cycle;
  }
  return [];
}

describe('least privilege', () => {
  test.each([
    ['trigger', ['states:StartExecution']],
    ['filter', ['elasticache:DescribeCacheClusters', 'elasticache:DescribeReplicationGroups']],
    ['snapshot', ['elasticache:DescribeCacheClusters', 'elasticache:DescribeReplicationGroups', 'states:ListExecutions']],
    ['await-nodes', ['elasticache:DescribeCacheClusters', 'elasticache:DescribeReplicationGroups', 'states:ListExecutions']],
    ['plan', ['elasticache:DescribeCacheClusters', 'elasticache:DescribeReplicationGroups', 'route53:ListResourceRecordSets']],
    ['apply', ['route53:ChangeResourceRecordSets', 'route53:ListResourceRecordSets']],
    ['verify', ['elasticache:DescribeCacheClusters', 'elasticache:DescribeReplicationGroups', 'kms:Decrypt', 'route53:GetChange', 'route53:ListResourceRecordSets', 'secretsmanager:GetSecretValue']],
  ] as const)('%s may call only what it uses', (name, actions) => {
    const own = ['logs:CreateLogStream', 'logs:PutLogEvents', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'];
    expect(functionActions(s, s.construct.functions[name])).toEqual([...own, ...actions].sort());
  });

  const changeStatements = () =>
    roleStatements(s, s.construct.functions.apply.role!).filter((st) => asArray(st.Action).includes('route53:ChangeResourceRecordSets'));

  test('record changes are allowed only in the configured zones, one statement per zone', () => {
    expect(changeStatements().map((st) => st.Resource)).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::hostedzone/Z0ORDERS1234567890']] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::hostedzone/Z0SESSIONS12345678']] },
    ]);
  });

  test('in a zone without AZ names, only the slot names 1..5 and their TXT names may change (exact match)', () => {
    expect(changeStatements()[0].Condition!['ForAllValues:StringEquals']['route53:ChangeResourceRecordSetsNormalizedRecordNames']).toEqual([
      'replica1.orders.cache.internal', '_rdns.replica1.orders.cache.internal',
      'replica2.orders.cache.internal', '_rdns.replica2.orders.cache.internal',
      'replica3.orders.cache.internal', '_rdns.replica3.orders.cache.internal',
      'replica4.orders.cache.internal', '_rdns.replica4.orders.cache.internal',
      'replica5.orders.cache.internal', '_rdns.replica5.orders.cache.internal',
    ]);
  });

  test('with AZ and pooled names, the names are exact: lower-cased slots, pooled name and one AZ name per AZ of the region, each with the group\'s TXT prefix', () => {
    const condition = changeStatements()[1].Condition!;
    expect(condition['ForAllValues:StringLike']).toBeUndefined();
    const names = condition['ForAllValues:StringEquals']['route53:ChangeResourceRecordSetsNormalizedRecordNames'];
    // The test stack has an account and region and no cached lookup: CDK's stand-in AZs.
    const azs = Stack.of(s.construct).availabilityZones;
    expect(azs.length).toBeGreaterThan(0);
    expect(names).toEqual([
      'replica1.sessions.example', '_own.replica1.sessions.example',
      'replica2.sessions.example', '_own.replica2.sessions.example',
      'replica3.sessions.example', '_own.replica3.sessions.example',
      'replica4.sessions.example', '_own.replica4.sessions.example',
      'replica5.sessions.example', '_own.replica5.sessions.example',
      'pool.sessions.example', '_own.pool.sessions.example',
      ...azs.flatMap((az) => [`replica-${az}.sessions.example`, `_own.replica-${az}.sessions.example`]),
    ]);
    // No pattern: nothing may let a wildcard stand for, or span, a label.
    expect(JSON.stringify(changeStatements().map((st) => st.Condition))).not.toMatch(/\*/);
  });

  test('the availabilityZones prop names the region\'s zones, and an environment-agnostic stack without it is refused', () => {
    const given = synthConstruct({ availabilityZones: ['us-west-2a', 'us-west-2b', 'us-west-2c', 'us-west-2d'] });
    const st = roleStatements(given, given.construct.functions.apply.role!).filter((x) => asArray(x.Action).includes('route53:ChangeResourceRecordSets'))[1];
    const names = st.Condition!['ForAllValues:StringEquals']['route53:ChangeResourceRecordSetsNormalizedRecordNames'] as string[];
    expect(names.filter((n) => n.startsWith('replica-'))).toEqual(['us-west-2a', 'us-west-2b', 'us-west-2c', 'us-west-2d'].map((az) => `replica-${az}.sessions.example`));
    const agnostic = new Stack(new App(), 'Agnostic');
    expect(() => new ReplicaDns(agnostic, 'ReplicaDns', { config: TEST_CONFIG, functionLimits: TEST_LIMITS, metricCatalog: TEST_METRICS, assetsDir: fakeAssets() })).toThrow(
      /a group configures azNames[^]*deploy the stack to an environment[^]*availabilityZones prop/,
    );
  });

  test('only CNAME and TXT records may change', () => {
    expect(changeStatements().map((st) => st.Condition!['ForAllValues:StringEquals']['route53:ChangeResourceRecordSetsRecordTypes'])).toEqual([
      ['CNAME', 'TXT'],
      ['CNAME', 'TXT'],
    ]);
  });

  // Issue 9 item 6: the planner never emits UPSERT (core plan.rs, rule 7), so IAM may
  // refuse it and enforce the compare-and-swap guard (DELETE exactly what was read, then
  // CREATE) on its own.
  test('only CREATE and DELETE actions are allowed (no UPSERT)', () => {
    expect(changeStatements().map((st) => st.Condition!['ForAllValues:StringEquals']['route53:ChangeResourceRecordSetsActions'])).toEqual([
      ['CREATE', 'DELETE'],
      ['CREATE', 'DELETE'],
    ]);
  });

  test('listing records is allowed on the configured zones only', () => {
    const st = roleStatements(s, s.construct.functions.plan.role!).find((x) => x.Action === 'route53:ListResourceRecordSets')!;
    expect(st.Resource).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::hostedzone/Z0ORDERS1234567890']] },
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::hostedzone/Z0SESSIONS12345678']] },
    ]);
  });

  test('GetChange is allowed on Route 53 changes only', () => {
    const st = roleStatements(s, s.construct.functions.verify.role!).find((x) => x.Action === 'route53:GetChange')!;
    expect(st.Resource).toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':route53:::change/*']] });
  });

  test('DescribeReplicationGroups is allowed on the configured groups only (lower-cased as ElastiCache stores ids)', () => {
    const st = roleStatements(s, s.construct.functions.snapshot.role!).find((x) => x.Action === 'elasticache:DescribeReplicationGroups')!;
    expect(JSON.stringify(st.Resource)).toEqual(
      JSON.stringify(
        ['orders', 'sessions'].map((g) => ({
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':elasticache:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, `:replicationgroup:${g}`]],
        })),
      ),
    );
  });

  // A snapshot lists the account's clusters in one paginated DescribeCacheClusters (no
  // CacheClusterId), so the call's resource is every cluster: <group>-* would deny it.
  test.each(['snapshot', 'await-nodes', 'verify'] as const)('%s may list the cache clusters (cluster:*), read-only, with the widening justified', (name) => {
    const st = roleStatements(s, s.construct.functions[name].role!).filter((x) => x.Action === 'elasticache:DescribeCacheClusters');
    expect(st).toHaveLength(1);
    expect(JSON.stringify(st[0].Resource)).toMatch(/:cluster:\*"\]\]\}$/);
    const reasons = JSON.stringify(s.template.toJSON()).match(/Widened from <group>-\* for the ElastiCache call count/g) ?? [];
    expect(reasons.length).toBeGreaterThan(0);
  });

  // The fleet pass ({"all": true}) lists every replication group in one paginated
  // DescribeReplicationGroups (no ReplicationGroupId): only plan and verify take part in
  // it, and only they may list; the others stay on the configured groups.
  test.each(FUNCTIONS)('%s may list the replication groups (replicationgroup:*) only if it takes part in the fleet pass', (name) => {
    const listing = roleStatements(s, s.construct.functions[name].role!).filter(
      (x) => x.Action === 'elasticache:DescribeReplicationGroups' && /:replicationgroup:\*"\]\]\}$/.test(JSON.stringify(x.Resource)),
    );
    expect(listing).toHaveLength(name === 'plan' || name === 'verify' ? 1 : 0);
    if (listing.length > 0) {
      const reasons = JSON.stringify(s.template.toJSON()).match(/Widened from the configured groups for the fleet pass/g) ?? [];
      expect(reasons.length).toBeGreaterThan(0);
    }
  });

  test('verify may read exactly the configured AUTH secret, in one statement', () => {
    const st = roleStatements(s, s.construct.functions.verify.role!).filter((x) => asArray(x.Action).includes('secretsmanager:GetSecretValue'));
    expect(st.map((x) => [x.Action, x.Resource, x.Condition])).toEqual([['secretsmanager:GetSecretValue', SESSIONS_SECRET_ARN, undefined]]);
  });

  test('no function but verify may read a secret', () => {
    const readers = FUNCTIONS.filter((f) => f !== 'verify' && functionActions(s, s.construct.functions[f]).includes('secretsmanager:GetSecretValue'));
    expect(readers).toEqual([]);
  });

  test('verify may decrypt with the given probe secret keys, through Secrets Manager only', () => {
    const st = roleStatements(s, s.construct.functions.verify.role!).filter((x) => asArray(x.Action).includes('kms:Decrypt'));
    expect(st.map((x) => [x.Action, x.Resource, x.Condition])).toEqual([
      ['kms:Decrypt', SECRET_KEY_ARN, { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } }],
    ]);
  });

  test('StartExecution is allowed on this state machine only', () => {
    const st = roleStatements(s, s.construct.functions.trigger.role!).find((x) => x.Action === 'states:StartExecution')!;
    expect(st.Resource).toEqual({ Ref: logicalId(s, s.construct.stateMachine) });
  });

  test.each(['snapshot', 'await-nodes'] as const)('%s may list this state machine\'s executions only, from a policy the function does not wait for', (name) => {
    const st = roleStatements(s, s.construct.functions[name].role!).find((x) => x.Action === 'states:ListExecutions')!;
    expect(st.Resource).toEqual({ Ref: logicalId(s, s.construct.stateMachine) });
    // The state machine names the function; a statement naming the state machine in the
    // role's default policy (which the function depends on) would be a cycle.
    const resources = s.template.toJSON().Resources as Record<string, { Type: string; DependsOn?: string[]; Properties: { Roles?: unknown[]; PolicyDocument?: { Statement: { Action: unknown }[] } } }>;
    const role = { Ref: logicalId(s, s.construct.functions[name].role!) };
    const policyIds = Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::IAM::Policy' && r.Properties.PolicyDocument!.Statement.some((x) => x.Action === 'states:ListExecutions'))
      .filter(([, r]) => JSON.stringify(r.Properties.Roles) === JSON.stringify([role]))
      .map(([id]) => id);
    expect(policyIds).toHaveLength(1);
    const fn = resources[logicalId(s, s.construct.functions[name])];
    expect(fn.DependsOn ?? []).not.toContain(policyIds[0]);
    expect(templateCycle(resources)).toEqual([]);
  });

  test('no "*" resource is granted except for actions that support no resource-level permissions', () => {
    const unscopable = new Set([
      'xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets',
      'logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups',
    ]);
    const offenders = Object.values(s.template.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((st: { Resource: unknown }) => asArray(st.Resource).includes('*'))
      .flatMap((st: { Action: string | string[] }) => asArray(st.Action))
      .filter((a: string) => !unscopable.has(a));
    expect(offenders).toEqual([]);
  });
});

describe('cdk-nag AwsSolutions', () => {
  test('reports no unsuppressed error', () => {
    expect(Annotations.fromStack(s.stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  test('reports no unsuppressed warning', () => {
    expect(Annotations.fromStack(s.stack).findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
  });

  /** Every suppression in the template: the CfnResource's path and the rule entry. */
  const suppressions = () =>
    s.stack.node
      .findAll()
      .filter((c): c is CfnResource => c instanceof CfnResource)
      .flatMap((c) =>
        ((c.getMetadata('cdk_nag')?.rules_to_suppress ?? []) as { id: string; applies_to?: (string | { regex: string })[] }[]).map((r) => ({ path: c.node.path, ...r })),
      );

  /** The construct's child a resource belongs to: `FilterRole` for `…/ReplicaDns/FilterRole/DefaultPolicy/Resource`. */
  const part = (p: string) => p.slice(s.construct.node.path.length + 1).split('/')[0];

  const matches = (appliesTo: string | { regex: string }, findingId: string) => {
    if (typeof appliesTo === 'string') return appliesTo === findingId;
    const m = appliesTo.regex.match(/^\/(.*)\/([a-z]*)$/)!;
    return new RegExp(m[1], m[2]).test(findingId);
  };

  // Issue 11 item 4: a suppression for a rule the pinned cdk-nag lacks (SNS2) or a regex
  // that matches no finding hides nothing and misleads the reader.
  test('every suppression names a rule of the pinned AwsSolutions pack', () => {
    expect([...new Set(suppressions().map((x) => x.id))].filter((id) => !s.nag.rules.has(id))).toEqual([]);
  });

  test('every suppression, and each of its appliesTo, matches a finding in the part it is added to', () => {
    const unused = suppressions().flatMap((x) =>
      (x.applies_to ?? [undefined])
        .filter(
          (a) =>
            !s.nag.findings.some(
              (f) => f.ruleId === x.id && f.path.startsWith(s.construct.node.path + '/') && part(f.path) === part(x.path) && (a === undefined || matches(a, f.findingId)),
            ),
        )
        .map((a) => `${x.path} ${x.id} ${JSON.stringify(a ?? null)}`),
    );
    expect(unused).toEqual([]);
  });

  test('every suppression gives a reason of at least one sentence', () => {
    const reasons = Object.values(s.template.toJSON().Resources as Record<string, { Metadata?: { cdk_nag?: { rules_to_suppress: { reason: string }[] } } }>)
      .flatMap((r) => r.Metadata?.cdk_nag?.rules_to_suppress ?? [])
      .map((x) => x.reason);
    expect(reasons.length).toBeGreaterThan(5); // the suppressions are in the template at all
    expect(reasons.filter((r) => r.length < 40)).toEqual([]);
  });
});
