// The construct's alarms on replica-dns' own metrics and its dashboard come from
// `replica-dns metrics` (core `metrics`): the catalogue is read and checked, and a metric
// the construct needs but the catalogue lacks fails the synth. The CLI is a stand-in
// script here, except in the last test.

import { App, Stack } from 'aws-cdk-lib';
import { findCli } from '../lib/config';
import { groupMetricSpec, parseMetricCatalog, readMetricCatalog } from '../lib/metrics';
import { ReplicaDns } from '../lib/replica-dns';
import { ACCOUNT, REGION, TEST_CONFIG, TEST_LIMITS, TEST_METRICS, dashboardWidgets, fakeAssets, fakeCli, synthConstruct } from './helpers';

const printing = (json: unknown) => fakeCli(`[ "$1" = metrics ] && [ $# -eq 1 ] || exit 9; cat <<'JSON'\n${JSON.stringify(json)}\nJSON`);

describe('readMetricCatalog', () => {
  test('calls the CLI as `metrics` and returns its catalogue (extra keys ignored)', () => {
    expect(readMetricCatalog(printing({ ...TEST_METRICS, schemaVersion: 1 }))).toEqual(TEST_METRICS);
  });

  test('a CLI without the command says how to rebuild it', () => {
    const cli = fakeCli(`echo "error: unrecognized subcommand '$1'" >&2; exit 2`);
    expect(() => readMetricCatalog(cli)).toThrow(/metrics failed \(exit status 2\):\nerror: unrecognized subcommand 'metrics'\n.*dashboard.*\n.*cargo build -p replica-dns-cli/);
  });

  test('output that is not JSON is named', () => {
    expect(() => readMetricCatalog(fakeCli('echo "ChangesApplied Count"'))).toThrow(/ metrics did not print JSON/);
  });
});

describe('parseMetricCatalog', () => {
  const metric = TEST_METRICS.metrics[0];

  test('a unit CloudWatch does not know is named', () => {
    expect(() => parseMetricCatalog({ ...TEST_METRICS, metrics: [{ ...metric, unit: 'Changes' }] }, 'cli metrics')).toThrow(
      /^cli metrics: metrics\[0\]\.unit must be a CloudWatch unit \(.*\), found "Changes"$/,
    );
  });

  test('a dimension whose values are not listed is named', () => {
    expect(() => parseMetricCatalog({ ...TEST_METRICS, dimensionValues: {} }, 'cli metrics')).toThrow(
      /dimensionValues\.Outcome \(a dimension of Executions\) must list its values/,
    );
  });

  test('an empty catalogue is refused', () => {
    expect(() => parseMetricCatalog({ namespace: 'ReplicaDns', metrics: [] }, 'cli metrics')).toThrow(/metrics must be a non-empty array/);
  });
});

describe('metrics the construct alarms on', () => {
  test('a metric missing from the catalogue is named, with what the catalogue has', () => {
    const catalog = { ...TEST_METRICS, metrics: TEST_METRICS.metrics.filter((m) => m.name !== 'InterimRoutingSeconds') };
    expect(() => groupMetricSpec(catalog, 'InterimRoutingSeconds')).toThrow(
      /no metric InterimRoutingSeconds with the single dimension ReplicationGroupId \(it lists ChangesApplied\[ReplicationGroupId\], .*Executions\[ReplicationGroupId,Outcome\]\)/,
    );
  });

  test('a metric with another dimension than the group is refused', () => {
    const catalog = { ...TEST_METRICS, metrics: TEST_METRICS.metrics.map((m) => (m.name === 'TopicNotActive' ? { ...m, dimensions: ['Topic'] } : m)), dimensionValues: { ...TEST_METRICS.dimensionValues, Topic: ['x'] } };
    expect(() => groupMetricSpec(catalog, 'TopicNotActive')).toThrow(/no metric TopicNotActive with the single dimension ReplicationGroupId/);
  });

  test('the construct fails the synth when the catalogue lacks a metric it alarms on', () => {
    const stack = new Stack(new App(), 'NoMetric', { env: { account: ACCOUNT, region: REGION } });
    const metricCatalog = { ...TEST_METRICS, metrics: TEST_METRICS.metrics.filter((m) => m.name !== 'TopicNotActive') };
    expect(() => new ReplicaDns(stack, 'ReplicaDns', { config: TEST_CONFIG, functionLimits: TEST_LIMITS, metricCatalog, assetsDir: fakeAssets() })).toThrow(
      /no metric TopicNotActive/,
    );
  });
});

test('the real replica-dns CLI prints a catalogue with every metric the construct alarms on', () => {
  const catalog = readMetricCatalog(findCli());
  expect(['TopicNotActive', 'InterimRoutingSeconds'].map((name) => groupMetricSpec(catalog, name).name)).toEqual(['TopicNotActive', 'InterimRoutingSeconds']);
});

test('with the real catalogue, the dashboard has a graph per group for every metric the functions emit', () => {
  const catalog = readMetricCatalog(findCli());
  const titles = dashboardWidgets(synthConstruct({ metricCatalog: catalog })).map((w) => w.properties.title);
  const perMetric = catalog.metrics.map((m) => [m.name, titles.filter((t) => t === `${m.name} (${m.unit})`).length]);
  expect(perMetric).toEqual(catalog.metrics.map((m) => [m.name, TEST_CONFIG.groups.length]));
});
