import { MessageChannel } from 'node:worker_threads';
import { expose, wrap } from 'comlink';
import { afterEach, expect, test } from 'vitest';
import { routeMessages, type WorkerScope } from './message-router.ts';
import type { InitMessage, PredictRequest } from './predict-wire.ts';

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const { port1, port2 } of channels.splice(0)) {
    port1.close();
    port2.close();
  }
});

/** A worker's global scope and the page's side of it, over a real (Node) MessageChannel. */
function connect(): { scope: WorkerScope; page: MessageChannel['port2'] } {
  const channel = new MessageChannel();
  channels.push(channel);
  channel.port1.start();
  return { scope: channel.port1 as unknown as WorkerScope, page: channel.port2 };
}

const init = { type: 'edgeloop:init', settings: {} } as InitMessage;
const predict = (seq: number): PredictRequest => ({ edgeloop: 'predict', seq, model: 'm', input: { tensor: { data: new Float32Array(1), shape: [1] } } });

test('calls made while the runtime sets up wait for it and keep their order, predictions and comlink calls alike', async () => {
  const { scope, page } = connect();
  const seen: string[] = [];
  let finishSetUp!: () => void;
  const setUp = new Promise<void>((resolve) => (finishSetUp = resolve));
  routeMessages(scope, async (message, endpoint) => {
    seen.push(`init ${message.type}`);
    await setUp;
    expose({ echo: (text: string) => (seen.push(`comlink ${text}`), text) }, endpoint);
    return (request) => seen.push(`predict ${request.seq}`);
  });
  const api = wrap<{ echo(text: string): string }>(page as never);
  page.postMessage(init);
  page.postMessage(predict(1));
  const answer = api.echo('a');
  page.postMessage(predict(2));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(seen).toEqual(['init edgeloop:init']);
  finishSetUp();
  expect(await answer).toBe('a');
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(seen).toEqual(['init edgeloop:init', 'predict 1', 'comlink a', 'predict 2']);
});

test('messages before the init message wait for it; a second init message starts nothing', async () => {
  const { scope, page } = connect();
  const seen: string[] = [];
  let starts = 0;
  routeMessages(scope, async (_message, endpoint) => {
    starts++;
    expose({}, endpoint);
    return (request) => seen.push(`predict ${request.seq}`);
  });
  page.postMessage(predict(1));
  page.postMessage(init);
  page.postMessage(init);
  page.postMessage(predict(2));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(starts).toBe(1);
  expect(seen).toEqual(['predict 1', 'predict 2']);
});
