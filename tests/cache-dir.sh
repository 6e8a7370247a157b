# shellcheck shell=bash
# The one home, for shell, of where replica-dns keeps its caches (build output, venvs,
# the release check's results), outside the clone and never needed for correctness:
#
#   REPLICA_DNS_CACHE_DIR  ${REPLICA_DNS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/replica-dns}
#   CARGO_TARGET_DIR       $REPLICA_DNS_CACHE_DIR/target, unless already set
#   REPLICA_DNS_VENV       $REPLICA_DNS_CACHE_DIR/venv (the local stack's Python), unless set
#
# For root that is /root/.cache/replica-dns, where the caches always were. Every script
# sources this file (`. "$repo/tests/cache-dir.sh"`); so can a shell, to build into the
# same target dir as the scripts: `. tests/cache-dir.sh && cargo build -p replica-dns-cli`.
# It only sets and exports variables: no shell options, no output, nothing created.
# The same rule in the other languages: tests/driver/stack.rs (Rust), cdk/lib/cache-dir.ts
# (TypeScript), tests/localstack/run (Python); cdk/test/cache-dir.test.ts holds them equal.

REPLICA_DNS_CACHE_DIR="${REPLICA_DNS_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:?HOME is not set; set REPLICA_DNS_CACHE_DIR}/.cache}/replica-dns}"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$REPLICA_DNS_CACHE_DIR/target}"
REPLICA_DNS_VENV="${REPLICA_DNS_VENV:-$REPLICA_DNS_CACHE_DIR/venv}"
export REPLICA_DNS_CACHE_DIR CARGO_TARGET_DIR REPLICA_DNS_VENV
