/** The Models page. */
import { mountShell } from '../shell/shell.ts';

mountShell('models');
