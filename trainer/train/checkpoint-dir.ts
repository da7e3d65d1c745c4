/**
 * Node-only: a {@link CheckpointStore} in a folder. The checkpoint is one file,
 * `checkpoint.ckpt` ({@link encodeCheckpoint}), written to a temporary name in the
 * same folder and renamed over the old one, so a crash mid-write leaves the
 * previous checkpoint intact (rename is atomic within a file system).
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../format/node.ts';
import type { CheckpointStore, TrainingCheckpoint } from './checkpoint.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.ts';

/** The checkpoint file's name inside the folder. */
export const CHECKPOINT_FILE = 'checkpoint.ckpt';

/** A {@link CheckpointStore} in a folder; every method is async. */
export interface DirCheckpointStore extends CheckpointStore {
  /** The checkpoint file's path. */
  readonly file: string;
  save(checkpoint: TrainingCheckpoint): Promise<void>;
  load(): Promise<TrainingCheckpoint | undefined>;
  clear(): Promise<void>;
}

/**
 * A store that keeps the latest checkpoint in `dir` (created when needed).
 * `load` answers `undefined` when there is no file and throws
 * `CHECKPOINT_INVALID` when the file is corrupt.
 */
export function createDirCheckpointStore(dir: string): DirCheckpointStore {
  const file = join(dir, CHECKPOINT_FILE);
  return {
    file,
    async save(checkpoint) {
      await writeFileAtomic(file, await encodeCheckpoint(checkpoint));
    },
    async load() {
      let bytes: Buffer;
      try {
        bytes = await readFile(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
      return decodeCheckpoint(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file);
    },
    async clear() {
      await rm(file, { force: true });
    },
  };
}
