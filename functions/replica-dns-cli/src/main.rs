//! `replica-dns`, the operator command line: validates a configuration before it is
//! deployed (the CDK app runs `replica-dns validate-config <file>` at synth time), shows
//! how an SNS event or manual input would be understood, and prints the compact value
//! for `REPLICA_DNS_CONFIG` — all offline. `status`, `plan` and `resync` look at a live
//! deployment through the Lambdas' adapters (module `live`).
//!
//! Exit status (docs/cli.md): 0 ok, 1 a finding or an invalid or unreadable input, 2
//! usage errors (clap, an unconfigured `--group`), 3 AWS cannot be used (region,
//! credentials, endpoint, a failed call).

use std::collections::BTreeMap;
use std::io::Read;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use replica_dns_core::config::{Config, ConfigErrors, Delivery};
use replica_dns_core::event::{resolve, Request};
use replica_dns_core::limits;

mod live;
mod names;
use replica_dns_core::metrics;
use replica_dns_core::tunables::Tunables;

#[derive(Parser)]
#[command(
    name = "replica-dns",
    version,
    about = "Operator tools for replica-dns (stable DNS names for ElastiCache read replicas)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check a configuration file; prints `ok: N groups`, or every problem as
    /// `field.path: reason`, one per line on stderr, and exits 1.
    ValidateConfig {
        /// Configuration JSON file, or `-` for stdin.
        file: PathBuf,
        /// How the Lambdas will receive it: `env` (inline in REPLICA_DNS_CONFIG, 3 KiB
        /// budget) or `file` (REPLICA_DNS_CONFIG_FILE, the CDK construct's layer, 1 MiB).
        #[arg(long, value_enum, default_value_t = DeliveryArg::Env)]
        delivery: DeliveryArg,
    },
    /// Print the validated configuration as the compact JSON to put in the
    /// REPLICA_DNS_CONFIG environment variable.
    EnvValue {
        /// Configuration JSON file, or `-` for stdin.
        file: PathBuf,
    },
    /// Show how an input is understood: an SNS Lambda event, one SNS record or message,
    /// the state-machine input, or a manual `{"replicationGroupId": …}` / `{"all": true}`.
    /// With --config, also which configured groups it affects.
    ParseEvent {
        /// Input JSON file, or `-` for stdin.
        file: PathBuf,
        /// Configuration file, to resolve the affected groups.
        #[arg(long)]
        config: Option<PathBuf>,
        /// A cluster's replication group, as DescribeCacheClusters would report it
        /// (`orders-002=orders`); repeatable. Without it, only exact group ids and the
        /// `<group>-NNN` member naming are recognised.
        #[arg(long = "cluster", value_name = "CLUSTER=GROUP", value_parser = parse_cluster)]
        clusters: Vec<(String, String)>,
    },
    /// Print, as JSON, each function's Lambda timeout and memory, the SDK timeouts inside
    /// them and the state machine's Task timeout (how they relate: core `limits`). The
    /// CDK reads this at synth. With `--check NAME=SECONDS` (repeatable), checks timeouts
    /// an operator wants instead and exits 1 with the reason if one breaks the chain.
    FunctionLimits {
        #[arg(long = "check", value_name = "NAME=SECONDS", value_parser = parse_timeout)]
        check: Vec<(String, u32)>,
    },
    /// Print, as JSON, the names each group may write (slot CNAMEs and their ownership
    /// TXT names, in IAM's ChangeResourceRecordSetsNormalizedRecordNames form; AZ-name
    /// patterns) and the constants around them. The CDK builds the record-level IAM
    /// condition from this. Validates the configuration first (exit 1 on a problem).
    ManagedNames {
        /// Configuration JSON file, or `-` for stdin.
        file: PathBuf,
        /// An Availability Zone of the deployment's region (repeatable): each group's AZ
        /// names for these AZs are listed exactly, with their TXT names, and no pattern is
        /// printed. Required when a group configures azNames: IAM's record-level
        /// condition then lists exactly the names the configuration can produce.
        #[arg(long = "availability-zone", value_name = "AZ")]
        availability_zones: Vec<String>,
    },
    /// Check a deployment's execution defaults (the CDK's `executionDefaults`, the
    /// trigger's REPLICA_DNS_EXECUTION_DEFAULTS): a JSON object of tunables only, each in
    /// range. Prints `ok: N tunables`, or the problem naming the field on stderr, exit 1.
    ValidateExecutionDefaults {
        /// JSON file, or `-` for stdin.
        file: PathBuf,
    },
    /// Print, as JSON, every CloudWatch metric the Lambdas emit (namespace, name, unit,
    /// dimensions, meaning) and the values of the Outcome dimension. The CDK builds its
    /// dashboard and alarms from this.
    Metrics,
    /// Print, as JSON, each Lambda's AWS API actions: `{function: [actions]}`, from the
    /// port operations core `ports` declares for it and the actions replica-dns-aws's
    /// adapters call for each (`iam`). The CDK's IAM contract test holds each function's
    /// role to exactly these.
    FunctionPorts,
    /// Print the configuration file's JSON Schema, generated from the Rust types
    /// (docs/config.schema.json is this output).
    ConfigSchema,
    /// Print the configuration reference as Markdown, generated from the same types
    /// (docs/configuration.md is this output).
    ConfigReference,
    /// Per group, each slot name → target → member → role, whether it resolves,
    /// ownership (ours, hand-edited, foreign) and what the next run would change; reads
    /// ElastiCache, Route 53 and DNS. Exit 1 when a name points at a primary or a slot
    /// is missing.
    Status {
        /// The deployment's configuration file (as for validate-config), or `-`.
        #[arg(long)]
        config: PathBuf,
        /// Only this replication group.
        #[arg(long)]
        group: Option<String>,
        /// DNS server to resolve the names with; default: the system resolver.
        #[arg(long, value_name = "IP:PORT")]
        resolver: Option<SocketAddr>,
        /// JSON for scripts instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// The dry run computed here (snapshot, records, the core planner): prints the plan
    /// table and changes nothing.
    Plan {
        /// The deployment's configuration file, or `-`.
        #[arg(long)]
        config: PathBuf,
        /// Only this replication group.
        #[arg(long)]
        group: Option<String>,
        /// JSON for scripts instead of the table.
        #[arg(long)]
        json: bool,
    },
    /// Start an execution of the deployed state machine (a manual resync), follow it and
    /// print its report. Exit 1 when it fails, times out or is aborted.
    Resync {
        /// The state machine's ARN (the stack output `StateMachineArn`).
        #[arg(long = "state-machine", value_name = "ARN")]
        state_machine: String,
        /// Resync this replication group.
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        group: Option<String>,
        /// Resync every configured group.
        #[arg(long)]
        all: bool,
        /// Plan only: the execution writes nothing and reports the plan table.
        #[arg(long)]
        dry_run: bool,
        /// Stop waiting after this many seconds (the execution keeps running; exit 1).
        #[arg(long, value_name = "SECONDS", default_value_t = 900)]
        timeout: u64,
        /// Seconds between DescribeExecution calls.
        #[arg(long, value_name = "SECONDS", default_value_t = 2)]
        poll: u64,
        /// JSON for scripts instead of the report text.
        #[arg(long)]
        json: bool,
    },
}

fn parse_timeout(text: &str) -> Result<(String, u32), String> {
    let (name, seconds) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=SECONDS"))?;
    if limits::function(name).is_none() {
        let known: Vec<_> = limits::FUNCTIONS.iter().map(|f| f.name).collect();
        return Err(format!(
            "unknown function `{name}`; expected one of {}",
            known.join(", ")
        ));
    }
    let seconds = seconds
        .parse()
        .map_err(|_| format!("`{seconds}` is not a whole number of seconds"))?;
    Ok((name.to_string(), seconds))
}

fn parse_cluster(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((cluster, group)) if !cluster.is_empty() && !group.is_empty() => {
            Ok((cluster.to_string(), group.to_string()))
        }
        _ => Err(format!("`{text}` is not CLUSTER=GROUP")),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(live::exit_status(&error))
        }
    }
}

fn run(command: Command) -> Result<ExitCode> {
    match command {
        Command::ValidateConfig { file, delivery } => {
            let config = match load_config_for(&file, delivery.into())? {
                Ok(config) => config,
                Err(errors) => return Ok(report(&errors)),
            };
            println!("ok: {} groups", config.groups.len());
            Ok(ExitCode::SUCCESS)
        }
        Command::EnvValue { file } => match load_config_for(&file, Delivery::Env)? {
            Ok(config) => {
                println!("{}", env_value(&config)?);
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => Ok(report(&errors)),
        },
        Command::ParseEvent {
            file,
            config,
            clusters,
        } => {
            let bytes = read_input(&file)?;
            let request = Request::from_slice(&bytes)
                .with_context(|| format!("{} is not an input replica-dns accepts", shown(&file)))?;
            let mut output = serde_json::json!({ "request": request });
            if let Some(config_file) = config {
                let config = match load_config(&config_file)? {
                    Ok(config) => config,
                    Err(errors) => return Ok(report(&errors)),
                };
                let clusters: BTreeMap<String, String> = clusters.into_iter().collect();
                let resolution = resolve(&request, &config, |id| clusters.get(id).cloned());
                output["resolution"] = serde_json::to_value(&resolution)?;
            }
            println!("{}", serde_json::to_string_pretty(&output)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::FunctionLimits { check } => {
            let problems: Vec<String> = check
                .iter()
                .filter_map(|(name, seconds)| limits::check_lambda_timeout(name, *seconds).err())
                .map(|problem| problem.to_string())
                .collect();
            if !problems.is_empty() {
                for problem in problems {
                    eprintln!("{problem}");
                }
                return Ok(ExitCode::FAILURE);
            }
            println!("{}", serde_json::to_string_pretty(&function_limits())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::ManagedNames {
            file,
            availability_zones,
        } => match load_config(&file)? {
            Ok(config) => {
                let names = names::managed_names(&config, &availability_zones)?;
                println!("{}", serde_json::to_string_pretty(&names)?);
                Ok(ExitCode::SUCCESS)
            }
            Err(errors) => Ok(report(&errors)),
        },
        Command::ValidateExecutionDefaults { file } => {
            let bytes = read_input(&file)?;
            let value: serde_json::Value = serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not JSON", shown(&file)))?;
            match Tunables::check_defaults(&value) {
                Ok(defaults) => {
                    println!("ok: {} tunables", defaults.len());
                    Ok(ExitCode::SUCCESS)
                }
                Err(error) => {
                    eprintln!("executionDefaults: {error}");
                    Ok(ExitCode::FAILURE)
                }
            }
        }
        Command::ConfigSchema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&replica_dns_core::config::config_schema())?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::ConfigReference => {
            print!("{}", replica_dns_core::config::reference_markdown());
            Ok(ExitCode::SUCCESS)
        }
        Command::Metrics => {
            println!("{}", serde_json::to_string_pretty(&metrics::catalogue())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::FunctionPorts => {
            let actions = replica_dns_aws::iam::function_actions();
            println!("{}", serde_json::to_string_pretty(&actions)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Status {
            config,
            group,
            resolver,
            json,
        } => match load_config(&config)? {
            Ok(config) => live::status(&config, group.as_deref(), resolver, json),
            Err(errors) => Ok(report(&errors)),
        },
        Command::Plan {
            config,
            group,
            json,
        } => match load_config(&config)? {
            Ok(config) => live::plan(&config, group.as_deref(), json),
            Err(errors) => Ok(report(&errors)),
        },
        Command::Resync {
            state_machine,
            group,
            all: _,
            dry_run,
            timeout,
            poll,
            json,
        } => live::resync(
            &state_machine,
            group,
            dry_run,
            std::time::Duration::from_secs(poll),
            std::time::Duration::from_secs(timeout),
            json,
        ),
    }
}

/// The JSON the CDK reads: see `replica_dns_core::limits` for what the numbers mean.
fn function_limits() -> serde_json::Value {
    let functions: serde_json::Map<String, serde_json::Value> = limits::FUNCTIONS
        .iter()
        .map(|f| {
            (
                f.name.to_string(),
                serde_json::json!({"timeoutSeconds": f.timeout_seconds, "memoryMb": f.memory_mb}),
            )
        })
        .collect();
    serde_json::json!({
        "functions": functions,
        "sdk": {
            "connectTimeoutMs": limits::SDK_CONNECT_TIMEOUT_MS,
            "attemptTimeoutMs": limits::SDK_ATTEMPT_TIMEOUT_MS,
            "operationTimeoutMs": limits::SDK_OPERATION_TIMEOUT_MS,
        },
        "minimumLambdaTimeoutSeconds": limits::minimum_lambda_timeout_seconds(),
        "taskTimeoutSeconds": limits::TASK_TIMEOUT_SECONDS,
    })
}

/// Parses and validates, including the environment-variable size budget: the Lambdas
/// receive exactly this configuration through REPLICA_DNS_CONFIG.
/// Parses and validates for the commands that do not say how the Lambdas receive it
/// (managed-names, parse-event, status, plan): the file delivery's budget, the CDK
/// construct's. `env-value` checks the environment's budget itself.
fn load_config(file: &Path) -> Result<std::result::Result<Config, ConfigErrors>> {
    load_config_for(file, Delivery::File)
}

/// Parses and validates, including the size budget of the way the Lambdas receive it.
fn load_config_for(
    file: &Path,
    delivery: Delivery,
) -> Result<std::result::Result<Config, ConfigErrors>> {
    let bytes = read_input(file)?;
    let text =
        String::from_utf8(bytes).with_context(|| format!("{} is not UTF-8 text", shown(file)))?;
    Ok(Config::from_json_delivered(&text, delivery))
}

/// `--delivery`: core `config::Delivery` on the command line.
#[derive(Clone, Copy, clap::ValueEnum)]
enum DeliveryArg {
    Env,
    File,
}

impl From<DeliveryArg> for Delivery {
    fn from(arg: DeliveryArg) -> Self {
        match arg {
            DeliveryArg::Env => Delivery::Env,
            DeliveryArg::File => Delivery::File,
        }
    }
}

fn env_value(config: &Config) -> Result<String> {
    match config.env_value() {
        Ok(value) => Ok(value),
        Err(errors) => bail!("{errors}"),
    }
}

/// Every problem on its own line on stderr; exit status 1.
fn report(errors: &ConfigErrors) -> ExitCode {
    for error in errors {
        eprintln!("{error}");
    }
    ExitCode::FAILURE
}

fn read_input(file: &Path) -> Result<Vec<u8>> {
    if file.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read stdin")?;
        Ok(bytes)
    } else {
        std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))
    }
}

fn shown(file: &Path) -> String {
    if file.as_os_str() == "-" {
        "stdin".to_string()
    } else {
        file.display().to_string()
    }
}
