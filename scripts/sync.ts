/** `npm run sync`: `edgeloop sync` (scripts/cli/sync-command.ts), configured by the environment. */
import { syncCommand } from './cli/sync-command.ts';

await syncCommand.run(process.argv.slice(2), 'npm run sync --');
