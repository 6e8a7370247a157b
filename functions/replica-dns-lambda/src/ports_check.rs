//! The check that a Lambda's handler needs exactly the ports core `ports` declares for it,
//! as one line in the function crate. Not the declaration itself (core `ports`) nor the
//! AWS actions (replica-dns-aws `iam`).

/// Expands, in test builds, to a test that `handler`, instantiated with in-memory ports
/// (each [`crate::fakes`] fake implements exactly one port trait), needs exactly the
/// ports core `ports::FUNCTION_PORTS` declares for `function`: a bound on another port
/// fails to compile, a declared port the handler does not take fails the test.
///
/// Used as (in a function crate's lib.rs; the crates themselves are the compiled examples):
///
/// ```text
/// replica_dns_lambda::handler_ports_are_declared!("filter", handle::<FakeTopology>);
/// ```
#[macro_export]
macro_rules! handler_ports_are_declared {
    ($function:literal, $handler:ident :: < $($double:ty),+ >) => {
        #[cfg(test)]
        #[test]
        fn handler_bounds_are_the_declared_ports() {
            #[allow(unused_imports)]
            use $crate::fakes::{FakeExecutions, FakeRecords, FakeSecrets, FakeStarter, FakeTopology};
            // Compiles only if the handler needs no port beyond these doubles'.
            let _instantiable = $handler::<$($double),+>;
            let mut bound = ::std::vec::Vec::new();
            $(bound.extend(<$double as $crate::fakes::PortsOf>::ports());)+
            bound.sort_unstable();
            bound.dedup();
            assert_eq!(
                bound,
                $crate::fakes::declared_ports($function),
                "the ports {}'s handler takes (left) differ from core ports::FUNCTION_PORTS (right)",
                $function
            );
        }
    };
}
