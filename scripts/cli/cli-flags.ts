/**
 * Turning `node:util` `parseArgs` strings into checked values for the training
 * CLIs. Every bad flag is a `CONFIG_INVALID` error whose message names the flag
 * and, for choices, lists the valid values.
 */
import { TrainerError, type LR_SCHEDULE_KINDS, type LrSchedule } from '../../trainer/index.ts';
import type { SigningKeyPair } from '../../format/index.ts';

function bad(flag: string, message: string, value: unknown): TrainerError {
  return new TrainerError('CONFIG_INVALID', `--${flag} ${message}`, { details: { field: flag, value } });
}

/** `value` if it is one of `choices`, else `fallback` when absent. */
export function choiceFlag<T extends string>(flag: string, value: string | undefined, choices: readonly T[], fallback?: T): T {
  if (value === undefined) {
    if (fallback === undefined) throw bad(flag, `is required; one of: ${choices.join(', ')}`, value);
    return fallback;
  }
  if (!(choices as readonly string[]).includes(value)) throw bad(flag, `must be one of: ${choices.join(', ')} (got '${value}')`, value);
  return value as T;
}

/** A whole number ≥ `min`. */
export function intFlag(flag: string, value: string | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw bad(flag, `must be a whole number ≥ ${min} (got '${value}')`, value);
  return n;
}

/** A finite number, optionally with an exclusive lower bound. */
export function numberFlag(flag: string, value: string | undefined, fallback: number, above?: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || (above !== undefined && !(n > above))) {
    throw bad(flag, `must be a number${above === undefined ? '' : ` > ${above}`} (got '${value}')`, value);
  }
  return n;
}

/** A comma-separated list of positive whole numbers, e.g. `128,64`. */
export function intListFlag(flag: string, value: string | undefined, fallback: number[]): number[] {
  if (value === undefined) return fallback;
  const parts = value.split(',').map((p) => p.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1)) throw bad(flag, `must be comma-separated positive whole numbers like 128,64 (got '${value}')`, value);
  return parts.map(Number);
}

/** A required string flag. */
export function requiredFlag(flag: string, value: string | undefined, example: string): string {
  if (value === undefined || value === '') throw bad(flag, `is required, e.g. --${flag} ${example}`, value);
  return value;
}

/**
 * The schedule a `--lr-schedule` name stands for: `step` halves the rate every
 * ⌈epochs / 3⌉ epochs, `exponential` decays it by 0.9 per epoch, `cosine` anneals
 * it to 0 over the run.
 */
export function lrScheduleFromFlag(kind: (typeof LR_SCHEDULE_KINDS)[number], epochs: number): LrSchedule {
  switch (kind) {
    case 'constant':
      return { kind };
    case 'step':
      return { kind, every: Math.max(1, Math.ceil(epochs / 3)), factor: 0.5 };
    case 'exponential':
      return { kind, decay: 0.9 };
    case 'cosine':
      return { kind };
  }
}

/** Reads a `{ publicKey, privateKey, keyId }` key pair file (as `npm run fixtures` writes), for `--key`. */
export async function readSigningKey(path: string): Promise<SigningKeyPair> {
  const { readFile } = await import('node:fs/promises');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new TrainerError('CONFIG_INVALID', `--key ${path} could not be read as JSON (${(cause as Error).message})`, { details: { field: 'key', path }, cause });
  }
  const key = parsed as Record<string, unknown>;
  if (typeof key.publicKey !== 'string' || typeof key.privateKey !== 'string' || typeof key.keyId !== 'string') {
    throw new TrainerError('CONFIG_INVALID', `--key ${path} must hold { publicKey, privateKey, keyId } (as fixtures/keys/publisher.json does)`, { details: { field: 'key', path } });
  }
  return { publicKey: key.publicKey, privateKey: key.privateKey, keyId: key.keyId };
}
