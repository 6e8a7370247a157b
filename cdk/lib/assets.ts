// Checks the packaged function binaries before a synth uses them: every
// `<assetsDir>/<function>/bootstrap` exists and was built for the architecture the
// stack deploys. Catches "packaged for x86_64, deploying arm64" at synth time instead
// of as `Runtime.InvalidEntrypoint` (exec format error) on the first event.
//
// What this is NOT: the packaging itself (scripts/package-functions builds the assets).

import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';

/** ELF `e_machine` values of the two Lambda architectures. */
const ELF_MACHINE: Record<string, number> = { x86_64: 0x3e, arm64: 0xb7 };

/** The architecture an ELF binary was built for, or a reason it is not a Lambda binary. */
export function elfArchitecture(file: string): 'x86_64' | 'arm64' | string {
  const fd = fs.openSync(file, 'r');
  try {
    const header = Buffer.alloc(20);
    const read = fs.readSync(fd, header, 0, 20, 0);
    if (read < 20 || header.readUInt32BE(0) !== 0x7f454c46) return 'not an ELF executable';
    if (header[4] !== 2) return 'a 32-bit ELF executable';
    const machine = header[5] === 1 ? header.readUInt16LE(18) : header.readUInt16BE(18);
    for (const [arch, code] of Object.entries(ELF_MACHINE)) if (code === machine) return arch;
    return `an ELF executable for machine 0x${machine.toString(16)}`;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Throws a message saying how to package when any function's `bootstrap` is missing or
 * built for another architecture.
 */
export function checkAssets(assetsDir: string, functions: readonly string[], architecture: lambda.Architecture): void {
  const want = architecture.name; // 'arm64' | 'x86_64'
  const packageHint = `package them with: cdk/scripts/package-functions --arch ${want}`;
  for (const name of functions) {
    const bootstrap = path.join(assetsDir, name, 'bootstrap');
    if (!fs.existsSync(bootstrap)) {
      throw new Error(`function asset ${bootstrap} is missing; ${packageHint}`);
    }
    const got = elfArchitecture(bootstrap);
    if (got !== want) {
      throw new Error(`function asset ${bootstrap} is ${got === 'x86_64' || got === 'arm64' ? `built for ${got}` : got}, but the stack deploys ${want}; ${packageHint} (or deploy with -c architecture=${got})`);
    }
  }
}
