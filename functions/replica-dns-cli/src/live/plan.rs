//! `replica-dns plan`: the dry run computed here, from a fresh snapshot and the zone's
//! records, by the core planner the plan Lambda runs. It reads only (DescribeReplication
//! Groups, DescribeCacheClusters, ListResourceRecordSets) and changes nothing.

use anyhow::Result;
use replica_dns_aws::Adapters;
use replica_dns_core::config::{Config, GroupConfig};
use replica_dns_core::plan::{plan, Plan, PlanInput, ZoneRecords};

use super::read_group;

/// The plan of each selected group, planned alone as the pipeline plans it (one
/// execution branch per group), merged into one [`Plan`] for display.
pub async fn dry_run(aws: &Adapters, config: &Config, groups: &[&GroupConfig]) -> Result<Plan> {
    let mut merged = Plan {
        groups: Vec::new(),
        batches: Vec::new(),
    };
    for group in groups {
        let (topology, records) = read_group(aws, group).await?;
        let alone = Config {
            owner_id: config.owner_id.clone(),
            groups: vec![(*group).clone()],
        };
        let input = PlanInput {
            topologies: vec![topology],
            zones: vec![ZoneRecords {
                hosted_zone_id: group.hosted_zone_id.clone(),
                records,
            }],
        };
        let planned = plan(&alone, &input)?;
        merged.groups.extend(planned.groups);
        merged.batches.extend(planned.batches);
    }
    Ok(merged)
}

/// The JSON for scripts: the plan as the pipeline serialises it, plus the number of
/// Route 53 changes it holds.
pub fn json(plan: &Plan) -> serde_json::Value {
    let changes: usize = plan.batches.iter().map(|b| b.changes.len()).sum();
    serde_json::json!({ "changes": changes, "plan": plan })
}
