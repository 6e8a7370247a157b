// Contract between the ASL file and the CDK: every ${…} placeholder in the definition is
// substituted by the construct, and every substitution is used.

import * as fs from 'fs';
import { DEFINITION_PLACEHOLDERS } from '../lib/replica-dns';
import { ASL_FILE } from './helpers';

const placeholders = () => new Set([...fs.readFileSync(ASL_FILE, 'utf8').matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));

test('every placeholder in the ASL file has a CDK substitution', () => {
  const substituted = Object.values(DEFINITION_PLACEHOLDERS);
  expect([...placeholders()].filter((p) => !substituted.includes(p))).toEqual([]);
});

test('every CDK substitution is used by the ASL file', () => {
  const used = placeholders();
  expect(Object.values(DEFINITION_PLACEHOLDERS).filter((p) => !used.has(p))).toEqual([]);
});

test('scripts/validate-asl.js substitutes the same placeholders as the construct', () => {
  const script = fs.readFileSync(`${__dirname}/../scripts/validate-asl.js`, 'utf8');
  const inScript = [...script.matchAll(/^\s+([A-Za-z]+FunctionArn): '/gm)].map((m) => m[1]).sort();
  expect(inScript).toEqual(Object.values(DEFINITION_PLACEHOLDERS).sort());
});
