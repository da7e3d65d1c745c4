/**
 * Training checkpoints in IndexedDB (the browser's {@link CheckpointStore}): one slot
 * per run id in the `edgeloop-trainer` database, written in one transaction, so a tab
 * that dies mid-save leaves the previous checkpoint whole.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { TrainerError } from '../errors.ts';
import { validateCheckpoint, type CheckpointStore, type TrainingCheckpoint } from '../train/checkpoint.ts';

interface CheckpointSchema extends DBSchema {
  checkpoints: { key: string; value: { runId: string; checkpoint: TrainingCheckpoint } };
}

export const CHECKPOINT_DB_NAME = 'edgeloop-trainer';

/** Opens the checkpoint database once per worker. */
export function openCheckpointDb(name = CHECKPOINT_DB_NAME): Promise<IDBPDatabase<CheckpointSchema>> {
  return openDB<CheckpointSchema>(name, 1, {
    upgrade(db) {
      db.createObjectStore('checkpoints', { keyPath: 'runId' });
    },
  });
}

/** The checkpoint slot of one run. */
export function createIdbCheckpointStore(db: Promise<IDBPDatabase<CheckpointSchema>>, runId: string): CheckpointStore {
  return {
    async save(checkpoint) {
      // Structured clone copies the typed arrays: later changes by the caller do not leak in.
      await (await db).put('checkpoints', { runId, checkpoint });
    },
    async load() {
      const record = await (await db).get('checkpoints', runId);
      if (!record) return undefined;
      try {
        return validateCheckpoint(record.checkpoint, `IndexedDB checkpoint of run ${runId}`);
      } catch (cause) {
        throw new TrainerError('CHECKPOINT_INVALID', `the IndexedDB checkpoint of run ${runId} is damaged; clear it to start afresh`, { details: { runId }, cause });
      }
    },
    async clear() {
      await (await db).delete('checkpoints', runId);
    },
  };
}
