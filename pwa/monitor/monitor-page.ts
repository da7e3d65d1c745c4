/** The Monitor page. */
import { mountShell } from '../shell/shell.ts';

mountShell('monitor');
