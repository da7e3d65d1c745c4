/**
 * The embed's classic-script entry (dist-embed/edgeloop.iife.js): for pages that add
 * `<script src=…>` without `type="module"`. IIFE output cannot share code with the module
 * build, so this small loader imports the module entry next to it (`import()` works in
 * classic scripts) instead of carrying a second copy: `window.edgeloop.ready` resolves
 * to the module once `<edge-model>` is defined; its exports then sit on `window.edgeloop`.
 * Elements already in the page upgrade when the definition arrives.
 */

/** `window.edgeloop` as this script defines it. */
interface EdgeloopGlobal {
  ready: Promise<Record<string, unknown>>;
  [name: string]: unknown;
}

// document.currentScript is only set while this script runs: read it now.
const script = document.currentScript as HTMLScriptElement | null;
const base = script?.src || document.baseURI;
const moduleUrl = new URL('edgeloop.js', base).href;
const ready = import(/* @vite-ignore */ moduleUrl) as Promise<Record<string, unknown>>;
const global: EdgeloopGlobal = { ready };
// Not a `declare global`: the lab page (pwa/) types its own `window.edgeloop`.
(window as unknown as { edgeloop: EdgeloopGlobal }).edgeloop = global;
ready.then(
  (module) => Object.assign(global, module),
  (error: unknown) => console.error(`edgeloop: could not load ${moduleUrl}`, error),
);

export {};
