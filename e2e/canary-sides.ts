/** Device ids on a chosen side of a sync endpoint's canary split (docs/SYNC-API.md, "resolve"). */
import { createHash } from 'node:crypto';

/** The endpoint's split: canary when uint32be(SHA-256(id \n name \n alias)[0..4]) mod 100 < percent. */
export const canaryBucket = (deviceId: string, name: string, alias: string): number => createHash('sha256').update(`${deviceId}\n${name}\n${alias}`).digest().readUInt32BE(0) % 100;

/** The first id `<prefix>-<n>` on the wanted side of a `percent` split of `name`'s `alias`. */
export function deviceOnSide(side: 'canary' | 'stable', prefix: string, name: string, alias: string, percent = 50): string {
  for (let n = 0; ; n++) if ((canaryBucket(`${prefix}-${n}`, name, alias) < percent) === (side === 'canary')) return `${prefix}-${n}`;
}
