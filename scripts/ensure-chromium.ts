/** CLI: `tsx scripts/ensure-chromium.ts` — finds or installs Chromium, prints its path. */
import { ensureChromium } from './chromium.ts';

const path = ensureChromium();
console.log(`edgeloop: using Chromium at ${path ?? "Playwright's download"}`);
