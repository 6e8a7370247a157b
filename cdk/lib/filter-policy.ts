// The SNS subscription filter policy of the trigger: which ElastiCache notifications
// start a pipeline run. Irrelevant events (snapshots, maintenance, TestFailoverApiCalled
// …) are dropped by SNS and cost nothing.
//
// What this is NOT: the relevance decision itself. The filter Lambda (core
// event/elasticache.rs) decides again and is the authority; this list must be a superset
// of what it calls relevant, which a test checks against the Rust source.

/**
 * ElastiCache events that can change a group's replicas, roles or readiness.
 * ElastiCache publishes a JSON object keyed `ElastiCache:<EventName>`, e.g.
 * `{"ElastiCache:FailoverComplete":"orders"}`.
 */
export const RELEVANT_ELASTICACHE_EVENTS: readonly string[] = [
  'FailoverComplete',
  'CacheNodeReplaceStarted',
  'CacheNodeReplaceComplete',
  'CacheClusterProvisioningComplete',
  'AddCacheNodeComplete',
  'RemoveCacheNodeComplete',
  'DeleteCacheClusterComplete',
  'ReplicationGroupIncreaseReplicaCountFinished',
  'ReplicationGroupScalingComplete',
  'CacheNodesRebooted',
];

/**
 * Filter policy for `FilterPolicyScope: MessageBody`: pass a message when its body has
 * any of the relevant keys. One top-level key (`$or`, SNS allows five) and a complexity
 * of one per event (SNS sums the branches of `$or`; the limit is 150).
 */
export function elastiCacheFilterPolicy(events: readonly string[] = RELEVANT_ELASTICACHE_EVENTS): Record<string, unknown> {
  const branches = events.map((event) => ({ [`ElastiCache:${event}`]: [{ exists: true }] }));
  if (branches.length === 0) throw new Error('the filter policy needs at least one event');
  // SNS reads `$or` as an operator only when it holds more than one object.
  return branches.length === 1 ? branches[0] : { $or: branches };
}
