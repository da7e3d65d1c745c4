import { MessageChannel } from 'node:worker_threads';
import { expose, wrap } from 'comlink';
import { afterEach, expect, test } from 'vitest';
import { installErrorTransfer } from '../../format/index.ts';
import { routeMessages, type WorkerScope } from './message-router.ts';
import { deserializeError, isPredictReply, type InitMessage, type PredictRequest } from './predict-wire.ts';

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

test('a runtime that fails to start answers every call, waiting or to come, with RUNTIME_START_FAILED', async () => {
  installErrorTransfer();
  const { scope, page } = connect();
  let failSetUp!: (error: Error) => void;
  const setUp = new Promise<never>((_, reject) => (failSetUp = reject));
  setUp.catch(() => undefined); // it may fail before the init message reaches the router
  routeMessages(scope, () => setUp);
  const api = wrap<{ load(url: string): Promise<unknown>; store: { install(name: string): Promise<unknown> } }>(page as never);
  const replies: unknown[] = [];
  page.on('message', (data: unknown) => {
    if (isPredictReply(data)) replies.push(deserializeError((data as { error: unknown }).error));
  });
  page.postMessage(init);
  page.postMessage(predict(1));
  const waiting = api.load('a');
  waiting.catch(() => undefined);
  failSetUp(new Error('Failed to fetch dynamically imported module'));
  const startFailed = { name: 'EdgeloopError', code: 'RUNTIME_START_FAILED', message: expect.stringContaining('Failed to fetch dynamically imported module') };
  await expect(waiting).rejects.toMatchObject(startFailed);
  // A nested API (as runtime.store's) fails alike.
  const store = api.store as unknown as { install(name: string): Promise<unknown> };
  await expect(store.install('b')).rejects.toMatchObject(startFailed);
  page.postMessage(predict(2));
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(replies).toHaveLength(2);
  for (const reply of replies) expect(reply).toMatchObject(startFailed);
});
