//! Planner throughput at fleet scale: 1 000 groups × 6 nodes (1 primary + 5 replicas)
//! sharing one hosted zone of 12 000 records (10 000 ours, 2 000 others), 10 % of the
//! groups mid-failover so the plan does real work. Target: ≤ 5 ms per full plan.
//!
//! `cargo bench -p replica-dns-core --bench planner` prints criterion's estimate and a
//! plain summary line.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use replica_dns_core::plan::{plan, PlanInput, ZoneRecords};
use replica_dns_core::records::RecordSet;

#[path = "../tests/planner_support/mod.rs"]
mod planner_support;

use planner_support::*;

const GROUPS: usize = 1_000;
const TARGET: Duration = Duration::from_millis(5);

fn fleet() -> (replica_dns_core::config::Config, PlanInput) {
    let mut groups = Vec::with_capacity(GROUPS);
    let mut topologies = Vec::with_capacity(GROUPS);
    let mut records: Vec<RecordSet> = Vec::with_capacity(12_000);
    for g in 0..GROUPS {
        let id = format!("grp{g:04}");
        groups.push(group_config(&id));
        let failed_over = g % 10 == 0;
        topologies.push(topology(
            &id,
            &[
                ("001", if failed_over { 'R' } else { 'P' }, !failed_over),
                ("002", if failed_over { 'P' } else { 'R' }, true),
                ("003", 'R', true),
                ("004", 'R', true),
                ("005", 'R', true),
                ("006", 'R', true),
            ],
        ));
        for (n, node) in ["002", "003", "004", "005", "006"].iter().enumerate() {
            records.extend(owned(&id, n as u32 + 1, node, node));
        }
        records.push(RecordSet::cname(
            &format!("writer.{id}.cache.internal."),
            60,
            &primary_addr(&id),
        ));
        records.push(RecordSet::txt(
            &format!("{id}.cache.internal."),
            300,
            "\"team=payments\"",
        ));
    }
    assert_eq!(records.len(), 12_000);
    (
        config_of(groups),
        PlanInput {
            topologies,
            zones: vec![ZoneRecords {
                hosted_zone_id: ZONE.into(),
                records,
            }],
        },
    )
}

fn bench_planner(c: &mut Criterion) {
    let (config, input) = fleet();
    let sample = plan(&config, &input).expect("plan");
    // Every group is planned (none skipped for want of a snapshot or zone), so the
    // figure is the cost of the whole fleet it claims.
    assert_eq!(sample.groups.len(), GROUPS, "every group is planned");
    let changes: usize = sample.batches.iter().map(|b| b.changes.len()).sum();
    assert_eq!(
        changes,
        GROUPS / 10 * 4,
        "each failed-over group re-homes one slot"
    );

    // A plain figure, independent of criterion's report format. Wall time suffers when
    // the machine is shared (other builds on the same cores); the thread's own CPU time
    // (Linux schedstat) is what the planner itself costs.
    let runs = 100;
    let cpu_before = thread_cpu_time();
    let started = Instant::now();
    for _ in 0..runs {
        black_box(plan(black_box(&config), black_box(&input)).expect("plan"));
    }
    let wall = started.elapsed() / runs;
    let cpu = cpu_before
        .zip(thread_cpu_time())
        .map(|(before, after)| after.saturating_sub(before) / runs);
    let figure = cpu.unwrap_or(wall);
    println!(
        "planner: {GROUPS} groups x 6 nodes, 12000 records, {changes} changes: {:.3} ms CPU, {:.3} ms wall per full plan (target <= {} ms){}",
        cpu.map_or(f64::NAN, |c| c.as_secs_f64() * 1e3),
        wall.as_secs_f64() * 1e3,
        TARGET.as_millis(),
        if figure <= TARGET { "" } else { "  ** OVER TARGET **" }
    );

    c.bench_function("plan 1000 groups x 6 nodes, 12000 records", |b| {
        b.iter(|| plan(black_box(&config), black_box(&input)).expect("plan"))
    });
}

/// CPU time this thread has run, from `/proc/thread-self/schedstat` (nanoseconds on
/// CPU, first field); `None` where that file does not exist.
fn thread_cpu_time() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(5));
    targets = bench_planner
}
criterion_main!(benches);
