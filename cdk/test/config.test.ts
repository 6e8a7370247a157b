// Synth-time configuration validation: the Rust CLI's verdict reaches the operator with
// the field named, and the TypeScript shape check names the field too.

import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Match } from 'aws-cdk-lib/assertions';
import { ConfigError, checkConfigShape, findCli, loadConfigFile, validateConfigValue, validateExecutionDefaults, validateWithCli } from '../lib/config';
import { TEST_CONFIG, fakeCli, synthConstruct } from './helpers';

const fixture = (name: string) => path.join(__dirname, 'fixtures', name);
const example = path.join(__dirname, '..', 'config', 'example.json');

describe('with the real replica-dns CLI', () => {
  test('the example configuration is valid', () => {
    expect(() => loadConfigFile(example, { cli: findCli() })).not.toThrow();
  });

  test('a TTL of 0 fails the synth, naming groups[0].ttl', () => {
    expect(() => loadConfigFile(fixture('bad-ttl.json'), { cli: findCli() })).toThrow(/groups\[0\]\.ttl/);
  });

  test('the app itself (bin/app.ts) stops with the field named and no stack trace', () => {
    const run = spawnSync(path.join(__dirname, '..', 'node_modules', '.bin', 'ts-node'), ['--transpile-only', 'bin/app.ts'], {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ configFile: 'test/fixtures/bad-ttl.json' }),
        CDK_OUTDIR: fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-out-')),
      },
    });
    expect([run.status, run.stderr.trim()]).toEqual([
      1,
      expect.stringMatching(/^replica-dns: .*bad-ttl\.json is not a valid replica-dns configuration:\ngroups\[0\]\.ttl: must be between 1 and 3600 seconds, found 0$/),
    ]);
  });
});

describe('a configuration or execution defaults given as values, with the real replica-dns CLI', () => {
  const group = TEST_CONFIG.groups[0];

  test('the test configuration is valid', () => {
    expect(() => validateConfigValue(TEST_CONFIG, findCli())).not.toThrow();
  });

  // Issue 11 item 4: a misspelt key used to synthesise fine and fail every event at start-up.
  test('a misspelt key in the construct\'s config fails the synth with the CLI\'s message', () => {
    expect(() => synthConstruct({ config: { ...TEST_CONFIG, groups: [{ ...group, tll: 10 }] } })).toThrow(
      /^the configuration given to ReplicaDns is not a valid replica-dns configuration:\ngroups\[0\]\.tll: unknown field \(expected one of: .*\bttl\b/,
    );
  });

  test('a value the Rust rules refuse fails the synth naming the field', () => {
    expect(() => synthConstruct({ config: { ...TEST_CONFIG, groups: [{ ...group, ttl: 0 }] } })).toThrow(/\ngroups\[0\]\.ttl: must be between 1 and 3600 seconds, found 0$/);
  });

  test('a misspelt execution default fails the synth with the CLI\'s message naming the key', () => {
    expect(() => synthConstruct({ executionDefaults: { waitSecnds: 30 } })).toThrow(
      /^executionDefaults are not valid \(the trigger would refuse them at start-up, and with them every notification\):\nexecutionDefaults: unknown field `waitSecnds`; expected any of .*waitSeconds/,
    );
  });

  test('valid execution defaults pass and reach the trigger', () => {
    const s = synthConstruct({ executionDefaults: { waitSeconds: 30 } });
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'replica-dns trigger',
      Environment: { Variables: Match.objectLike({ REPLICA_DNS_EXECUTION_DEFAULTS: '{"waitSeconds":30}' }) },
    });
  });

  test('validateExecutionDefaults passes the CLI\'s verdict on', () => {
    expect(() => validateExecutionDefaults({ waitSeconds: 30 }, findCli())).not.toThrow();
  });
});

describe('validators run on values', () => {
  test('the configuration goes to `validate-config --delivery file -` on stdin, as the functions will receive it (a file in the config layer)', () => {
    const seen = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'stdin.json');
    const cli = fakeCli(`[ "$1" = validate-config ] && [ "$2" = --delivery ] && [ "$3" = file ] && [ "$4" = - ] || exit 9; cat > ${seen}`);
    validateConfigValue(TEST_CONFIG, cli);
    expect(JSON.parse(fs.readFileSync(seen, 'utf8'))).toEqual(TEST_CONFIG);
  });

  test('execution defaults go to `validate-execution-defaults -` on stdin', () => {
    const seen = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cli-')), 'stdin.json');
    const cli = fakeCli(`[ "$1" = validate-execution-defaults ] && [ "$2" = - ] || exit 9; cat > ${seen}`);
    validateExecutionDefaults({ waitSeconds: 5 }, cli);
    expect(fs.readFileSync(seen, 'utf8')).toBe('{"waitSeconds":5}');
  });

  test('a refusal without words still says which command refused', () => {
    expect(() => validateExecutionDefaults({}, fakeCli('exit 3'))).toThrow(/validate-execution-defaults exited with status 3/);
  });
});

describe('validateWithCli', () => {
  test('passes the CLI\'s message on, with the file name', () => {
    const cli = fakeCli('echo "groups[0].ttl: must be between 1 and 3600 seconds, found 0" >&2; exit 2');
    expect(() => validateWithCli('/etc/replica.json', cli)).toThrow(/\/etc\/replica\.json is not a valid .*\n.*groups\[0\]\.ttl: must be between/);
  });

  test('calls the CLI as `validate-config --delivery file <file>`', () => {
    const cli = fakeCli('[ "$1" = validate-config ] && [ "$2" = --delivery ] && [ "$3" = file ] && [ "$4" = /x.json ] && exit 0; exit 9');
    expect(() => validateWithCli('/x.json', cli)).not.toThrow();
  });

  test('a missing CLI says how to build it', () => {
    expect(() => findCli({} as NodeJS.ProcessEnv, ['/nonexistent/release/replica-dns', '/nonexistent/debug/replica-dns'])).toThrow(
      /cargo build -p replica-dns-cli/,
    );
  });

  test('REPLICA_DNS_CLI pointing nowhere is named', () => {
    expect(() => findCli({ REPLICA_DNS_CLI: '/nonexistent/replica-dns' } as NodeJS.ProcessEnv)).toThrow(/REPLICA_DNS_CLI=\/nonexistent/);
  });
});

describe('checkConfigShape (what CDK itself reads)', () => {
  const group = TEST_CONFIG.groups[0];

  test('accepts the test configuration', () => {
    expect(checkConfigShape(TEST_CONFIG)).toBe(TEST_CONFIG);
  });

  test('names a missing ownerId', () => {
    expect(() => checkConfigShape({ groups: [group] })).toThrow(/^ownerId: must be a non-empty string, found nothing$/);
  });

  test('names an empty groups list', () => {
    expect(() => checkConfigShape({ ownerId: 'x', groups: [] })).toThrow(/^groups: must be a non-empty array/);
  });

  test('names a zone id given with its /hostedzone/ prefix', () => {
    expect(() => checkConfigShape({ ownerId: 'x', groups: [{ ...group, hostedZoneId: '/hostedzone/Z1' }] })).toThrow(/^groups\[0\]\.hostedZoneId: /);
  });

  test('names a template without {n}', () => {
    expect(() => checkConfigShape({ ownerId: 'x', groups: [{ ...group, nameTemplate: 'replica.x.' }] })).toThrow(/^groups\[0\]\.nameTemplate: /);
  });

  test('names an AZ template without {az}', () => {
    expect(() => checkConfigShape({ ownerId: 'x', groups: [{ ...group, azNames: { template: 'az.x.' } }] })).toThrow(/^groups\[0\]\.azNames\.template: /);
  });

  test('names an authSecretArn that is not a string (CDK grants GetSecretValue on it)', () => {
    expect(() => checkConfigShape({ ownerId: 'x', groups: [{ ...group, authSecretArn: 42 }] })).toThrow(/^groups\[0\]\.authSecretArn: must be a non-empty string, found number 42$/);
  });

  test('names a group configured twice', () => {
    expect(() => checkConfigShape({ ownerId: 'x', groups: [group, { ...group, replicationGroupId: 'ORDERS' }] })).toThrow(
      /^groups\[1\]\.replicationGroupId: "ORDERS" is configured twice/,
    );
  });

  test('a file that is not JSON is reported as such', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-')), 'c.json');
    fs.writeFileSync(file, '{ownerId: x}');
    expect(() => loadConfigFile(file, { skipCli: true })).toThrow(ConfigError);
  });

  test('the file name prefixes a shape error', () => {
    expect(() => loadConfigFile(fixture('bad-zone-id.json'), { skipCli: true })).toThrow(/bad-zone-id\.json: groups\[0\]\.hostedZoneId: /);
  });
});
