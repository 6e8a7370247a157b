#!/usr/bin/env node
// `npm run validate-asl`: validates statemachine/replica-dns.asl.json with asl-validator,
// twice: as written (with ${…} placeholders) and as deployed (placeholders replaced by
// Lambda ARNs, as the CDK's definitionSubstitutions do), and checks that the file uses
// exactly the placeholders the CDK substitutes. Exits non-zero on any problem.
'use strict';

const fs = require('fs');
const path = require('path');
const validator = require('asl-validator');

const file = process.argv[2] || path.resolve(__dirname, '..', '..', 'statemachine', 'replica-dns.asl.json');
// Keep in step with DEFINITION_PLACEHOLDERS in lib/replica-dns.ts (a jest test checks both).
const SUBSTITUTED = {
  FilterFunctionArn: 'replica-dns-filter',
  SnapshotFunctionArn: 'replica-dns-snapshot',
  AwaitNodesFunctionArn: 'replica-dns-await-nodes',
  PlanFunctionArn: 'replica-dns-plan',
  ApplyFunctionArn: 'replica-dns-apply',
  VerifyFunctionArn: 'replica-dns-verify',
};

function check(label, text) {
  let definition;
  try {
    definition = JSON.parse(text);
  } catch (e) {
    console.error(`✕ ${label}: not JSON: ${e.message}`);
    return false;
  }
  const { isValid, errorsText } = validator(definition, { checkPaths: true, checkArn: true });
  if (!isValid) {
    console.error(`✕ ${label} is invalid:\n${errorsText('\n')}`);
    return false;
  }
  console.log(`✓ ${label} is valid`);
  return true;
}

const raw = fs.readFileSync(file, 'utf8');
let ok = check(`${path.relative(process.cwd(), file)} (as written)`, raw);

const used = new Set([...raw.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1]));
const unknown = [...used].filter((p) => !(p in SUBSTITUTED));
const unused = Object.keys(SUBSTITUTED).filter((p) => !used.has(p));
if (unknown.length > 0) {
  console.error(`✕ placeholders the CDK does not substitute: ${unknown.map((p) => '${' + p + '}').join(' ')}`);
  ok = false;
}
if (unused.length > 0) {
  console.error(`✕ substitutions the definition never uses: ${unused.map((p) => '${' + p + '}').join(' ')}`);
  ok = false;
}

const deployed = raw.replace(/\$\{([A-Za-z0-9_]+)\}/g, (whole, name) =>
  name in SUBSTITUTED ? `arn:aws:lambda:us-east-1:123456789012:function:${SUBSTITUTED[name]}` : whole,
);
ok = check('definition with the function ARNs substituted', deployed) && ok;

process.exit(ok ? 0 : 1);
