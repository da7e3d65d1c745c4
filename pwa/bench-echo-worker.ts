/**
 * The physical floor of the runtime benchmark (scripts/bench/runtime-bench.ts): a module
 * worker that sends every message straight back, its buffer transferred both ways. On
 * the worker itself (as the raw baselines talk) and on a MessagePort it is handed (as
 * edgeloop's runtime talks: comlink and the predict fast path share one port).
 */

/** Main thread → echo worker: a port to echo on as well. */
export interface EchoPortMessage {
  type: 'port';
  port: MessagePort;
}

self.addEventListener('message', (event: MessageEvent<Float32Array | EchoPortMessage>) => {
  const data = event.data;
  if (data instanceof Float32Array) {
    self.postMessage(data, { transfer: [data.buffer] });
    return;
  }
  const { port } = data;
  port.addEventListener('message', (message: MessageEvent<Float32Array>) => port.postMessage(message.data, [message.data.buffer]));
  port.start();
});
