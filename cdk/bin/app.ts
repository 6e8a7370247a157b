#!/usr/bin/env node
// Entry point of the replica-dns CDK app: reads the settings from context (see
// lib/replica-dns-stack.ts and README.md), builds the stack and applies cdk-nag's
// AwsSolutions checks. A bad setting or configuration stops the synth with a message
// naming the field.

import { App, Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ReplicaDnsStack, settingsFromContext } from '../lib/replica-dns-stack';

const app = new App();
try {
  const settings = settingsFromContext((key) => app.node.tryGetContext(key));
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'ReplicaDns';
  new ReplicaDnsStack(app, stackName, {
    settings,
    description: 'replica-dns: stable Route 53 names for ElastiCache read replicas',
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
} catch (e) {
  // A clean one-paragraph error instead of a stack trace: these are operator mistakes
  // (a setting, the configuration file, missing or mismatched function assets).
  console.error(`replica-dns: ${(e as Error).message}`);
  process.exit(1);
}
Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
