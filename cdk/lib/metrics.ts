// The CloudWatch metrics the Lambdas emit (Embedded Metric Format), as the Rust side
// declares them and `replica-dns metrics` prints them: namespace, name, unit, dimensions,
// meaning, and the values a dimension such as `Outcome` takes. The construct's dashboard
// and its alarms on replica-dns' own metrics are built from this catalogue.
//
// What this is NOT: a second list of metric names. The construct asks the catalogue for
// the metric an alarm needs (`metricSpec`), so a metric renamed or dropped in Rust fails
// the synth with the reason instead of leaving an alarm on a metric nobody emits.

import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { cliJson } from './cli';
import { ConfigError, findCli } from './config';

/** One metric of the catalogue. */
export interface MetricSpec {
  readonly name: string;
  /** A CloudWatch unit name: `Count`, `Milliseconds`, `Seconds`, … */
  readonly unit: cloudwatch.Unit;
  /** Dimension names, `ReplicationGroupId` first for the per-group metrics. */
  readonly dimensions: readonly string[];
  readonly description: string;
}

/** The output of `replica-dns metrics` (extra keys are ignored). */
export interface MetricCatalog {
  readonly namespace: string;
  readonly metrics: readonly MetricSpec[];
  /** The values of the dimensions other than `ReplicationGroupId`, e.g. `{"Outcome": ["Converged", …]}`. */
  readonly dimensionValues: Readonly<Record<string, readonly string[]>>;
}

/** The dimension every per-group metric carries. */
export const GROUP_DIMENSION = 'ReplicationGroupId';

const UNITS = new Set<string>(Object.values(cloudwatch.Unit));

function fail(source: string, what: string, value: unknown): never {
  throw new ConfigError(`${source}: ${what}, found ${JSON.stringify(value)}`);
}

function nonEmptyString(value: unknown, where: string, source: string): string {
  if (typeof value !== 'string' || value === '') fail(source, `${where} must be a non-empty string`, value);
  return value;
}

function stringList(value: unknown, where: string, source: string): string[] {
  if (!Array.isArray(value) || value.length === 0) fail(source, `${where} must be a non-empty array of strings`, value);
  return value.map((v, i) => nonEmptyString(v, `${where}[${i}]`, source));
}

/** Checks the CLI's JSON; errors name `source` and the key, e.g. `metrics[2].unit`. */
export function parseMetricCatalog(value: unknown, source: string): MetricCatalog {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(source, 'the output must be a JSON object', value);
  const root = value as Record<string, unknown>;
  const namespace = nonEmptyString(root.namespace, 'namespace', source);
  if (!Array.isArray(root.metrics) || root.metrics.length === 0) fail(source, 'metrics must be a non-empty array', root.metrics);
  const metrics = root.metrics.map((raw, i): MetricSpec => {
    const where = `metrics[${i}]`;
    if (typeof raw !== 'object' || raw === null) fail(source, `${where} must be an object`, raw);
    const m = raw as Record<string, unknown>;
    const unit = nonEmptyString(m.unit, `${where}.unit`, source);
    if (!UNITS.has(unit)) fail(source, `${where}.unit must be a CloudWatch unit (${[...UNITS].join(', ')})`, unit);
    return {
      name: nonEmptyString(m.name, `${where}.name`, source),
      unit: unit as cloudwatch.Unit,
      dimensions: stringList(m.dimensions, `${where}.dimensions`, source),
      description: nonEmptyString(m.description, `${where}.description`, source),
    };
  });
  const rawValues = root.dimensionValues ?? {};
  if (typeof rawValues !== 'object' || rawValues === null || Array.isArray(rawValues)) fail(source, 'dimensionValues must be an object', rawValues);
  const dimensionValues: Record<string, string[]> = {};
  for (const [dim, values] of Object.entries(rawValues)) dimensionValues[dim] = stringList(values, `dimensionValues.${dim}`, source);
  for (const m of metrics) {
    for (const dim of m.dimensions.filter((d) => d !== GROUP_DIMENSION)) {
      if (!dimensionValues[dim]) fail(source, `dimensionValues.${dim} (a dimension of ${m.name}) must list its values`, undefined);
    }
  }
  return { namespace, metrics, dimensionValues };
}

const cache = new Map<string, MetricCatalog>();

/** Runs `replica-dns metrics` (once per CLI binary) and returns its catalogue. */
export function readMetricCatalog(cli: string = findCli()): MetricCatalog {
  const cached = cache.get(cli);
  if (cached) return cached;
  const catalog = parseMetricCatalog(
    cliJson(cli, ['metrics'], 'The synth builds the dashboard and the alarms on replica-dns\' own metrics from this command.'),
    `${cli} metrics`,
  );
  cache.set(cli, catalog);
  return catalog;
}

/**
 * The catalogue's metric `name`, which the construct needs with `ReplicationGroupId` as its
 * only dimension (e.g. for a per-group alarm). Fails the synth, naming the metric, when
 * the catalogue no longer has it in that shape.
 */
export function groupMetricSpec(catalog: MetricCatalog, name: string): MetricSpec {
  const spec = catalog.metrics.find((m) => m.name === name);
  if (!spec || spec.dimensions.length !== 1 || spec.dimensions[0] !== GROUP_DIMENSION) {
    throw new ConfigError(
      `replica-dns metrics has no metric ${name} with the single dimension ${GROUP_DIMENSION} (it lists ${catalog.metrics.map((m) => `${m.name}[${m.dimensions.join(',')}]`).join(', ')}); the construct alarms on it. Rebuild the CLI from the same commit as the functions.`,
    );
  }
  return spec;
}

/**
 * How the dashboard shows a metric (docs/metrics.md, "Statistics that make sense"):
 * counts as their Sum per period, durations as p50, p99 and Maximum, a 0/1 gauge (the
 * construct passes the catalogue's TopicNotActive) as its Maximum.
 */
export function dashboardStatistics(spec: MetricSpec, gauges: readonly MetricSpec[]): string[] {
  if (gauges.some((g) => g.name === spec.name)) return ['Maximum'];
  return spec.unit === cloudwatch.Unit.COUNT ? ['Sum'] : ['p50', 'p99', 'Maximum'];
}

/** One group's series of `spec` (all of its dimensions but the group fixed by `fixed`). */
export function groupMetric(
  catalog: MetricCatalog,
  spec: MetricSpec,
  groupId: string,
  options: { statistic: string; period: Duration; fixed?: Record<string, string>; label?: string },
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: catalog.namespace,
    metricName: spec.name,
    dimensionsMap: { [GROUP_DIMENSION]: groupId, ...(options.fixed ?? {}) },
    statistic: options.statistic,
    period: options.period,
    label: options.label,
  });
}
