/** The Train page. */
import { mountShell } from '../shell/shell.ts';

mountShell('train');
