/**
 * Node-only plumbing shared by the CLI commands (`train-command.ts`, `distill-command.ts`, `compress-command.ts`): the
 * flags and `--help`, the checkpoint folder, Ctrl-C as an abort, and turning errors
 * into a one-line message and an exit code.
 */
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CodedError } from '../../format/index.ts';
import { isTrainerError } from '../../trainer/index.ts';
import { createDirCheckpointStore, type DirCheckpointStore } from '../../trainer/node.ts';

type HelpFlag = { help: { type: 'boolean'; short: 'h' } };

/** The values {@link parseFlags} gives for `options`. */
export type ParsedFlags<O extends NonNullable<ParseArgsConfig['options']>> = ReturnType<typeof parseArgs<{ options: O & HelpFlag }>>['values'];

/**
 * Parses `args` (a command's arguments, without the command itself) with `options` plus
 * `--help`/`-h`; with `--help` prints `usage` and gives `undefined` (the CLI has nothing
 * more to do).
 */
export function parseFlags<const O extends NonNullable<ParseArgsConfig['options']>>(options: O, usage: string, args: readonly string[]): ParsedFlags<O> | undefined {
  const { values } = parseArgs({ args: [...args], options: { ...options, help: { type: 'boolean', short: 'h' } } as O & HelpFlag });
  if ((values as { help?: boolean }).help) {
    console.log(usage);
    return undefined;
  }
  return values;
}

/** Folder of the checkpoints inside the output folder. */
export const CHECKPOINT_DIR = 'checkpoints';

/**
 * The output folder's checkpoint store. Without `resume` an old checkpoint is
 * removed (and `log` says so), so a new run never silently continues an old one.
 */
export async function prepareCheckpoints(outDir: string, resume: boolean, log: (line: string) => void): Promise<DirCheckpointStore> {
  const store = createDirCheckpointStore(join(outDir, CHECKPOINT_DIR));
  if (!resume) {
    const old = await store.load().catch(() => undefined);
    await store.clear();
    if (old !== undefined) log(`replacing the checkpoint of an earlier run (epoch ${old.epoch}) in ${store.file}; pass --resume to continue one instead`);
  }
  return store;
}

/**
 * Runs `task` with an AbortSignal that fires on the first Ctrl-C (SIGINT); a
 * second Ctrl-C exits at once. The listener is removed when `task` settles.
 */
export async function withInterrupt<T>(task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nstopping after this batch (Ctrl-C again to quit now)…\n');
    controller.abort(new Error('interrupted (SIGINT)'));
  };
  process.on('SIGINT', onSigint);
  try {
    return await task(controller.signal);
  } finally {
    process.off('SIGINT', onSigint);
  }
}

/**
 * Runs a CLI's `main`, printing a `TrainerError` as `error [CODE]: message` (plus
 * `usage` for bad flags) and setting the exit code: 2 for bad flags, 130 for an
 * interrupted run, 1 otherwise.
 */
export async function runCli(main: () => Promise<void>, usage: string): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (isTrainerError(error)) {
      process.stderr.write(`error [${error.code}]: ${error.message}\n`);
      if (error.code === 'CONFIG_INVALID') process.stderr.write(`\n${usage}\n`);
      process.exitCode = error.code === 'CONFIG_INVALID' ? 2 : error.code === 'TRAINING_ABORTED' ? 130 : 1;
    } else if (error instanceof CodedError) {
      // The other components' typed errors (EdgeloopError, EdgeTargetError, …): the code and
      // message say it all; a stack would only bury them.
      process.stderr.write(`error [${error.code}]: ${error.message}\n`);
      process.exitCode = /INVALID|UNKNOWN/.test(error.code) ? 2 : 1;
    } else if (error instanceof TypeError && (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`error: ${error.message}\n\n${usage}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  }
}
