/**
 * Registers `<edge-model>` (once per page: a second call returns the first definition).
 */
import { createEdgeModelElement, type EdgeModelElement } from './edge-model-element.ts';
import { RuntimePool } from './runtime-pool.ts';

/** Options of {@link defineEdgeModel}. */
export interface DefineEdgeModelOptions {
  /** The built worker module's URL (`RuntimeOptions.workerUrl`). @defaultValue the bundled worker */
  workerUrl?: string | URL;
  /** The tag name. @defaultValue 'edge-model' */
  tagName?: string;
}

/** What {@link defineEdgeModel} registered. */
export interface EdgeModelDefinition {
  tagName: string;
  element: { new (): EdgeModelElement };
  /** How many runtimes (workers) the page's elements have started. */
  runtimesStarted(): number;
}

const definitions = new Map<string, EdgeModelDefinition>();

/** Defines the custom element; the elements it makes share runtimes (one worker per trusted-key set). */
export function defineEdgeModel(options: DefineEdgeModelOptions = {}): EdgeModelDefinition {
  const tagName = options.tagName ?? 'edge-model';
  const existing = definitions.get(tagName);
  if (existing) return existing;
  if (customElements.get(tagName)) throw new TypeError(`<${tagName}> is already defined by another script; pass defineEdgeModel({ tagName }) a different name`);
  const pool = new RuntimePool({ workerUrl: options.workerUrl });
  const element = createEdgeModelElement(pool);
  customElements.define(tagName, element);
  const definition = Object.freeze({ tagName, element, runtimesStarted: () => pool.started });
  definitions.set(tagName, definition);
  return definition;
}
