// The trigger's SNS filter policy: inside SNS's limits, and passing every event the
// filter Lambda (core event/elasticache.rs) considers relevant.

import * as fs from 'fs';
import * as path from 'path';
import { RELEVANT_ELASTICACHE_EVENTS, elastiCacheFilterPolicy } from '../lib/filter-policy';
import { REPO_ROOT } from './helpers';

/** SNS's complexity rule: values multiply within a policy, `$or` branches add up. */
function combinations(policy: Record<string, unknown>): number {
  let total = 1;
  for (const [key, value] of Object.entries(policy)) {
    if (key === '$or' && Array.isArray(value)) {
      total *= (value as Record<string, unknown>[]).reduce((sum, branch) => sum + combinations(branch), 0);
    } else if (Array.isArray(value)) {
      total *= value.length;
    } else {
      total *= combinations(value as Record<string, unknown>);
    }
  }
  return total;
}

/** A matcher with SNS's semantics for the subset we use: `$or` and `exists: true` on top-level body keys. */
function passes(policy: Record<string, unknown>, body: Record<string, unknown>): boolean {
  return Object.entries(policy).every(([key, value]) =>
    key === '$or'
      ? (value as Record<string, unknown>[]).some((b) => passes(b, body))
      : (value as { exists: boolean }[]).some((v) => v.exists === key in body),
  );
}

const policy = elastiCacheFilterPolicy();

test('has at most five top-level keys (SNS limit)', () => {
  expect(Object.keys(policy).length).toBeLessThanOrEqual(5);
});

test('has a complexity within SNS\'s limit of 150 combinations', () => {
  expect(combinations(policy)).toBeLessThanOrEqual(150);
});

test('passes a FailoverComplete notification', () => {
  expect(passes(policy, { 'ElastiCache:FailoverComplete': 'orders' })).toBe(true);
});

test('drops a snapshot notification', () => {
  expect(passes(policy, { 'ElastiCache:SnapshotComplete': 'orders-001' })).toBe(false);
});

test('drops TestFailoverApiCalled (FailoverComplete follows when roles change)', () => {
  expect(passes(policy, { 'ElastiCache:TestFailoverApiCalled': 'orders' })).toBe(false);
});

test('a single event needs no $or (SNS reads $or as an operator only with two or more branches)', () => {
  expect(elastiCacheFilterPolicy(['FailoverComplete'])).toEqual({ 'ElastiCache:FailoverComplete': [{ exists: true }] });
});

test('passes every event the core calls relevant (contract with event/elasticache.rs)', () => {
  const source = fs.readFileSync(path.join(REPO_ROOT, 'functions/replica-dns-core/src/event/elasticache.rs'), 'utf8');
  const known = [...source.matchAll(/\(\s*"([A-Za-z]+)",\s*EventName::([A-Za-z]+)\s*,?\s*\)/g)].map((m) => m[1]);
  const irrelevant = [...source.matchAll(/EventName::([A-Za-z]+)\s*=>\s*Relevance::Irrelevant/g)].map((m) => m[1]);
  expect(known.length).toBeGreaterThan(5);
  const relevant = known.filter((e) => !irrelevant.includes(e));
  expect(relevant.filter((e) => !RELEVANT_ELASTICACHE_EVENTS.includes(e))).toEqual([]);
});
