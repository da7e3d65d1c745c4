/**
 * A webhook receiver on a loopback port, for the alert tests: records every request
 * (headers and body) and answers 500 to the first `failFirst` of them, 204 after.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
  status: number;
}

export interface WebhookReceiver {
  url: string;
  /** Every request so far, answered or refused. */
  readonly received: ReceivedHook[];
  /** The ones answered 2xx. */
  accepted(): ReceivedHook[];
  /** Resolves once `n` requests were answered 2xx (rejects after `timeoutMs`). */
  waitForAccepted(n: number, timeoutMs?: number): Promise<ReceivedHook[]>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(options: { failFirst?: number } = {}): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  let failures = options.failFirst ?? 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = failures > 0 ? 500 : 204;
      if (failures > 0) failures--;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const accepted = () => received.filter((r) => r.status < 300);
  return {
    url: `http://127.0.0.1:${port}/hooks/edgeloop`,
    received,
    accepted,
    async waitForAccepted(n, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (accepted().length < n) {
        if (Date.now() > deadline) throw new Error(`the webhook receiver got ${accepted().length} accepted requests (${received.length} in all), expected ${n}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return accepted();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
