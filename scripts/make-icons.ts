/**
 * CLI: `tsx scripts/make-icons.ts` — draws the app's icons (pwa/public/icons/*.png): the
 * edgeloop mark, a ring broken by an arrowhead (the loop) around a dot (the device),
 * at 192 and 512 px, plus a maskable 512 px one whose mark sits inside the 80 % safe
 * zone on a full-bleed background. The PNGs are checked in; rerun after changing this.
 * Pure Node: RGBA rows, zlib, CRC-32 — no image library.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';

type Rgb = readonly [number, number, number];
const BACKGROUND: Rgb = [0x1b, 0x1f, 0x24];
const RING: Rgb = [0x3b, 0x82, 0xf6];
const DOT: Rgb = [0xf5, 0xf6, 0xf8];

/** Coverage of a pixel by the mark, per colour, with 4×4 supersampling for smooth edges. */
function drawIcon(size: number, { maskable }: { maskable: boolean }): Uint8Array {
  const pixels = new Uint8Array(size * size * 4);
  const scale = maskable ? 0.62 : 0.8; // the mark's diameter as a share of the icon
  const corner = maskable ? 0 : 0.22; // rounded-square radius as a share of the size (maskable: full bleed)
  const centre = size / 2;
  const outer = (size * scale) / 2;
  const inner = outer * 0.68;
  const dot = outer * 0.26;
  const gapStart = -Math.PI / 2 + 0.35; // the ring opens at the top right, where the arrowhead is
  const gapEnd = -Math.PI / 2 + 1.05;
  const inRoundedSquare = (x: number, y: number) => {
    const r = corner * size;
    const dx = Math.max(r - x, 0, x - (size - r));
    const dy = Math.max(r - y, 0, y - (size - r));
    return dx * dx + dy * dy <= r * r;
  };
  const arrow = (x: number, y: number) => {
    // A triangle pointing clockwise at the gap's start, its base across the ring.
    const a = gapStart;
    const mid = (outer + inner) / 2;
    const half = (outer - inner) * 0.95;
    const bx = centre + Math.cos(a) * mid;
    const by = centre + Math.sin(a) * mid;
    const tx = centre + Math.cos(a + 0.5) * mid; // tip, further along clockwise
    const ty = centre + Math.sin(a + 0.5) * mid;
    const p1 = [bx + Math.cos(a) * half, by + Math.sin(a) * half];
    const p2 = [bx - Math.cos(a) * half, by - Math.sin(a) * half];
    const sign = (ax: number, ay: number, bx2: number, by2: number) => (x - bx2) * (ay - by2) - (ax - bx2) * (y - by2);
    const d1 = sign(p1[0]!, p1[1]!, p2[0]!, p2[1]!);
    const d2 = sign(p2[0]!, p2[1]!, tx, ty);
    const d3 = sign(tx, ty, p1[0]!, p1[1]!);
    return !((d1 < 0 || d2 < 0 || d3 < 0) && (d1 > 0 || d2 > 0 || d3 > 0));
  };
  const colourAt = (x: number, y: number): Rgb | null => {
    if (!inRoundedSquare(x, y)) return null;
    const dx = x - centre;
    const dy = y - centre;
    const r = Math.hypot(dx, dy);
    if (r <= dot) return DOT;
    const angle = Math.atan2(dy, dx);
    if (r >= inner && r <= outer && !(angle > gapStart && angle < gapEnd)) return RING;
    if (arrow(x, y)) return RING;
    return BACKGROUND;
  };
  const samples = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let red = 0;
      let green = 0;
      let blue = 0;
      let alpha = 0;
      for (let sy = 0; sy < samples; sy++) {
        for (let sx = 0; sx < samples; sx++) {
          const colour = colourAt(px + (sx + 0.5) / samples, py + (sy + 0.5) / samples);
          if (!colour) continue;
          red += colour[0];
          green += colour[1];
          blue += colour[2];
          alpha += 1;
        }
      }
      const o = (py * size + px) * 4;
      if (alpha > 0) pixels.set([red / alpha, green / alpha, blue / alpha, (alpha / samples ** 2) * 255].map(Math.round), o);
    }
  }
  return pixels;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** An RGBA PNG: 8 bits per channel, filter 0 on every row. */
export function encodePng(size: number, rgba: Uint8Array): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) rows.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (size * 4 + 1) + 1);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows, { level: 9 })), chunk('IEND', new Uint8Array())]);
}

const outDir = resolve(import.meta.dirname, '../pwa/public/icons');
mkdirSync(outDir, { recursive: true });
for (const [file, size, maskable] of [
  ['icon-192.png', 192, false],
  ['icon-512.png', 512, false],
  ['icon-maskable-512.png', 512, true],
  ['apple-touch-icon-180.png', 180, true],
] as const) {
  writeFileSync(resolve(outDir, file), encodePng(size, drawIcon(size, { maskable })));
  console.log(`edgeloop: wrote pwa/public/icons/${file} (${size}×${size}${maskable ? ', maskable' : ''})`);
}
