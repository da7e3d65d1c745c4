/**
 * What `<edge-model>` reads and loads: a page element turned into model input (an image
 * or a video frame drawn to a canvas), and a model installed from a registry into the
 * IndexedDB store, falling back to the stored copy when the registry cannot be reached.
 */
import { isEdgeloopError } from '../../format/index.ts';
import type { Runtime } from '../client.ts';
import type { Model, ModelInput } from '../client/model-client.ts';
import type { EdgeModelConfig } from './element-config.ts';

/** What `progress` events carry. */
export interface EdgeModelProgress {
  phase: string;
  loadedBytes: number;
  totalBytes: number;
}

/** What `predict` reads: an element on the page, or anything `Model.predict` takes. */
export type EdgeModelInput = HTMLImageElement | HTMLVideoElement | ModelInput;

/**
 * Installs `name` from the registry into the model store (a no-op when it is current),
 * then loads it from the store. Offline, or with the registry unreachable, a version
 * installed before still loads; any other install error (a bad signature, a wrong hash)
 * is reported.
 */
export async function loadFromStore(
  runtime: Runtime,
  registry: string,
  name: string,
  alias: string | undefined,
  options: { backend: EdgeModelConfig['backend']; precision: EdgeModelConfig['precision']; onProgress: (p: EdgeModelProgress) => void },
): Promise<Model> {
  const installed = await runtime.store.versions(name);
  try {
    await runtime.store.install(name, {
      from: registry,
      alias,
      onProgress: (p) => options.onProgress({ phase: p.phase, loadedBytes: p.loadedBytes, totalBytes: p.totalBytes }),
    });
  } catch (error) {
    if (installed.length === 0 || !isNetworkError(error)) throw error;
  }
  return runtime.load(name, options);
}

/** The registry could not be reached (offline, server down or failing): the store's copy will do. */
function isNetworkError(error: unknown): boolean {
  return isEdgeloopError(error) && error.code === 'FETCH_FAILED';
}

/** Turns a page element into something `Model.predict` takes (an image becomes a canvas). */
export async function toModelInput(source: EdgeModelInput | HTMLElement): Promise<ModelInput> {
  if (source instanceof HTMLImageElement) {
    if (!source.complete || source.naturalWidth === 0) await source.decode();
    return drawn(source, source.naturalWidth, source.naturalHeight);
  }
  if (source instanceof HTMLVideoElement) return drawn(source, source.videoWidth, source.videoHeight);
  if (source instanceof HTMLCanvasElement) return source;
  if (source instanceof HTMLElement) throw new TypeError(`<edge-model for> must name an <img>, <canvas> or <video>, not <${source.localName}>`);
  return source;
}

function drawn(source: CanvasImageSource, width: number, height: number): HTMLCanvasElement {
  if (width === 0 || height === 0) throw new TypeError('the image or video has no pixels yet');
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.drawImage(source, 0, 0);
  return canvas;
}
