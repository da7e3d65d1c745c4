/** `npm run distill`: `edgeloop distill` (scripts/cli/distill-command.ts). Usage: `npm run distill -- --help`. */
import { distillCommand } from './cli/distill-command.ts';

await distillCommand.run(process.argv.slice(2), 'npm run distill --');
