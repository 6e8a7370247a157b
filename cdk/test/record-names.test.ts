// Route 53's normalisation of record names for the IAM condition key, and the set of
// names a group may write.

import { groupRecordNames, normalizeRecordName } from '../lib/record-names';

describe('normalizeRecordName (Route 53 ChangeResourceRecordSetsNormalizedRecordNames rules)', () => {
  test('lower-cases every letter', () => {
    expect(normalizeRecordName('Replica1.Orders.Cache.INTERNAL')).toBe('replica1.orders.cache.internal');
  });

  test('drops the trailing dot', () => {
    expect(normalizeRecordName('replica1.cache.internal.')).toBe('replica1.cache.internal');
  });

  test('keeps a-z, 0-9, hyphen, underscore and dots', () => {
    expect(normalizeRecordName('_rdns.a-b_c.09.')).toBe('_rdns.a-b_c.09');
  });

  test('escapes any other character as a backslash and three octal digits', () => {
    expect(normalizeRecordName('*.a b/c.')).toBe('\\052.a\\040b\\057c');
  });

  test('refuses characters outside Latin-1 (names must be punycode)', () => {
    expect(() => normalizeRecordName('bücher€.example.')).toThrow(/punycode/);
  });
});

describe('groupRecordNames', () => {
  const base = { replicationGroupId: 'g', hostedZoneId: 'Z1', zoneName: 'x.', nameTemplate: 'r{n}.x.' };

  test('gives slots 1..5 (ElastiCache\'s replica maximum) each followed by its _rdns TXT name', () => {
    expect(groupRecordNames(base).exact).toEqual(['r1.x', '_rdns.r1.x', 'r2.x', '_rdns.r2.x', 'r3.x', '_rdns.r3.x', 'r4.x', '_rdns.r4.x', 'r5.x', '_rdns.r5.x']);
  });

  test('uses the configured ownership prefix', () => {
    expect(groupRecordNames({ ...base, ownershipPrefix: '_mine' }).exact[1]).toBe('_mine.r1.x');
  });

  test('adds the pooled name and its TXT name', () => {
    expect(groupRecordNames({ ...base, pooledName: { name: 'Pool.X.' } }).exact.slice(-2)).toEqual(['pool.x', '_rdns.pool.x']);
  });

  test('gives AZ names as patterns with the wildcard where the AZ goes', () => {
    expect(groupRecordNames({ ...base, azNames: { template: 'r-{az}.X.' } }, 'eu-west-1*').patterns).toEqual(['r-eu-west-1*.x', '_rdns.r-eu-west-1*.x']);
  });

  test('has no patterns without AZ names', () => {
    expect(groupRecordNames(base).patterns).toEqual([]);
  });
});
