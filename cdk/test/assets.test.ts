// The synth-time check of packaged function binaries.

import * as fs from 'fs';
import * as path from 'path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { checkAssets, elfArchitecture } from '../lib/assets';
import { FUNCTIONS } from '../lib/replica-dns';
import { fakeAssets } from './helpers';

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
