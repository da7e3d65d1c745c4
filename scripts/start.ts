/**
 * `npm start`: makes the demo model packages if they are missing (real MNIST models,
 * trained briefly), builds the app and serves it on http://localhost:5173 (PORT
 * overrides) with cross-origin isolation.
 */
import { execFileSync } from 'node:child_process';

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: 'inherit' });

run('npx', ['tsx', 'scripts/make-fixtures.ts']);
run('npx', ['vite', 'build']);
await import('./serve.ts');
