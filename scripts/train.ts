/** `npm run train`: `edgeloop train` (scripts/cli/train-command.ts). Usage: `npm run train -- --help`. */
import { trainCommand } from './cli/train-command.ts';

await trainCommand.run(process.argv.slice(2), 'npm run train --');
