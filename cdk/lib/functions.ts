// The names of replica-dns's Lambdas, shared by the construct and the function limits.

/** The Lambdas invoked by the state machine, in pipeline order. */
export const STEP_FUNCTIONS = ['filter', 'snapshot', 'await-nodes', 'plan', 'apply', 'verify'] as const;
/** Every Lambda; the binary of `x` is the crate `replica-dns-x`. */
export const FUNCTIONS = ['trigger', ...STEP_FUNCTIONS] as const;
export type FunctionName = (typeof FUNCTIONS)[number];
