// Where replica-dns keeps its caches (the cargo target dir above all), for the CDK app:
// `${REPLICA_DNS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/replica-dns}`, the target dir
// `$CARGO_TARGET_DIR` or else `<cache>/target`. For root that is /root/.cache/replica-dns.
//
// What this is NOT: the rule's only home. Shell scripts take it from tests/cache-dir.sh,
// the e2e driver from tests/driver/stack.rs and the local stack from tests/localstack/run;
// cdk/test/cache-dir.test.ts checks this one against the shell one.

import * as os from 'os';

/** A variable's value, or undefined when it is unset or empty (as `${VAR:-…}` reads it). */
function nonEmpty(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}

/** The replica-dns cache directory (joined as the shell joins it, so the two agree to the byte). */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const own = nonEmpty(env, 'REPLICA_DNS_CACHE_DIR');
  if (own) return own;
  const xdg = nonEmpty(env, 'XDG_CACHE_HOME') ?? `${nonEmpty(env, 'HOME') ?? os.homedir()}/.cache`;
  return `${xdg}/replica-dns`;
}

/** The cargo target directory the scripts build into. */
export function cargoTargetDir(env: NodeJS.ProcessEnv = process.env): string {
  return nonEmpty(env, 'CARGO_TARGET_DIR') ?? `${cacheDir(env)}/target`;
}
