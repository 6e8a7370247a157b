// The synth-time check of packaged function binaries.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { checkAssets, elfArchitecture } from '../lib/assets';
import { FUNCTIONS } from '../lib/replica-dns';
import { REPO_ROOT, elfHeader, fakeAssets } from './helpers';

test('reads the architecture of an arm64 ELF binary', () => {
  expect(elfArchitecture(path.join(fakeAssets('arm64'), 'trigger', 'bootstrap'))).toBe('arm64');
});

test('reads the architecture of an x86_64 ELF binary', () => {
  expect(elfArchitecture(path.join(fakeAssets('x86_64'), 'trigger', 'bootstrap'))).toBe('x86_64');
});

test('a script is not an ELF binary', () => {
  const dir = fakeAssets('arm64');
  fs.writeFileSync(path.join(dir, 'plan', 'bootstrap'), '#!/bin/sh\necho hi\n');
  expect(elfArchitecture(path.join(dir, 'plan', 'bootstrap'))).toBe('not an ELF executable');
});

test('accepts assets built for the deployed architecture', () => {
  expect(() => checkAssets(fakeAssets('x86_64'), FUNCTIONS, lambda.Architecture.X86_64)).not.toThrow();
});

test('refuses x86_64 assets for an arm64 deployment and says how to fix it', () => {
  expect(() => checkAssets(fakeAssets('x86_64'), FUNCTIONS, lambda.Architecture.ARM_64)).toThrow(
    /built for x86_64, but the stack deploys arm64; package them with: cdk\/scripts\/package-functions --arch arm64/,
  );
});

test('names a missing function asset', () => {
  expect(() => checkAssets(fakeAssets('arm64', ['trigger']), FUNCTIONS, lambda.Architecture.ARM_64)).toThrow(/filter\/bootstrap is missing/);
});

// Packaging works as a user other than root (issue 11, item 4). As root (CI), the script
// really runs as uid/gid 65534 through setpriv; as anyone else, as that user, who is not
// root either. The user has only its own HOME and PATH=/usr/bin:/bin (no Rust toolchain:
// root's lives under /root, which others cannot read), so it packages prebuilt binaries
// with --binaries. The scripts run from a copy in a world-readable folder, because the
// clone itself may sit where that user cannot read (a home directory of mode 0700).
describe('package-functions as a non-root user', () => {
  const asRoot = process.getuid?.() === 0;
  const uid = asRoot ? 65534 : process.getuid!();
  let sandbox: string;
  let home: string;
  let script: string;

  function packageAsUser(...args: string[]) {
    const env = ['env', '-i', 'PATH=/usr/bin:/bin', `HOME=${home}`, 'bash', script, ...args];
    const argv = asRoot ? ['setpriv', `--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', ...env] : env;
    return spawnSync(argv[0], argv.slice(1), { cwd: sandbox, encoding: 'utf8' });
  }

  beforeEach(() => {
    sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'replica-dns-nonroot-'));
    fs.chmodSync(sandbox, 0o755);
    for (const [file, mode] of [['cdk/scripts/package-functions', 0o755], ['tests/cache-dir.sh', 0o644]] as const) {
      fs.mkdirSync(path.join(sandbox, 'repo', path.dirname(file)), { recursive: true });
      fs.copyFileSync(path.join(REPO_ROOT, file), path.join(sandbox, 'repo', file));
      fs.chmodSync(path.join(sandbox, 'repo', file), mode);
    }
    script = path.join(sandbox, 'repo', 'cdk', 'scripts', 'package-functions');
    fs.mkdirSync(path.join(sandbox, 'bin'));
    for (const name of FUNCTIONS) {
      fs.writeFileSync(path.join(sandbox, 'bin', `replica-dns-${name}`), elfHeader('x86_64'), { mode: 0o755 });
    }
    home = path.join(sandbox, 'home');
    fs.mkdirSync(home, { mode: 0o755 });
    if (asRoot) fs.chownSync(home, uid, uid);
  });

  afterEach(() => fs.rmSync(sandbox, { recursive: true, force: true }));

  test('lays out prebuilt binaries that the synth-time check accepts, owned by that user', () => {
    const out = path.join(home, 'assets');
    const run = packageAsUser('--arch', 'x86_64', '--binaries', path.join(sandbox, 'bin'), '--out', out);
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(() => checkAssets(out, FUNCTIONS, lambda.Architecture.X86_64)).not.toThrow();
    expect(FUNCTIONS.map((name) => fs.statSync(path.join(out, name, 'bootstrap')).uid)).toEqual(FUNCTIONS.map(() => uid));
    // Nothing in its HOME but the assets: --binaries needs no cache directory.
    expect(fs.readdirSync(home)).toEqual(['assets']);
  });

  test('refuses binaries for the other architecture, naming the file', () => {
    fs.writeFileSync(path.join(sandbox, 'bin', 'replica-dns-plan'), elfHeader('arm64'), { mode: 0o755 });
    const run = packageAsUser('--arch', 'x86_64', '--binaries', path.join(sandbox, 'bin'), '--out', path.join(home, 'assets'));
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${path.join(sandbox, 'bin', 'replica-dns-plan')} is not an x86-64 binary (e_machine 0xb7)`);
  });

  test('says to choose --out when the default assets folder is not writable for that user', () => {
    fs.mkdirSync(path.join(sandbox, 'repo', 'cdk', 'assets'));
    fs.chmodSync(path.join(sandbox, 'repo', 'cdk', 'assets'), 0o555);
    const run = packageAsUser('--arch', 'x86_64', '--binaries', path.join(sandbox, 'bin'));
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cannot write to .*\/repo\/cdk\/assets as .*; choose another directory with --out DIR/);
  });
});
