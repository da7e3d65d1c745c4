#!/usr/bin/env node
/**
 * The `edgeloop` command of the npm package (`npx edgeloop train …`): one dispatcher over
 * the CLIs, each loaded only when asked for, so `edgeloop train` needs no endpoint
 * packages and `edgeloop sync` no training data. In this repository the same commands run
 * as `npm run <command>` (or `npx tsx scripts/cli/edgeloop.ts <command>`).
 */
import type { CliCommand } from './cli-command.ts';

/** A command: its summary, how to load it, and the optional packages it needs. */
interface CommandEntry {
  summary: string;
  load: () => Promise<CliCommand>;
  /** Optional peer dependencies of the package that the command imports. */
  needs: readonly string[];
}

/**
 * Runs a script that reads `process.argv` and the environment itself (the loop's CLIs) as
 * a command: its module runs on import, with the arguments where it looks for them.
 */
const script = (load: () => Promise<unknown>): CliCommand['run'] => async (args) => {
  process.argv = [process.argv[0]!, process.argv[1]!, ...args];
  await load();
};

const SYNC_PACKAGES = ['fastify', '@fastify/cors', '@fastify/rate-limit', 'better-sqlite3', 'pg'] as const;

const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  train: { summary: 'train an MLP or CNN in Node on a CSV file, an image folder or MNIST; writes the model, a report and a package', needs: ['mnist'], load: async () => (await import('./train-command.ts')).trainCommand },
  distill: { summary: 'distil a trained teacher into a smaller student on the same data', needs: ['mnist'], load: async () => (await import('./distill-command.ts')).distillCommand },
  compress: { summary: 'compress a package version folder for edge targets, in place, measured on your data', needs: ['mnist'], load: async () => (await import('./compress-command.ts')).createCompressCommand() },
  import: {
    summary: 'turn a tfjs model.json or an ONNX file into a signed package in a registry folder',
    needs: [],
    load: async () => (await import('./import-command.ts')).createImportCommand(),
  },
  sync: { summary: 'start the sync endpoint (registry, telemetry, drift, feedback, jobs)', needs: SYNC_PACKAGES, load: async () => (await import('./sync-command.ts')).syncCommand },
  retrain: {
    summary: 'ask the sync endpoint for a retraining job and follow it (--model <name>)',
    needs: [],
    load: async () => ({ run: script(() => import('../retrain.ts')) }),
  },
  'retrain-worker': {
    summary: 'take retraining jobs from the endpoint’s queue (configured by the environment)',
    needs: [...SYNC_PACKAGES, 'mnist'],
    load: async () => ({ run: script(() => import('../retrain-worker.ts')) }),
  },
};

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return `usage: edgeloop <command> [options]     (edgeloop <command> --help for its options)

commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`)
  .join('\n')}`;
}

/** True for Node's "cannot find package/module" errors (ESM and CommonJS). */
const isMissingModule = (error: unknown): error is Error & { code: string } =>
  error instanceof Error && ['ERR_MODULE_NOT_FOUND', 'MODULE_NOT_FOUND'].includes((error as { code?: string }).code ?? '');

async function main(argv: readonly string[]): Promise<void> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    if (name === undefined) process.exitCode = 2;
    return;
  }
  const entry = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!entry) {
    process.stderr.write(`edgeloop: unknown command '${name}'; the commands are ${Object.keys(COMMANDS).join(', ')} (edgeloop --help)\n`);
    process.exitCode = 2;
    return;
  }
  try {
    await (await entry.load()).run(args, `edgeloop ${name}`);
  } catch (error) {
    if (!isMissingModule(error) || entry.needs.length === 0) throw error;
    process.stderr.write(`edgeloop ${name}: ${error.message.split('\n')[0]}\nthis command needs optional packages: npm install ${entry.needs.join(' ')}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv.slice(2));
