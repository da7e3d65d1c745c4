/**
 * `<edge-model>`: a model on any page, no build step. It loads a package (a manifest
 * URL, or `registry` + `name` through the IndexedDB model store, so a second view
 * loads offline), reads the `<img>`/`<canvas>`/`<video>` named by `for`, and shows the
 * top-k classes in an accessible list (a `role="status"` live region, `::part()`
 * styleable, off with `render="none"`). Events: `progress`, `load`, `prediction`,
 * `error` (`event.detail.code`).
 *
 * The class is made by {@link createEdgeModelElement} so that nothing touches
 * `HTMLElement` at import time (Node imports this module's siblings in unit tests).
 */
import { isEdgeloopError } from '../../format/index.ts';
import type { Model } from '../client/model-client.ts';
import type { BackendReport } from '../engine/backend-choice.ts';
import type { Prediction } from '../worker/api.ts';
import { EDGE_MODEL_ATTRIBUTES, readElementConfig, RELOAD_ATTRIBUTES, resultRows, type EdgeModelConfig } from './element-config.ts';
import type { RuntimeKey, RuntimePool } from './runtime-pool.ts';
import { loadFromStore, toModelInput, type EdgeModelInput, type EdgeModelProgress } from './element-input.ts';

export type { EdgeModelInput, EdgeModelProgress } from './element-input.ts';

/** What `error` events carry: the library error's `code` (`NOT_FOUND`, `SIGNATURE_INVALID`, …). */
export interface EdgeModelErrorDetail {
  code: string;
  message: string;
  error: unknown;
}

/** The public face of `<edge-model>` (properties mirror the attributes). */
export interface EdgeModelElement extends HTMLElement {
  src: string;
  registry: string;
  name: string;
  alias: string;
  backend: string;
  precision: string;
  htmlFor: string;
  topK: number;
  trustedKeys: string;
  telemetryEndpoint: string;
  telemetryToken: string;
  loading: string;
  render: string;
  /** Settles when the current model has loaded (rejects with its error). */
  readonly ready: Promise<Model>;
  /** The loaded model, or null. */
  readonly model: Model | null;
  /** Runs the model on `input` (default: the `for` element); dispatches `prediction`. */
  predict(input?: EdgeModelInput): Promise<Prediction>;
}

const STYLE = `
:host { display: block; font: inherit; }
:host([hidden]) { display: none; }
[part~="list"] { list-style: none; margin: 0; padding: 0; max-width: 24rem; }
[part~="item"] { display: grid; grid-template-columns: 1fr auto; column-gap: 1em; padding: .2em 0; }
[part~="top"] { font-weight: 600; }
[part~="bar"] { grid-column: 1 / -1; height: .3em; margin-top: .15em; border-radius: .15em; background: currentColor; opacity: .35; }
`;

/** Makes the element class over a pool of shared runtimes (called once per `defineEdgeModel`). */
export function createEdgeModelElement(pool: RuntimePool): { new (): EdgeModelElement } {
  const propertyAttributes: Record<string, string> = {
    src: 'src',
    registry: 'registry',
    name: 'name',
    alias: 'alias',
    backend: 'backend',
    precision: 'precision',
    htmlFor: 'for',
    trustedKeys: 'trusted-keys',
    telemetryEndpoint: 'telemetry-endpoint',
    telemetryToken: 'telemetry-token',
    loading: 'loading',
    render: 'render',
  };

  class EdgeModel extends HTMLElement {
    static get observedAttributes(): readonly string[] {
      return EDGE_MODEL_ATTRIBUTES;
    }

    #model: Model | null = null;
    #ready!: Promise<Model>;
    #settle!: { resolve: (model: Model) => void; reject: (error: unknown) => void };
    /** Bumped on every (re)load: work of an older load stops at its next step. */
    #generation = 0;
    #runtimeKey: RuntimeKey | null = null;
    #observer: IntersectionObserver | null = null;
    #source: HTMLElement | null = null;
    #reloadQueued = false;
    #status: HTMLElement | null = null;
    #list: HTMLOListElement | null = null;
    readonly #onSourceChange = () => void this.predict().catch((error: unknown) => this.#fail(error));

    constructor() {
      super();
      this.#resetReady();
    }

    get ready(): Promise<Model> {
      return this.#ready;
    }

    get model(): Model | null {
      return this.#model;
    }

    get topK(): number {
      return Number(this.getAttribute('top-k') ?? 3);
    }

    set topK(value: number) {
      this.setAttribute('top-k', String(value));
    }

    connectedCallback(): void {
      this.#renderShell();
      this.#scheduleLoad();
    }

    disconnectedCallback(): void {
      this.#unload();
    }

    attributeChangedCallback(name: string, oldValue: string | null, newValue: string | null): void {
      if (oldValue === newValue || !this.isConnected) return;
      if (name === 'render') this.#renderShell();
      if (name === 'for') this.#watchSource();
      if (RELOAD_ATTRIBUTES.has(name) || name === 'loading') this.#queueReload();
    }

    async predict(input?: EdgeModelInput): Promise<Prediction> {
      const model = await this.#ready;
      const config = this.#config();
      const source = input ?? this.#forElement(config);
      if (!source) throw new TypeError('<edge-model>.predict() needs an input, or a for= attribute naming an <img>, <canvas> or <video>');
      const prediction = await model.predict(await toModelInput(source), { topK: config.topK });
      this.#renderPrediction(prediction);
      this.dispatchEvent(new CustomEvent<Prediction>('prediction', { detail: prediction }));
      return prediction;
    }

    #config(): EdgeModelConfig {
      return readElementConfig((name) => this.getAttribute(name));
    }

    #resetReady(): void {
      this.#ready = new Promise<Model>((resolve, reject) => {
        this.#settle = { resolve, reject };
      });
      // The rejection is reported as an `error` event; awaiting `ready` still sees it.
      this.#ready.catch(() => undefined);
    }

    #queueReload(): void {
      if (this.#reloadQueued) return;
      this.#reloadQueued = true;
      queueMicrotask(() => {
        this.#reloadQueued = false;
        if (!this.isConnected) return;
        this.#unload();
        this.#resetReady();
        this.#scheduleLoad();
      });
    }

    #scheduleLoad(): void {
      let config: EdgeModelConfig;
      try {
        config = this.#config();
      } catch (error) {
        this.#fail(error);
        return;
      }
      if (!config.source) return;
      if (config.loading === 'eager' || typeof IntersectionObserver === 'undefined') {
        void this.#load(config);
        return;
      }
      this.#observer = new IntersectionObserver((entries) => {
        if (!entries.some((e) => e.isIntersecting)) return;
        this.#observer?.disconnect();
        this.#observer = null;
        void this.#load(config);
      });
      this.#observer.observe(this);
    }

    async #load(config: EdgeModelConfig): Promise<void> {
      const generation = ++this.#generation;
      const source = config.source!;
      this.#setStatus('Loading model…');
      try {
        const key = { trustedKeys: config.trustedKeys, telemetry: config.telemetry };
        this.#runtimeKey = key;
        const runtime = await pool.acquire(key);
        if (generation !== this.#generation) return;
        const onProgress = (p: EdgeModelProgress) => {
          if (generation !== this.#generation) return;
          this.dispatchEvent(new CustomEvent<EdgeModelProgress>('progress', { detail: { phase: p.phase, loadedBytes: p.loadedBytes, totalBytes: p.totalBytes } }));
          if (p.totalBytes > 0) this.#setStatus(`Loading model… ${Math.round((100 * p.loadedBytes) / p.totalBytes)}%`);
        };
        const loadOptions = { backend: config.backend, precision: config.precision, onProgress };
        const model =
          source.kind === 'url'
            ? await runtime.load(source.url, loadOptions)
            : await loadFromStore(runtime, source.registry, source.name, source.alias, loadOptions);
        if (generation !== this.#generation) {
          await model.dispose();
          return;
        }
        this.#model = model;
        this.#setStatus('Model ready');
        this.#settle.resolve(model);
        this.dispatchEvent(new CustomEvent<BackendReport>('load', { detail: model.backend }));
        this.#watchSource();
        if (this.#forElement(config)) await this.predict();
      } catch (error) {
        if (generation === this.#generation) this.#fail(error);
      }
    }

    #unload(): void {
      this.#generation += 1;
      this.#observer?.disconnect();
      this.#observer = null;
      this.#unwatchSource();
      const model = this.#model;
      const key = this.#runtimeKey;
      this.#model = null;
      this.#runtimeKey = null;
      void (async () => {
        await model?.dispose();
        if (key) await pool.release(key);
      })().catch((error: unknown) => console.warn('edgeloop: could not release the model', error));
    }

    #fail(error: unknown): void {
      const code = isEdgeloopError(error) ? error.code : error instanceof Error ? error.name : 'UNKNOWN';
      const message = error instanceof Error ? error.message : String(error);
      this.#setStatus(`Could not run the model: ${message}`);
      this.#settle.reject(error);
      this.dispatchEvent(new CustomEvent<EdgeModelErrorDetail>('error', { detail: { code, message, error } }));
    }

    #forElement(config: EdgeModelConfig): HTMLElement | null {
      if (!config.for) return null;
      const root = this.getRootNode() as Document | ShadowRoot;
      return root.getElementById?.(config.for) ?? null;
    }

    /** Predicts again when the `for` image loads a new picture or the video seeks/plays on. */
    #watchSource(): void {
      this.#unwatchSource();
      if (!this.#model) return;
      let config: EdgeModelConfig;
      try {
        config = this.#config();
      } catch {
        return; // #scheduleLoad reported it
      }
      const element = this.#forElement(config);
      if (!element) return;
      this.#source = element;
      element.addEventListener(element instanceof HTMLVideoElement ? 'seeked' : 'load', this.#onSourceChange);
    }

    #unwatchSource(): void {
      this.#source?.removeEventListener('seeked', this.#onSourceChange);
      this.#source?.removeEventListener('load', this.#onSourceChange);
      this.#source = null;
    }

    #renderShell(): void {
      const root = this.shadowRoot ?? this.attachShadow({ mode: 'open' });
      if (this.getAttribute('render') === 'none') {
        root.replaceChildren();
        root.adoptedStyleSheets = [];
        this.#status = this.#list = null;
        return;
      }
      if (this.#status) return;
      // A constructed sheet, not a <style>: a page's strict CSP (`style-src` without
      // 'unsafe-inline') does not apply to it (https://w3c.github.io/webappsec-csp/#styles).
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(STYLE);
      root.adoptedStyleSheets = [sheet];
      const region = document.createElement('div');
      region.setAttribute('part', 'result');
      region.setAttribute('role', 'status');
      region.setAttribute('aria-live', 'polite');
      this.#status = document.createElement('p');
      this.#status.setAttribute('part', 'status');
      this.#list = document.createElement('ol');
      this.#list.setAttribute('part', 'list');
      this.#list.setAttribute('aria-label', 'Predictions');
      region.append(this.#status, this.#list);
      root.replaceChildren(region);
    }

    #setStatus(text: string): void {
      if (this.#status) this.#status.textContent = text;
    }

    #renderPrediction(prediction: Prediction): void {
      if (!this.#list) return;
      const items = resultRows(prediction.topK).map((row, i) => {
        const item = document.createElement('li');
        item.setAttribute('part', i === 0 ? 'item top' : 'item');
        const label = document.createElement('span');
        label.setAttribute('part', 'label');
        label.textContent = row.label;
        const score = document.createElement('span');
        score.setAttribute('part', 'score');
        score.textContent = `${row.percent}%`;
        // CSSOM, not a style attribute: a strict CSP's style-src does not apply to it.
        const bar = document.createElement('span');
        bar.setAttribute('part', 'bar');
        bar.style.width = `${row.percent}%`;
        item.setAttribute('aria-label', row.text);
        item.append(label, score, bar);
        return item;
      });
      this.#list.replaceChildren(...items);
      this.#setStatus(`Prediction: ${resultRows(prediction.topK.slice(0, 1))[0]?.text ?? 'none'}`);
    }
  }

  for (const [property, attribute] of Object.entries(propertyAttributes)) {
    Object.defineProperty(EdgeModel.prototype, property, {
      get(this: HTMLElement) {
        return this.getAttribute(attribute) ?? '';
      },
      set(this: HTMLElement, value: string | null) {
        if (value === null || value === undefined) this.removeAttribute(attribute);
        else this.setAttribute(attribute, String(value));
      },
      configurable: true,
    });
  }
  return EdgeModel as unknown as { new (): EdgeModelElement };
}
