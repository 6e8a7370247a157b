// The DNS names replica-dns may write, in the form IAM compares them: the values of the
// `route53:ChangeResourceRecordSetsNormalizedRecordNames` condition key.
//
// What this is NOT: the planner's naming logic. It enumerates every name the planner
// could ever produce for a group (slots 1..5, their ownership TXT names, AZ and pooled
// names) so that the IAM policy allows exactly those and nothing else in the zone.

import { GroupConfig, DEFAULT_OWNERSHIP_PREFIX } from './config';

/** ElastiCache (cluster mode disabled) allows at most 5 replicas, so at most 5 slots. */
export const MAX_REPLICAS = 5;

/**
 * Normalises a DNS name the way Route 53 documents for the
 * `ChangeResourceRecordSetsNormalizedRecordNames` condition key: all letters lower
 * case, no trailing dot, and every character other than a-z, 0-9, `-`, `_` and the
 * label-separating `.` written as `\` followed by its three-digit octal code
 * (`*` becomes `\052`).
 */
export function normalizeRecordName(name: string): string {
  const trimmed = name.trim().toLowerCase().replace(/\.$/, '');
  let out = '';
  for (const ch of trimmed) {
    if (/[a-z0-9\-_.]/.test(ch)) {
      out += ch;
    } else {
      const code = ch.codePointAt(0) ?? 0;
      if (code > 0xff) {
        throw new Error(`record name ${JSON.stringify(name)} contains ${JSON.stringify(ch)}, which is not a DNS character (use the punycode form)`);
      }
      out += `\\${code.toString(8).padStart(3, '0')}`;
    }
  }
  return out;
}

/** The names of one group that IAM must allow, split by how they can be matched. */
export interface GroupRecordNames {
  /** Exact normalised names: slots, pooled name and their ownership TXT names. */
  readonly exact: string[];
  /**
   * `StringLike` patterns for names only known at run time (AZ-local names: the AZ is a
   * member's `PreferredAvailabilityZone`). `*` stands for the AZ; every other character
   * is normalised literally.
   */
  readonly patterns: string[];
}

function ownershipName(prefix: string, name: string): string {
  return `${prefix}.${name}`;
}

/**
 * Every name the planner may write for `group`: slot names for n = 1..5 from the
 * template, the ownership TXT name `<ownershipPrefix>.<name>` of each, and the AZ and
 * pooled names (with their TXT names) when configured.
 */
export function groupRecordNames(group: GroupConfig, azWildcard = '*'): GroupRecordNames {
  const prefix = group.ownershipPrefix ?? DEFAULT_OWNERSHIP_PREFIX;
  const exact: string[] = [];
  const managed: string[] = [];
  for (let n = 1; n <= MAX_REPLICAS; n++) managed.push(group.nameTemplate.split('{n}').join(String(n)));
  if (group.pooledName) managed.push(group.pooledName.name);
  for (const name of managed) {
    exact.push(normalizeRecordName(name), normalizeRecordName(ownershipName(prefix, name)));
  }
  const patterns: string[] = [];
  if (group.azNames) {
    for (const name of [group.azNames.template, ownershipName(prefix, group.azNames.template)]) {
      patterns.push(name.split('{az}').map(normalizeRecordName).join(azWildcard));
    }
  }
  return { exact, patterns };
}
