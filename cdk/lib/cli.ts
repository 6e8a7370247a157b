// Runs the `replica-dns` operator CLI at synth time for the JSON the Rust side owns: the
// function limits, the metric catalogue, the managed record names. The CLI is found by
// `findCli` (config.ts); its validators are run by config.ts.
//
// What this is NOT: a place for any of those rules. It only starts the binary and turns
// its failures into messages that say which command failed and what to do.

import { spawnSync } from 'child_process';
import { cargoTargetDir } from './cache-dir';
import { ConfigError } from './config';

/** What one CLI run printed. */
export interface CliRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `cli args…` (with `input` on stdin); throws only when the binary cannot be started. */
export function runCli(cli: string, args: readonly string[], input?: string): CliRun {
  const result = spawnSync(cli, [...args], { encoding: 'utf8', input });
  // A command that exits before reading all of stdin leaves an EPIPE beside its status.
  if (result.error && result.status === null) {
    throw new ConfigError(`could not run ${cli}: ${result.error.message}`);
  }
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/**
 * Runs a CLI command that prints JSON (given `input` on stdin) and returns it parsed. A failure names the command,
 * repeats what the CLI said, says what the synth needs the output for (`purpose`) and how
 * to rebuild a CLI that predates the command.
 */
export function cliJson(cli: string, args: readonly string[], purpose: string, input?: string): unknown {
  const run = runCli(cli, args, input);
  const command = `${cli} ${args.join(' ')}`;
  if (run.status !== 0) {
    const said = `${run.stderr}${run.stdout}`.trim();
    throw new ConfigError(
      `${command} failed (exit status ${run.status})${said ? `:\n${said}` : ''}\n` +
        `${purpose} If the CLI predates the command, rebuild it from the repository root with:\n` +
        `  CARGO_TARGET_DIR=${cargoTargetDir()} cargo build -p replica-dns-cli`,
    );
  }
  try {
    return JSON.parse(run.stdout);
  } catch (e) {
    throw new ConfigError(`${command} did not print JSON: ${(e as Error).message}`);
  }
}
