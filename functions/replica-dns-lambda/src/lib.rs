//! What every replica-dns Lambda shares: the per-group state ([`run::GroupRun`]) the
//! state machine carries from function to function, the errorType contract
//! ([`error::HandlerError`] → `Diagnostic`), start-up wiring ([`startup`]), and the
//! snapshot/read/plan calls several steps make alike ([`steps`]).
//!
//! It holds no domain logic (that is `replica-dns-core`) and no AWS calls (that is
//! `replica-dns-aws`): only the glue that would otherwise be copied into seven `main`s.
//! With feature `fakes`, it also carries what the functions' unit tests share: in-memory
//! ports ([`fakes`]) and test data ([`fixtures`]).

pub mod error;
#[cfg(feature = "fakes")]
pub mod fakes;
#[cfg(feature = "fakes")]
pub mod fixtures;
pub mod fleet;
pub mod handover;
pub mod metrics;
mod ports_check;
pub mod run;
pub mod serve;
pub mod startup;
pub mod steps;

pub use error::{ErrorType, HandlerError, VerifyBudget};

/// What [`group_span!`] expands to uses; not for callers.
#[doc(hidden)]
pub use tracing as __tracing;

/// The span a per-group step runs in (`group_span!("plan", run)`): the step's name with
/// the run's execution and group ids, so one run's lines can be followed across the
/// functions' logs. A macro because a span's name must be a literal.
#[macro_export]
macro_rules! group_span {
    ($step:literal, $run:ident) => {
        $crate::__tracing::info_span!(
            $step,
            execution_id = %$run.execution_id,
            group_id = %$run.replication_group_id
        )
    };
}
pub use run::{Counters, GroupRun, Report, Tunables};
