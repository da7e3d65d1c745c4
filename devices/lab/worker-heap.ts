/**
 * The JS heap of a page's workers (the runtime's worker, the engines' workers): CDP
 * `Runtime.getHeapUsage` sent to each worker target of the page. Playwright opens CDP
 * sessions on pages only, so this attaches to the workers from a browser session.
 */
import type { CDPSession, Page } from '@playwright/test';

interface TargetInfo {
  targetId: string;
  type: string;
  parentId?: string;
}

/**
 * Bytes of JS heap in use across `page`'s workers (nested ones too); `null` where the
 * browser gives no CDP session or no worker answers. A worker that does not answer
 * within a few seconds (one that is closing) is left out: the heap is a figure of the
 * report, never a reason to fail a profile.
 */
export async function workerHeapBytes(page: Page, pageSession: CDPSession): Promise<number | null> {
  const browser = page.context().browser();
  if (browser === null) return null;
  const { targetInfo } = (await pageSession.send('Target.getTargetInfo')) as { targetInfo: TargetInfo };
  const session = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = (await session.send('Target.getTargets')) as { targetInfos: TargetInfo[] };
    const ours = new Set([targetInfo.targetId]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const t of targetInfos) {
        if (t.type === 'worker' && t.parentId !== undefined && ours.has(t.parentId) && !ours.has(t.targetId)) {
          ours.add(t.targetId);
          grew = true;
        }
      }
    }
    ours.delete(targetInfo.targetId);
    let total: number | null = null;
    for (const targetId of ours) {
      const used = await heapOf(session, targetId).catch(() => null);
      if (used !== null) total = (total ?? 0) + used;
    }
    return total;
  } finally {
    await session.detach().catch(() => undefined);
  }
}

/** `Runtime.getHeapUsage` of one worker target, through a (non-flat) attachment from the browser session. */
async function heapOf(session: CDPSession, targetId: string): Promise<number> {
  const { sessionId } = (await session.send('Target.attachToTarget', { targetId, flatten: false })) as { sessionId: string };
  try {
    const answer = new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        session.off('Target.receivedMessageFromTarget', listen);
        reject(new Error(`worker ${targetId} did not answer Runtime.getHeapUsage`));
      }, 3_000);
      const listen = (event: { sessionId: string; message: string }) => {
        if (event.sessionId !== sessionId) return;
        const message = JSON.parse(event.message) as { id?: number; result?: { usedSize: number }; error?: { message: string } };
        if (message.id !== 1) return;
        clearTimeout(timer);
        session.off('Target.receivedMessageFromTarget', listen);
        if (message.result) resolve(message.result.usedSize);
        else reject(new Error(message.error?.message ?? 'no heap usage'));
      };
      session.on('Target.receivedMessageFromTarget', listen);
    });
    await session.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' }) });
    return await answer;
  } finally {
    await session.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
  }
}
