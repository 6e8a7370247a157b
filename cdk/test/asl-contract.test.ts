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

test('the README documents exactly the context keys the app reads', () => {
  const readme = fs.readFileSync(`${__dirname}/../README.md`, 'utf8');
  const table = readme.slice(readme.indexOf('| key | default | meaning |'));
  const documented = [...table.slice(0, table.indexOf('\n\n')).matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]).sort();
  const code = fs.readFileSync(`${__dirname}/../lib/replica-dns-stack.ts`, 'utf8') + fs.readFileSync(`${__dirname}/../bin/app.ts`, 'utf8');
  const read = [...new Set([...code.matchAll(/(?:contextString|contextJson)\(ctx, '([A-Za-z]+)'\)|tryGetContext\('([A-Za-z]+)'\)/g)].map((m) => m[1] ?? m[2]))].sort();
  expect(read).toContain('configFile'); // the scan found the app's keys at all
  expect(documented).toEqual(read);
});
