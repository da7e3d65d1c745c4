/**
 * The main-thread side of the runtime benchmark's floor (bench-echo-worker.ts): one
 * buffer the size of the model's input bounces to a module worker and back, transferred
 * each way, so a round trip costs the thread hop and nothing else.
 */
import type { EchoPortMessage } from './bench-echo-worker.ts';

/** Echo round trips over the worker's own postMessage or over a MessagePort. */
export class EchoClient {
  readonly #worker = new Worker(new URL('./bench-echo-worker.ts', import.meta.url), { type: 'module', name: 'bench-echo' });
  readonly #channel = new MessageChannel();
  #buffer: Float32Array;
  #pending?: () => void;
  readonly #onMessage = (event: MessageEvent<Float32Array>): void => {
    this.#buffer = event.data;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.();
  };

  /** `values`: how many float32 values the bouncing buffer holds. */
  constructor(values: number) {
    this.#buffer = new Float32Array(values);
    this.#worker.addEventListener('message', this.#onMessage);
    this.#channel.port1.addEventListener('message', this.#onMessage);
    this.#channel.port1.start();
    this.#worker.postMessage({ type: 'port', port: this.#channel.port2 } satisfies EchoPortMessage, [this.#channel.port2]);
  }

  /** One round trip over the worker's postMessage. */
  worker(): Promise<void> {
    return this.#bounce(this.#worker);
  }

  /** One round trip over the MessagePort. */
  port(): Promise<void> {
    return this.#bounce(this.#channel.port1);
  }

  terminate(): void {
    this.#channel.port1.close();
    this.#worker.terminate();
  }

  #bounce(target: Worker | MessagePort): Promise<void> {
    if (this.#pending) return Promise.reject(new Error('an echo is already in flight'));
    return new Promise<void>((resolve) => {
      this.#pending = resolve;
      target.postMessage(this.#buffer, [this.#buffer.buffer]);
    });
  }
}
