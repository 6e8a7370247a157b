//! A scenario: one isolated world on the local stack (private zone, SNS topic,
//! replication group, and optionally the whole pipeline: seven Lambdas, the state
//! machine, the trigger's subscription), plus the actions and waits e2e tests need.
//! Every name carries a unique suffix, so scenarios of tests running in parallel never
//! share a resource. Not an assertion library: it returns data, tests decide.

use crate::dns::{self, Answer};
use crate::host::{Invocation, LambdaHost};
use crate::resp::{self, Access, Role};
use crate::stack::{Stack, ACCOUNT_ID};
use anyhow::{anyhow, bail, Context, Result};
use aws_sdk_elasticache::types::NodeGroupMember;
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, HostedZoneConfig, ResourceRecord, ResourceRecordSet, RrType,
    Vpc, VpcRegion,
};
use aws_sdk_sfn::types::{ExecutionStatus, StateMachineType};
use hickory_resolver::proto::rr::RecordType;
use replica_dns_core::config::{Config, GroupConfig, NoReplicaPolicy};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The pipeline's Lambdas: (short name used in function names, binary = crate name,
/// ASL placeholder or None for the trigger, which the state machine does not call).
pub const LAMBDAS: [(&str, &str, Option<&str>); 7] = [
    ("trigger", "replica-dns-trigger", None),
    ("filter", "replica-dns-filter", Some("FilterFunctionArn")),
    (
        "snapshot",
        "replica-dns-snapshot",
        Some("SnapshotFunctionArn"),
    ),
    (
        "await-nodes",
        "replica-dns-await-nodes",
        Some("AwaitNodesFunctionArn"),
    ),
    ("plan", "replica-dns-plan", Some("PlanFunctionArn")),
    ("apply", "replica-dns-apply", Some("ApplyFunctionArn")),
    ("verify", "replica-dns-verify", Some("VerifyFunctionArn")),
];

/// Execution tunables that keep the pipeline's waits short on the local stack; given to
/// the trigger (`REPLICA_DNS_EXECUTION_DEFAULTS`) and merged into manual executions.
pub fn fast_execution_defaults() -> Value {
    json!({"waitSeconds": 1, "awaitDeadlineSeconds": 120, "verifyPollSeconds": 1, "maxVerifyPolls": 60})
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A short id unique across the processes and tests of one machine: `{prefix}-{hex}`.
pub fn unique_id(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mix = (nanos as u64)
        ^ (u64::from(std::process::id()) << 20)
        ^ (u64::from(COUNTER.fetch_add(1, Ordering::Relaxed)) << 40);
    let mut clean: String = prefix
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while clean.contains("--") {
        clean = clean.replace("--", "-");
    }
    clean.truncate(16);
    let clean = clean.trim_matches('-');
    let clean = if clean.starts_with(|c: char| c.is_ascii_alphabetic()) {
        clean.to_string()
    } else {
        format!("t{clean}")
    };
    format!("{clean}-{:08x}", (mix ^ (mix >> 32)) as u32)
}

/// An edit of the group's configuration, applied before the Lambdas get it.
type ConfigEdit = Box<dyn FnOnce(&mut GroupConfig) + Send>;

/// Builds a [`Scenario`]; see [`Stack::scenario`].
pub struct ScenarioBuilder<'a> {
    stack: &'a Stack,
    prefix: String,
    replicas: u8,
    pipeline: bool,
    configure: Vec<ConfigEdit>,
    execution_defaults: Value,
    function_timeout: u32,
    function_timeouts: BTreeMap<String, u32>,
    function_env: BTreeMap<String, String>,
    asl_path: PathBuf,
    tls_auth: bool,
    extra_groups: usize,
    sibling_groups: u8,
    preferred_azs: Vec<String>,
}

impl Stack {
    /// Starts describing a scenario; `prefix` names it in every resource id (keep it short).
    pub fn scenario(&self, prefix: &str) -> ScenarioBuilder<'_> {
        ScenarioBuilder {
            stack: self,
            prefix: prefix.to_string(),
            replicas: 2,
            pipeline: true,
            configure: Vec::new(),
            execution_defaults: fast_execution_defaults(),
            function_timeout: 30,
            function_timeouts: BTreeMap::new(),
            function_env: BTreeMap::new(),
            asl_path: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("statemachine")
                .join("replica-dns.asl.json"),
            tls_auth: false,
            extra_groups: 0,
            sibling_groups: 0,
            preferred_azs: Vec::new(),
        }
    }
}

impl ScenarioBuilder<'_> {
    /// Number of replicas besides the primary (default 2; ElastiCache allows 0..=5).
    pub fn replicas(mut self, n: u8) -> Self {
        self.replicas = n;
        self
    }

    /// Whether to deploy the pipeline (Lambdas, state machine, subscription); default true.
    /// Without it the scenario is just zone + topic + group (for tests of the stack).
    pub fn pipeline(mut self, on: bool) -> Self {
        self.pipeline = on;
        self
    }

    /// Edits the group's configuration before it is given to the Lambdas.
    pub fn configure(mut self, f: impl FnOnce(&mut GroupConfig) + Send + 'static) -> Self {
        self.configure.push(Box::new(f));
        self
    }

    /// Tunables merged into every execution (see statemachine/README.md).
    pub fn execution_defaults(mut self, defaults: Value) -> Self {
        self.execution_defaults = defaults;
        self
    }

    /// Timeout of every Lambda, seconds (default 30).
    pub fn function_timeout(mut self, seconds: u32) -> Self {
        self.function_timeout = seconds;
        self
    }

    /// Timeout of one Lambda (`short` as in [`LAMBDAS`], e.g. `snapshot`), overriding
    /// [`ScenarioBuilder::function_timeout`] for it.
    pub fn function_timeout_of(mut self, short: &str, seconds: u32) -> Self {
        self.function_timeouts.insert(short.to_string(), seconds);
        self
    }

    /// Creates the group as production runs it: `TransitEncryptionEnabled=true` and an
    /// `AuthToken` (generated), the token stored as a Secrets Manager secret whose ARN is
    /// the group's `authSecretArn`. Verify gets the stack's CA as
    /// `REPLICA_DNS_PROBE_CA_FILE`; [`Scenario::role`] speaks TLS and AUTH.
    pub fn tls_auth(mut self, on: bool) -> Self {
        self.tls_auth = on;
        self
    }

    /// Gives the group AZ-local names `replica-{az}.<zone>` and the pooled name
    /// `pool.<zone>` (config `azNames`, `pooledName`).
    pub fn az_names_and_pool(self) -> Self {
        self.configure(|g| {
            g.az_names = Some(replica_dns_core::config::AzNamesConfig {
                template: format!("replica-{{az}}.{}", g.zone_name),
            });
            g.pooled_name = Some(replica_dns_core::config::PooledNameConfig {
                name: format!("pool.{}", g.zone_name),
            });
        })
    }

    /// Creates the group with `PreferredCacheClusterAZs`: one AZ per member, primary
    /// first (ElastiCache: "The primary cluster is created in the first AZ in the list";
    /// the list must have one entry per cluster, replicas + 1). Without it the emulator
    /// spreads the members over us-east-1a, b and c.
    pub fn availability_zones(mut self, azs: &[&str]) -> Self {
        self.preferred_azs = azs.iter().map(|az| az.to_string()).collect();
        self
    }

    /// Delivers the configuration as the CDK construct does — a file named by
    /// `REPLICA_DNS_CONFIG_FILE` instead of `REPLICA_DNS_CONFIG` — with `n` more groups
    /// in it besides the scenario's (each with its own names in the scenario's zone;
    /// no cluster behind them), so a deployment larger than the environment can hold
    /// is exercised end to end.
    pub fn config_file_with_extra_groups(mut self, n: usize) -> Self {
        self.extra_groups = n;
        self.function_env
            .insert(CONFIG_IN_FILE.into(), "true".into());
        self
    }

    /// `n` more real replication groups (`<id>-s0`, …, as many replicas as the
    /// scenario's, no notification topic: their changes start no execution) in the
    /// scenario's zone and configuration, with names `replica{n}.s<i>.<zone>`: a
    /// deployment of several groups for the fleet pass (`{"all": true}`).
    /// [`Scenario::sibling`] views one of them as a scenario of its own.
    pub fn sibling_groups(mut self, n: u8) -> Self {
        self.sibling_groups = n;
        self
    }

    /// An extra environment variable for every Lambda (e.g. `RUST_LOG`).
    pub fn function_env(mut self, key: &str, value: &str) -> Self {
        self.function_env.insert(key.to_string(), value.to_string());
        self
    }

    /// Creates everything and waits until the replication group is available.
    pub async fn build(self) -> Result<Scenario> {
        let stack = self.stack.clone();
        let id = unique_id(&self.prefix);
        let zone_name = format!("{id}.cache.internal.");

        let zone = stack
            .route53
            .create_hosted_zone()
            .name(&zone_name)
            .caller_reference(&id)
            .vpc(
                Vpc::builder()
                    .vpc_id("vpc-0replicadns0local")
                    .vpc_region(VpcRegion::UsEast1)
                    .build(),
            )
            .hosted_zone_config(
                HostedZoneConfig::builder()
                    .private_zone(true)
                    .comment(&id)
                    .build(),
            )
            .send()
            .await
            .context("CreateHostedZone")?;
        let zone_id = zone
            .hosted_zone()
            .map(|z| z.id().trim_start_matches("/hostedzone/").to_string())
            .ok_or_else(|| anyhow!("CreateHostedZone returned no zone"))?;

        let topic_arn = stack
            .sns
            .create_topic()
            .name(format!("{id}-events"))
            .send()
            .await
            .context("CreateTopic")?
            .topic_arn()
            .ok_or_else(|| anyhow!("CreateTopic returned no ARN"))?
            .to_string();

        let group_id = id.clone();
        let auth = if self.tls_auth {
            let token = auth_token(&id);
            let arn = stack
                .secretsmanager
                .create_secret()
                .name(format!("{id}-auth"))
                .description(format!("AUTH token of replication group {id}"))
                .secret_string(&token)
                .send()
                .await
                .context("CreateSecret")?
                .arn()
                .ok_or_else(|| anyhow!("CreateSecret returned no ARN"))?
                .to_string();
            Some((token, arn))
        } else {
            None
        };
        let mut create = stack
            .elasticache
            .create_replication_group()
            .replication_group_id(&group_id)
            .replication_group_description(format!("replica-dns e2e scenario {id}"))
            .engine("redis")
            .cache_node_type("cache.t4g.micro")
            .num_cache_clusters(i32::from(self.replicas) + 1)
            .automatic_failover_enabled(self.replicas > 0)
            .notification_topic_arn(&topic_arn);
        if let Some((token, _)) = &auth {
            create = create.transit_encryption_enabled(true).auth_token(token);
        }
        if !self.preferred_azs.is_empty() {
            create = create.set_preferred_cache_cluster_azs(Some(self.preferred_azs.clone()));
        }
        create.send().await.context("CreateReplicationGroup")?;
        let siblings: Vec<String> = (0..self.sibling_groups)
            .map(|i| format!("{id}-s{i}"))
            .collect();
        for sibling in &siblings {
            stack
                .elasticache
                .create_replication_group()
                .replication_group_id(sibling)
                .replication_group_description(format!("replica-dns e2e scenario {id}, sibling"))
                .engine("redis")
                .cache_node_type("cache.t4g.micro")
                .num_cache_clusters(i32::from(self.replicas) + 1)
                .automatic_failover_enabled(self.replicas > 0)
                .send()
                .await
                .context("CreateReplicationGroup (sibling)")?;
        }

        let mut group = GroupConfig {
            replication_group_id: group_id.clone(),
            hosted_zone_id: zone_id.clone(),
            zone_name: zone_name.clone(),
            name_template: format!("replica{{n}}.{zone_name}"),
            ttl: 5,
            no_replica_policy: NoReplicaPolicy::Primary,
            adopt_existing: false,
            ownership_prefix: replica_dns_core::config::DEFAULT_OWNERSHIP_PREFIX.to_string(),
            az_names: None,
            pooled_name: None,
            auth_secret_arn: auth.as_ref().map(|(_, arn)| arn.clone()),
        };
        for f in self.configure {
            f(&mut group);
        }
        let extra = (0..self.extra_groups).map(|i| GroupConfig {
            replication_group_id: format!("{id}-extra-{i}"),
            name_template: format!("replica{{n}}.extra-{i}.{zone_name}"),
            auth_secret_arn: None,
            ..group.clone()
        });
        let sibling_configs: Vec<GroupConfig> = siblings
            .iter()
            .enumerate()
            .map(|(i, sibling)| GroupConfig {
                replication_group_id: sibling.clone(),
                name_template: format!("replica{{n}}.s{i}.{zone_name}"),
                auth_secret_arn: None,
                ..group.clone()
            })
            .collect();
        let groups = std::iter::once(group.clone())
            .chain(sibling_configs)
            .chain(extra)
            .collect();
        let config = Config {
            owner_id: format!("replica-dns-{id}"),
            groups,
        };

        let mut scenario = Scenario {
            stack,
            id,
            zone_id,
            zone_name,
            group_id,
            topic_arn,
            config,
            state_machine_arn: None,
            functions: Vec::new(),
            execution_defaults: self.execution_defaults,
            transit_encryption: self.tls_auth,
            auth: auth.map(|(token, arn)| Auth { token, arn }),
            siblings,
        };
        scenario
            .wait_group_available(Duration::from_secs(60))
            .await?;
        for i in 0..scenario.siblings.len() {
            scenario
                .sibling(i)
                .wait_group_available(Duration::from_secs(60))
                .await?;
        }
        if self.pipeline {
            scenario
                .deploy_pipeline(
                    &self.asl_path,
                    self.function_timeout,
                    &self.function_timeouts,
                    &self.function_env,
                )
                .await?;
        }
        Ok(scenario)
    }
}

/// One member of the group as ElastiCache describes it, with its node's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub cache_cluster_id: String,
    /// `primary` | `replica`.
    pub current_role: String,
    pub address: String,
    pub port: u16,
    pub availability_zone: Option<String>,
    /// CacheClusterStatus (`available`, `modifying`, …).
    pub cluster_status: Option<String>,
}

/// A finished (or running) execution with what it was given and returned.
#[derive(Debug, Clone)]
pub struct Execution {
    pub arn: String,
    pub name: String,
    pub status: ExecutionStatus,
    pub input: Option<Value>,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
}

/// A record set read from Route 53.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// As Route 53 returns it: lower case, trailing dot.
    pub name: String,
    pub record_type: String,
    pub ttl: Option<i64>,
    pub values: Vec<String>,
    pub set_identifier: Option<String>,
    /// Weighted record sets only.
    pub weight: Option<i64>,
}

/// The builder's marker (in the function environment it collects) for
/// [`ScenarioBuilder::config_file_with_extra_groups`]; never passed to a Lambda.
const CONFIG_IN_FILE: &str = "REPLICA_DNS_DRIVER_CONFIG_IN_FILE";

/// See the module doc.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub stack: Stack,
    /// The unique id; also the replication group id.
    pub id: String,
    /// Hosted zone id without `/hostedzone/`.
    pub zone_id: String,
    /// e.g. `smoke-1a2b3c4d.cache.internal.`
    pub zone_name: String,
    pub group_id: String,
    pub topic_arn: String,
    /// What the Lambdas got (in `REPLICA_DNS_CONFIG`, or the file `REPLICA_DNS_CONFIG_FILE`
    /// names): the scenario's group first.
    pub config: Config,
    pub state_machine_arn: Option<String>,
    /// Names of the functions registered with the Lambda host.
    pub functions: Vec<String>,
    execution_defaults: Value,
    /// Whether the group was created with in-transit encryption (TLS only).
    pub transit_encryption: bool,
    /// The group's AUTH token and the secret holding it, if it has one.
    pub auth: Option<Auth>,
    /// The ids of [`ScenarioBuilder::sibling_groups`].
    pub siblings: Vec<String>,
}

/// A group's AUTH token and the Secrets Manager secret it is stored in.
#[derive(Clone)]
pub struct Auth {
    pub token: String,
    /// The secret's full ARN: the group's `authSecretArn`.
    pub arn: String,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("token", &"<redacted>")
            .field("arn", &self.arn)
            .finish()
    }
}

/// An AUTH token ElastiCache accepts (16 to 128 printable characters, of the
/// non-alphanumerics only `!&#$^<>-`), unique per scenario.
pub fn auth_token(id: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!("Rdns-{id}-{:016x}", nanos as u64)
}

impl Scenario {
    /// The name of this scenario's function `short` (e.g. `plan`).
    pub fn function_name(&self, short: &str) -> String {
        format!("{}-{short}", self.id)
    }

    /// The CloudWatch Embedded Metric Format documents function `short` (e.g. "apply")
    /// wrote to its log so far: every log line that is a JSON object with `_aws`.
    pub fn metric_documents(&self, short: &str) -> Vec<Value> {
        self.function_log(short)
            .lines()
            .filter_map(|line| serde_json::from_str::<Value>(line).ok())
            .filter(|doc| doc.get("_aws").is_some())
            .collect()
    }

    /// How many lines of function `short`'s log so far contain `text`.
    pub fn log_lines_containing(&self, short: &str, text: &str) -> usize {
        self.function_log(short)
            .lines()
            .filter(|line| line.contains(text))
            .count()
    }

    /// Everything function `short` logged so far (empty without a run directory).
    fn function_log(&self, short: &str) -> String {
        let Some(dir) = &self.stack.run_dir else {
            return String::new();
        };
        let path = dir
            .join("lambda")
            .join(format!("{}.log", self.function_name(short)));
        std::fs::read_to_string(path).unwrap_or_default()
    }

    async fn deploy_pipeline(
        &mut self,
        asl_path: &std::path::Path,
        timeout: u32,
        timeouts: &BTreeMap<String, u32>,
        extra_env: &BTreeMap<String, String>,
    ) -> Result<()> {
        let mut asl = std::fs::read_to_string(asl_path)
            .with_context(|| format!("reading the state machine {}", asl_path.display()))?;
        for (short, _, placeholder) in LAMBDAS {
            if let Some(p) = placeholder {
                asl = asl.replace(
                    &format!("${{{p}}}"),
                    &Stack::function_arn(&self.function_name(short)),
                );
            }
        }
        if let Some(left) = asl.find("${") {
            let end = asl[left..].find('}').map_or(asl.len(), |e| left + e + 1);
            bail!(
                "state machine has a placeholder the driver does not fill: {}",
                &asl[left..end]
            );
        }
        let sm_arn = self
            .stack
            .sfn
            .create_state_machine()
            .name(format!("{}-replica-dns", self.id))
            .definition(asl)
            .role_arn(format!(
                "arn:aws:iam::{ACCOUNT_ID}:role/replica-dns-state-machine"
            ))
            .r#type(StateMachineType::Standard)
            .send()
            .await
            .context("CreateStateMachine")?
            .state_machine_arn()
            .to_string();
        self.state_machine_arn = Some(sm_arn.clone());

        // Validated here, where the Lambdas need it (they reject an invalid config at init).
        self.config
            .validate()
            .map_err(|e| anyhow!("scenario configuration is invalid: {e:?}"))?;
        let in_file = extra_env.contains_key(CONFIG_IN_FILE);
        let delivery = if in_file {
            replica_dns_core::config::Delivery::File
        } else {
            replica_dns_core::config::Delivery::Env
        };
        let config_json = self
            .config
            .delivered_value(delivery)
            .map_err(|e| anyhow!("the scenario's configuration ({delivery:?}): {e:?}"))?;
        let config_var = if in_file {
            let dir = self
                .stack
                .run_dir
                .clone()
                .unwrap_or_else(std::env::temp_dir);
            let path = dir.join(format!("{}-config.json", self.id));
            std::fs::write(&path, &config_json)
                .with_context(|| format!("writing {}", path.display()))?;
            (
                replica_dns_core::config::CONFIG_FILE_ENV_VAR,
                path.display().to_string(),
            )
        } else {
            (replica_dns_core::config::CONFIG_ENV_VAR, config_json)
        };
        for (short, binary, _) in LAMBDAS {
            let mut env = extra_env.clone();
            env.remove(CONFIG_IN_FILE);
            env.insert(config_var.0.to_string(), config_var.1.clone());
            env.entry("RUST_LOG".into())
                .or_insert_with(|| "info".into());
            match short {
                "trigger" => {
                    env.insert("STATE_MACHINE_ARN".into(), sm_arn.clone());
                    env.insert(
                        "REPLICA_DNS_EXECUTION_DEFAULTS".into(),
                        self.execution_defaults.to_string(),
                    );
                }
                "snapshot" => {
                    env.insert("REPLICA_DNS_EVENT_TOPIC_ARN".into(), self.topic_arn.clone());
                }
                "verify" => {
                    env.insert(
                        "REPLICA_DNS_RESOLVER".into(),
                        self.stack.dns_addr.to_string(),
                    );
                    env.insert("REPLICA_DNS_PROBE_ROLE".into(), "true".into());
                    if let Some(ca_file) = &self.stack.ca_file {
                        env.insert(
                            "REPLICA_DNS_PROBE_CA_FILE".into(),
                            ca_file.display().to_string(),
                        );
                    }
                }
                _ => {}
            }
            let name = self.function_name(short);
            let timeout = timeouts.get(short).copied().unwrap_or(timeout);
            self.stack
                .lambda_host
                .register(&name, &self.stack.bin_dir.join(binary), &env, timeout)
                .await?;
            self.functions.push(name);
        }
        self.stack
            .sns
            .subscribe()
            .topic_arn(&self.topic_arn)
            .protocol("lambda")
            .endpoint(Stack::function_arn(&self.function_name("trigger")))
            .send()
            .await
            .context("Subscribe trigger to the topic")?;
        Ok(())
    }

    /// Arms a fault in the emulator (`POST /faults`, see tests/localstack/README.md), e.g.
    /// `{"operation": "ChangeResourceRecordSets", "match": zone_id, "action":
    /// "kill-caller", "when": "after", "function": name}`; returns its id.
    pub async fn inject_fault(&self, fault: &Value) -> Result<String> {
        let answer = self.stack.control_post("/faults", fault).await?;
        answer["id"]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| anyhow!("POST /faults answered {answer}"))
    }

    /// How often the fault `id` has fired.
    pub async fn fault_fired(&self, id: &str) -> Result<u64> {
        let answer = self.stack.control_get("/faults").await?;
        answer["faults"]
            .as_array()
            .and_then(|faults| faults.iter().find(|f| f["id"] == id))
            .and_then(|f| f["fired"].as_u64())
            .ok_or_else(|| anyhow!("fault {id} not listed: {answer}"))
    }

    /// The error names of the failures an execution met on its way (task failures,
    /// Lambda failures), in order: what its Retry and Catch saw.
    pub async fn execution_errors(&self, execution_arn: &str) -> Result<Vec<String>> {
        let mut errors = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .stack
                .sfn
                .get_execution_history()
                .execution_arn(execution_arn)
                .set_next_token(token)
                .send()
                .await
                .context("GetExecutionHistory")?;
            for event in page.events() {
                let error = event
                    .task_failed_event_details()
                    .and_then(|d| d.error())
                    .or_else(|| {
                        event
                            .lambda_function_failed_event_details()
                            .and_then(|d| d.error())
                    });
                if let Some(error) = error {
                    errors.push(error.to_string());
                }
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(errors);
            }
        }
    }

    /// Registers one more function with the host under this scenario (removed by
    /// [`Scenario::teardown`]); returns its name.
    pub async fn register_function(
        &mut self,
        short: &str,
        binary: &std::path::Path,
        env: &BTreeMap<String, String>,
        timeout: u32,
    ) -> Result<String> {
        let name = self.function_name(short);
        self.stack
            .lambda_host
            .register(&name, binary, env, timeout)
            .await?;
        self.functions.push(name.clone());
        Ok(name)
    }

    /// Invokes a function (name or ARN) through the emulator's endpoint, the way the
    /// state machine does.
    pub async fn invoke(&self, function: &str, payload: &Value) -> Result<Invocation> {
        LambdaHost::invoke_at(&self.stack.endpoint_url, function, payload).await
    }

    // ---------------------------------------------------------------- ElastiCache

    /// The group's members (cluster mode disabled: node group 0001) with their status.
    pub async fn members(&self) -> Result<Vec<Member>> {
        let out = self
            .stack
            .elasticache
            .describe_replication_groups()
            .replication_group_id(&self.group_id)
            .send()
            .await
            .context("DescribeReplicationGroups")?;
        let group = out
            .replication_groups()
            .first()
            .ok_or_else(|| anyhow!("replication group {} not found", self.group_id))?;
        let statuses = self.cluster_statuses().await?;
        let members: &[NodeGroupMember] = group
            .node_groups()
            .first()
            .map(|ng| ng.node_group_members())
            .unwrap_or_default();
        Ok(members
            .iter()
            .map(|m| {
                let id = m.cache_cluster_id().unwrap_or_default().to_string();
                Member {
                    cluster_status: statuses.get(&id).cloned(),
                    current_role: m.current_role().unwrap_or_default().to_string(),
                    address: m
                        .read_endpoint()
                        .and_then(|e| e.address())
                        .unwrap_or_default()
                        .to_string(),
                    port: m
                        .read_endpoint()
                        .and_then(|e| e.port())
                        .and_then(|p| u16::try_from(p).ok())
                        .unwrap_or_default(),
                    availability_zone: m.preferred_availability_zone().map(str::to_string),
                    cache_cluster_id: id,
                }
            })
            .collect())
    }

    async fn cluster_statuses(&self) -> Result<BTreeMap<String, String>> {
        let mut statuses = BTreeMap::new();
        let mut marker: Option<String> = None;
        loop {
            let out = self
                .stack
                .elasticache
                .describe_cache_clusters()
                .set_marker(marker.clone())
                .send()
                .await
                .context("DescribeCacheClusters")?;
            for c in out.cache_clusters() {
                if c.replication_group_id() == Some(self.group_id.as_str()) {
                    statuses.insert(
                        c.cache_cluster_id().unwrap_or_default().to_string(),
                        c.cache_cluster_status().unwrap_or_default().to_string(),
                    );
                }
            }
            marker = out.marker().map(str::to_string);
            if marker.is_none() {
                return Ok(statuses);
            }
        }
    }

    /// The group's status (`creating`, `available`, `modifying`, …).
    pub async fn group_status(&self) -> Result<String> {
        let out = self
            .stack
            .elasticache
            .describe_replication_groups()
            .replication_group_id(&self.group_id)
            .send()
            .await
            .context("DescribeReplicationGroups")?;
        Ok(out
            .replication_groups()
            .first()
            .and_then(|g| g.status())
            .unwrap_or_default()
            .to_string())
    }

    /// Waits until the group and every member are `available`.
    pub async fn wait_group_available(&self, timeout: Duration) -> Result<Vec<Member>> {
        let start = Instant::now();
        loop {
            let status = self.group_status().await?;
            let members = self.members().await?;
            if status == "available"
                && !members.is_empty()
                && members
                    .iter()
                    .all(|m| m.cluster_status.as_deref() == Some("available"))
            {
                return Ok(members);
            }
            if start.elapsed() > timeout {
                bail!("group {} not available after {timeout:?}: status {status}, members {members:?}", self.group_id);
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// The member ElastiCache reports as primary.
    pub async fn primary(&self) -> Result<Member> {
        self.members()
            .await?
            .into_iter()
            .find(|m| m.current_role == "primary")
            .ok_or_else(|| anyhow!("group {} has no primary", self.group_id))
    }

    /// ElastiCache TestFailover on node group 0001.
    pub async fn failover(&self) -> Result<()> {
        self.stack
            .elasticache
            .test_failover()
            .replication_group_id(&self.group_id)
            .node_group_id("0001")
            .send()
            .await
            .context("TestFailover")?;
        Ok(())
    }

    /// Replaces node `cache_cluster_id` (unavailable for `seconds`, emulator default if
    /// None), as ElastiCache does after a hardware failure; through the emulator's control API.
    pub async fn replace_node(
        &self,
        cache_cluster_id: &str,
        seconds: Option<f64>,
    ) -> Result<Value> {
        let mut body = json!({"cacheClusterId": cache_cluster_id});
        if let Some(s) = seconds {
            body["seconds"] = json!(s);
        }
        self.stack
            .control_post("/elasticache/replace-node", &body)
            .await
    }

    /// IncreaseReplicaCount to `new_replica_count` replicas, applied immediately.
    pub async fn add_replicas(&self, new_replica_count: u8) -> Result<()> {
        self.stack
            .elasticache
            .increase_replica_count()
            .replication_group_id(&self.group_id)
            .new_replica_count(i32::from(new_replica_count))
            .apply_immediately(true)
            .send()
            .await
            .context("IncreaseReplicaCount")?;
        Ok(())
    }

    /// IncreaseReplicaCount by one replica, placed in `az`, applied immediately. The
    /// ReplicaConfiguration's PreferredAvailabilityZones must name NewReplicaCount + 1
    /// AZs, the primary's first (IncreaseReplicaCount, ConfigureShard); the members keep
    /// theirs, so the last entry is the new replica's.
    pub async fn add_replica_in(&self, az: &str) -> Result<()> {
        let members = self.members().await?;
        let primary = members
            .iter()
            .filter(|m| m.current_role == "primary")
            .chain(members.iter().filter(|m| m.current_role != "primary"));
        let mut azs: Vec<String> = primary
            .map(|m| {
                m.availability_zone
                    .clone()
                    .ok_or_else(|| anyhow!("{} has no AZ", m.cache_cluster_id))
            })
            .collect::<Result<_>>()?;
        azs.push(az.to_string());
        let replicas = i32::try_from(members.len()).context("member count")?;
        self.stack
            .elasticache
            .increase_replica_count()
            .replication_group_id(&self.group_id)
            .replica_configuration(
                aws_sdk_elasticache::types::ConfigureShard::builder()
                    .node_group_id("0001")
                    .new_replica_count(replicas)
                    .set_preferred_availability_zones(Some(azs))
                    .build(),
            )
            .apply_immediately(true)
            .send()
            .await
            .context("IncreaseReplicaCount")?;
        Ok(())
    }

    /// DecreaseReplicaCount to `new_replica_count` replicas, applied immediately.
    pub async fn remove_replicas(&self, new_replica_count: u8) -> Result<()> {
        self.stack
            .elasticache
            .decrease_replica_count()
            .replication_group_id(&self.group_id)
            .new_replica_count(i32::from(new_replica_count))
            .apply_immediately(true)
            .send()
            .await
            .context("DecreaseReplicaCount")?;
        Ok(())
    }

    /// DecreaseReplicaCount removing exactly `cache_cluster_ids`.
    pub async fn remove_replica_nodes(&self, cache_cluster_ids: &[&str]) -> Result<()> {
        let mut req = self
            .stack
            .elasticache
            .decrease_replica_count()
            .replication_group_id(&self.group_id)
            .apply_immediately(true);
        for id in cache_cluster_ids {
            req = req.replicas_to_remove(*id);
        }
        req.send().await.context("DecreaseReplicaCount")?;
        Ok(())
    }

    /// Asks the node at `member`'s endpoint `ROLE`, resolving its address through the
    /// local DNS server as a client in the VPC would; over TLS (certificate checked
    /// against the member's endpoint name) and after AUTH when the group has them.
    pub async fn role(&self, member: &Member) -> Result<Role> {
        resp::role(self.node_addr(member).await?, &self.access(member)?).await
    }

    /// How a client reaches `member`: TLS and AUTH as the group was created.
    pub fn access(&self, member: &Member) -> Result<Access> {
        let tls = if self.transit_encryption {
            Some((self.stack.tls_connector()?, member.address.clone()))
        } else {
            None
        };
        Ok(Access {
            tls,
            auth_token: self.auth.as_ref().map(|a| a.token.clone()),
        })
    }

    /// `ip:port` of a member, its address resolved through the local DNS server.
    pub async fn node_addr(&self, member: &Member) -> Result<SocketAddr> {
        let ip = dns::resolve_ips(self.stack.dns_addr, &member.address)
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                anyhow!(
                    "{} does not resolve at {}",
                    member.address,
                    self.stack.dns_addr
                )
            })?;
        Ok(SocketAddr::new(ip, member.port))
    }

    // ---------------------------------------------------------------- Route 53

    /// Re-points slot `n`'s CNAME at the current primary by hand (TTL 5), as a careless
    /// operator would; returns the slot's name.
    pub async fn repoint_slot_at_primary(&self, n: u8) -> Result<String> {
        let name = self.slot_name(n);
        let primary = self.primary().await?;
        self.upsert_record(&name, "CNAME", 5, &[&primary.address])
            .await?;
        Ok(name)
    }

    /// UPSERTs a record by hand, as an operator (or another tool) would.
    pub async fn upsert_record(
        &self,
        name: &str,
        record_type: &str,
        ttl: i64,
        values: &[&str],
    ) -> Result<String> {
        self.change(ChangeAction::Upsert, name, record_type, ttl, values)
            .await
    }

    /// DELETEs a record (must match exactly, as on Route 53).
    pub async fn delete_record(
        &self,
        name: &str,
        record_type: &str,
        ttl: i64,
        values: &[&str],
    ) -> Result<String> {
        self.change(ChangeAction::Delete, name, record_type, ttl, values)
            .await
    }

    async fn change(
        &self,
        action: ChangeAction,
        name: &str,
        record_type: &str,
        ttl: i64,
        values: &[&str],
    ) -> Result<String> {
        let mut set = ResourceRecordSet::builder()
            .name(name)
            .r#type(RrType::from(record_type))
            .ttl(ttl);
        for v in values {
            set = set.resource_records(ResourceRecord::builder().value(*v).build()?);
        }
        let batch = ChangeBatch::builder()
            .changes(
                Change::builder()
                    .action(action)
                    .resource_record_set(set.build()?)
                    .build()?,
            )
            .build()?;
        let out = self
            .stack
            .route53
            .change_resource_record_sets()
            .hosted_zone_id(&self.zone_id)
            .change_batch(batch)
            .send()
            .await
            .with_context(|| format!("ChangeResourceRecordSets {name} {record_type}"))?;
        Ok(out
            .change_info()
            .map(|c| c.id().to_string())
            .unwrap_or_default())
    }

    /// Every record set of the zone (all pages), SOA and NS included.
    pub async fn records(&self) -> Result<Vec<Record>> {
        let mut out = Vec::new();
        let mut next: Option<(String, RrType, Option<String>)> = None;
        loop {
            let mut req = self
                .stack
                .route53
                .list_resource_record_sets()
                .hosted_zone_id(&self.zone_id);
            if let Some((name, ty, ident)) = next.take() {
                req = req
                    .start_record_name(name)
                    .start_record_type(ty)
                    .set_start_record_identifier(ident);
            }
            let page = req.send().await.context("ListResourceRecordSets")?;
            for r in page.resource_record_sets() {
                out.push(Record {
                    name: r.name().to_ascii_lowercase(),
                    record_type: r.r#type().as_str().to_string(),
                    ttl: r.ttl(),
                    values: r
                        .resource_records()
                        .iter()
                        .map(|v| v.value().to_string())
                        .collect(),
                    set_identifier: r.set_identifier().map(str::to_string),
                    weight: r.weight(),
                });
            }
            if !page.is_truncated() {
                return Ok(out);
            }
            match (page.next_record_name(), page.next_record_type()) {
                (Some(n), Some(t)) => {
                    next = Some((
                        n.to_string(),
                        t.clone(),
                        page.next_record_identifier().map(str::to_string),
                    ))
                }
                _ => return Ok(out),
            }
        }
    }

    /// The CNAMEs of the zone as name → target, the view a test usually asserts on.
    pub async fn cnames(&self) -> Result<BTreeMap<String, String>> {
        Ok(self
            .records()
            .await?
            .into_iter()
            .filter(|r| r.record_type == "CNAME")
            .filter_map(|r| r.values.first().map(|v| (r.name.clone(), v.clone())))
            .collect())
    }

    /// Slot name `n` of the group, e.g. `replica1.<zone>`: the core's rendering of its
    /// template (`GroupConfig::slot_name`), as the planner writes it.
    pub fn slot_name(&self, n: u8) -> String {
        // The scenario's own template always holds one `{n}`; a caller's `configure`
        // that breaks it fails the pipeline long before a test asks for a name.
        self.config.groups[0]
            .slot_name(u32::from(n))
            .unwrap_or_else(|e| panic!("scenario {}: {e}", self.id))
    }

    // ---------------------------------------------------------------- DNS

    /// Looks `name` up at the local DNS server (answers include the CNAME chain).
    pub async fn resolve(&self, name: &str, record_type: RecordType) -> Result<Vec<Answer>> {
        dns::lookup(self.stack.dns_addr, name, record_type).await
    }

    /// Whether any of `names` resolves (CNAME) to `member`'s address. DNS only: no
    /// Route 53 call, so it takes no token from a throttled account's bucket.
    pub async fn resolves_to(&self, names: &[String], member: &Member) -> Result<bool> {
        let target = format!("{}.", member.address.trim_end_matches('.'));
        for name in names {
            let answers = self.resolve(name, RecordType::CNAME).await?;
            if answers
                .iter()
                .any(|a| a.record_type == "CNAME" && a.value.eq_ignore_ascii_case(&target))
            {
                return Ok(true);
            }
        }
        Ok(false)
    }

    // ---------------------------------------------------------------- notifications

    /// The FailoverComplete notifications the emulator published for this group, in
    /// order: (time as seconds since the epoch, the promoted member's cluster id).
    pub async fn failover_notifications(&self) -> Result<Vec<(f64, String)>> {
        // Only this group's FailoverComplete: the whole list grows with the run.
        let answer = self
            .stack
            .control_get(&format!(
                "/elasticache/events?sourceId={}&event=ElastiCache:FailoverComplete",
                self.group_id
            ))
            .await?;
        let mut out = Vec::new();
        for e in answer["events"].as_array().cloned().unwrap_or_default() {
            if e["event"] != "ElastiCache:FailoverComplete"
                || e["sourceId"] != self.group_id.as_str()
            {
                continue;
            }
            let message: Value = serde_json::from_str(e["message"].as_str().unwrap_or("{}"))
                .context("event message")?;
            let promoted = message["Cache Cluster ID"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let time = e["time"]
                .as_str()
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.timestamp_millis() as f64 / 1000.0)
                .ok_or_else(|| anyhow!("event without a time: {e}"))?;
            out.push((time, promoted));
        }
        Ok(out)
    }

    // ---------------------------------------------------------------- Step Functions

    fn sm_arn(&self) -> Result<&str> {
        self.state_machine_arn
            .as_deref()
            .ok_or_else(|| anyhow!("scenario {} was built without the pipeline", self.id))
    }

    /// StartExecution with `input` (the scenario's execution defaults merged under it
    /// when it is an object); returns the execution ARN.
    pub async fn start_execution(&self, input: &Value) -> Result<String> {
        let mut merged = input.clone();
        if let (Some(obj), Some(defaults)) =
            (merged.as_object_mut(), self.execution_defaults.as_object())
        {
            for (k, v) in defaults {
                obj.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
        let out = self
            .stack
            .sfn
            .start_execution()
            .state_machine_arn(self.sm_arn()?)
            .input(merged.to_string())
            .send()
            .await
            .context("StartExecution")?;
        Ok(out.execution_arn().to_string())
    }

    /// Every execution of the state machine, with input and output (described one by one).
    pub async fn executions(&self) -> Result<Vec<Execution>> {
        let arn = self.sm_arn()?.to_string();
        let mut list = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .stack
                .sfn
                .list_executions()
                .state_machine_arn(&arn)
                .set_next_token(token.clone())
                .send()
                .await
                .context("ListExecutions")?;
            list.extend(
                page.executions()
                    .iter()
                    .map(|e| e.execution_arn().to_string()),
            );
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        let mut out = Vec::new();
        for exec_arn in list {
            let d = self
                .stack
                .sfn
                .describe_execution()
                .execution_arn(&exec_arn)
                .send()
                .await
                .context("DescribeExecution")?;
            let parse = |s: Option<&str>| {
                s.map(|t| serde_json::from_str(t).unwrap_or(Value::String(t.to_string())))
            };
            out.push(Execution {
                arn: exec_arn,
                name: d.name().unwrap_or_default().to_string(),
                status: d.status().clone(),
                input: parse(d.input()),
                output: parse(d.output()),
                error: d.error().map(str::to_string),
                cause: d.cause().map(str::to_string),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    /// Waits until the execution `arn` has ended; returns it. On timeout the error names
    /// the execution and carries the tails of the function logs.
    pub async fn wait_execution(&self, arn: &str, timeout: Duration) -> Result<Execution> {
        let start = Instant::now();
        loop {
            if let Some(e) = self.executions().await?.into_iter().find(|e| e.arn == arn) {
                if e.status != ExecutionStatus::Running {
                    return Ok(e);
                }
            }
            if start.elapsed() > timeout {
                bail!(
                    "execution {arn} still running after {timeout:?}\n{}",
                    self.logs_tail(40)
                );
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Waits until at least `n` executions exist and none is running; returns them all.
    /// On timeout the error lists the executions and the tails of the function logs.
    pub async fn wait_for_executions(&self, n: usize, timeout: Duration) -> Result<Vec<Execution>> {
        let start = Instant::now();
        loop {
            let execs = self.executions().await?;
            let running = execs
                .iter()
                .filter(|e| e.status == ExecutionStatus::Running)
                .count();
            if execs.len() >= n && running == 0 {
                return Ok(execs);
            }
            if start.elapsed() > timeout {
                bail!(
                    "waited {timeout:?} for {n} finished executions, have {} ({running} running): {:#?}\n{}",
                    execs.len(),
                    execs.iter().map(|e| (&e.name, e.status.as_str(), &e.error)).collect::<Vec<_>>(),
                    self.logs_tail(30)
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Waits until no execution has been running for `quiet` (a late SNS delivery can
    /// start another one), then returns every execution.
    pub async fn wait_idle(&self, quiet: Duration, timeout: Duration) -> Result<Vec<Execution>> {
        let start = Instant::now();
        let mut idle_since: Option<(Instant, usize)> = None;
        loop {
            let execs = self.executions().await?;
            let running = execs.iter().any(|e| e.status == ExecutionStatus::Running);
            idle_since = match (running, idle_since) {
                (true, _) => None,
                (false, Some((t, count))) if count == execs.len() => Some((t, count)),
                (false, _) => Some((Instant::now(), execs.len())),
            };
            if let Some((t, _)) = idle_since {
                if t.elapsed() >= quiet {
                    return Ok(execs);
                }
            }
            if start.elapsed() > timeout {
                bail!(
                    "state machine not idle after {timeout:?}\n{}",
                    self.logs_tail(30)
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// The last `lines` of every function log of this scenario, for failure messages.
    pub fn logs_tail(&self, lines: usize) -> String {
        self.functions
            .iter()
            .map(|f| self.stack.function_log_tail(f, lines))
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Removes the scenario's functions and replication group (stopping its Redis
    /// processes). Best effort: the supervisor stops everything at the end of the run anyway.
    /// Sibling group `i` seen as a scenario of its own: the same stack, zone and
    /// pipeline, its group and its configuration first (so `members`, `slot_name`,
    /// `cnames`' slots and the convergence checks are its own).
    pub fn sibling(&self, i: usize) -> Scenario {
        let mut view = self.clone();
        view.group_id = self.siblings[i].clone();
        if let Some(position) = view
            .config
            .groups
            .iter()
            .position(|g| g.replication_group_id == view.group_id)
        {
            let own = view.config.groups.remove(position);
            view.config.groups.insert(0, own);
        }
        view.auth = None;
        view.transit_encryption = false;
        view.functions = Vec::new();
        view.siblings = Vec::new();
        view
    }

    pub async fn teardown(self) -> Result<()> {
        for f in &self.functions {
            self.stack.lambda_host.remove(f).await?;
        }
        for sibling in &self.siblings {
            self.stack
                .elasticache
                .delete_replication_group()
                .replication_group_id(sibling)
                .send()
                .await
                .context("DeleteReplicationGroup (sibling)")?;
        }
        self.stack
            .elasticache
            .delete_replication_group()
            .replication_group_id(&self.group_id)
            .send()
            .await
            .context("DeleteReplicationGroup")?;
        if let Some(auth) = &self.auth {
            self.stack
                .secretsmanager
                .delete_secret()
                .secret_id(&auth.arn)
                .force_delete_without_recovery(true)
                .send()
                .await
                .context("DeleteSecret")?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn auth_tokens_follow_the_elasticache_rules() {
        let token = auth_token(&unique_id("tls"));
        assert!((16..=128).contains(&token.len()), "{token}");
        assert!(
            token
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "!&#$^<>-".contains(c)),
            "{token}"
        );
    }

    #[test]
    fn unique_ids_are_valid_group_ids_and_differ() {
        let a = unique_id("Smoke Test");
        let b = unique_id("Smoke Test");
        assert_ne!(a, b);
        for id in [&a, &b, &unique_id("9lives")] {
            assert!(
                id.len() <= 40 && id.starts_with(|c: char| c.is_ascii_lowercase()),
                "{id}"
            );
            assert!(!id.contains("--") && !id.ends_with('-'), "{id}");
        }
    }
}
