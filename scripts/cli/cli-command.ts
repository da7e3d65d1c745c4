/**
 * One command of the `edgeloop` CLI (`edgeloop train …`), run the same way by its
 * `npm run <name>` script in this repository (through tsx) and by the published
 * package's `bin` (plain node).
 */
export interface CliCommand {
  /**
   * Runs the command. `args` are its arguments (without the command's name); `prog` is how
   * the user called it (`npm run train --`, `edgeloop train`), for the usage text. Errors
   * are printed and set `process.exitCode`; the promise does not reject for them.
   */
  run(args: readonly string[], prog: string): Promise<void>;
}
