/** Progress lines on stderr while a benchmark runs, stamped with the time since it started. */
export class ProgressLog {
  readonly #started = performance.now();

  /** Prints `[+12.3 s] message`. */
  note(message: string): void {
    process.stderr.write(`[+${this.elapsedSeconds().toFixed(1).padStart(6)} s] ${message}\n`);
  }

  /** Seconds since this log was made. */
  elapsedSeconds(): number {
    return (performance.now() - this.#started) / 1000;
  }
}
