/**
 * One installed model as the Models page shows it: its name and active version, the
 * update check, roll back, and each version (state, size, source, installed when,
 * pinned, active) with what can be done to it. Pure rendering: the page owns the state
 * and does the work; every button carries a `data-key` so that focus survives a re-render.
 */
import type { InstalledVersion, UpdateCheck } from '../../runtime/index.ts';
import { el } from '../shell/dom.ts';
import { showErrorIn } from '../shell/error-words.ts';
import { formatBytes } from '../shell/install-words.ts';

/** What the page knows about a model beyond the store's records. */
export interface CardState {
  /** The last update check's answer. */
  update?: UpdateCheck;
  /** A line of status: "Checking for updates…", "Rolled back to 1.0.0." */
  status?: string;
  /** The last action's error, shown with its code. */
  error?: unknown;
  /** The version whose removal waits for a second tap. */
  confirmRemove?: string;
  /** An action on this model is running: its buttons are disabled. */
  working?: boolean;
}

/** What the card's buttons ask the page to do. */
export interface CardActions {
  checkForUpdate(name: string): void;
  /** Installs `version` from `from` (an update, or resuming a partial install). */
  install(name: string, from: string, version: string): void;
  rollback(name: string): void;
  activate(name: string, version: string): void;
  pin(name: string, version: string, pinned: boolean): void;
  askRemove(name: string, version: string | undefined): void;
  remove(name: string, version: string): void;
}

/** The `source` the store records for a package installed from memory (the Train page). */
const LOCAL_SOURCE = 'local:';
const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Where a version came from, in words: the registry's host and path, or this device. */
export function sourceWords(source: string): string {
  if (source === LOCAL_SOURCE) return 'made on this device';
  try {
    const url = new URL(source);
    return `${url.host}${url.pathname.replace(/\/$/, '')}`;
  } catch {
    return source;
  }
}

function button(key: string, label: string, onClick: () => void, options: { className?: string; disabled?: boolean; title?: string; pressed?: boolean; ariaLabel?: string } = {}): HTMLButtonElement {
  const node = el('button', { type: 'button', 'data-key': key }, label);
  if (options.className) node.className = options.className;
  if (options.title) node.title = options.title;
  if (options.ariaLabel) node.setAttribute('aria-label', options.ariaLabel);
  if (options.pressed !== undefined) node.setAttribute('aria-pressed', String(options.pressed));
  node.disabled = options.disabled ?? false;
  node.addEventListener('click', onClick);
  return node;
}

function versionItem(name: string, v: InstalledVersion, state: CardState, actions: CardActions): HTMLLIElement {
  const key = `${name}@${v.version}`;
  const flags = [v.active ? 'active' : '', v.pinned ? 'pinned' : '', v.previous ? 'previous' : '', v.state === 'partial' ? 'partial' : ''].filter(Boolean);
  const title = el('p', { class: 'version-title' }, el('strong', {}, v.version), ...flags.map((flag) => el('span', { class: `tag ${flag}` }, flag)));
  const installed = v.installedAt ? el('time', { datetime: v.installedAt }, when.format(new Date(v.installedAt))) : 'not finished';
  const facts = el('p', { class: 'hint version-facts' }, `${formatBytes(v.bytes)} · from ${sourceWords(v.source)} · installed `, installed);
  const row = el('div', { class: 'row' });
  const busy = state.working ?? false;
  if (v.state === 'partial') {
    facts.append(' · an interrupted install: resume it, or remove what was stored');
    if (v.source !== LOCAL_SOURCE) row.append(button(`${key}:resume`, 'Resume install', () => actions.install(name, v.source, v.version), { className: 'primary', disabled: busy, ariaLabel: `Resume installing ${name} ${v.version}` }));
  } else if (!v.active) {
    row.append(button(`${key}:activate`, 'Activate', () => actions.activate(name, v.version), { disabled: busy, ariaLabel: `Activate ${name} ${v.version}` }));
  }
  if (v.state === 'complete')
    row.append(
      button(`${key}:pin`, v.pinned ? 'Unpin' : 'Pin', () => actions.pin(name, v.version, !v.pinned), {
        disabled: busy,
        pressed: v.pinned,
        ariaLabel: `${v.pinned ? 'Unpin' : 'Pin'} ${name} ${v.version}`,
        title: 'A pinned version is never removed to make room for another.',
      }),
    );
  if (!v.active) {
    if (state.confirmRemove === v.version) {
      row.append(
        el('span', { class: 'confirm' }, `Remove ${v.version} from this device?`),
        button(`${key}:remove-yes`, 'Remove', () => actions.remove(name, v.version), { className: 'danger', disabled: busy, ariaLabel: `Yes, remove ${name} ${v.version}` }),
        button(`${key}:remove-no`, 'Keep', () => actions.askRemove(name, undefined), { ariaLabel: `Keep ${name} ${v.version}` }),
      );
    } else {
      row.append(button(`${key}:remove`, 'Remove', () => actions.askRemove(name, v.version), { className: 'danger', disabled: busy, ariaLabel: `Remove ${name} ${v.version}` }));
    }
  }
  const item = el('li', { class: `version${v.active ? ' active' : ''}`, 'data-version': v.version, 'aria-label': `${name} ${v.version}${flags.length ? ` (${flags.join(', ')})` : ''}` }, title, facts, row);
  return item;
}

function updateLine(name: string, versions: readonly InstalledVersion[], state: CardState, actions: CardActions): HTMLElement | undefined {
  const check = state.update;
  if (!check) return undefined;
  const active = versions.find((v) => v.active);
  if (!check.updateAvailable || !check.latest) {
    const local = active?.source === LOCAL_SOURCE;
    return el('p', { class: 'update ok' }, local ? 'Made on this device: no registry to check for updates.' : `Up to date${check.latest ? ` (the registry’s latest is ${check.latest})` : ''}.`);
  }
  const from = active?.source ?? versions[0]?.source;
  const line = el('p', { class: 'update available' }, `${check.latest} is available (active: ${check.active ?? 'none'}). `);
  if (from) line.append(button(`${name}:install-update`, `Install ${check.latest}`, () => actions.install(name, from, check.latest!), { className: 'primary', disabled: state.working ?? false }));
  return line;
}

/** The card of one model. */
export function renderModelCard(name: string, versions: readonly InstalledVersion[], state: CardState, actions: CardActions): HTMLElement {
  const headingId = `model-${name}-heading`;
  const active = versions.find((v) => v.active);
  const heading = el('h2', { id: headingId, tabindex: '-1' }, name);
  const summary = el('p', { class: 'muted' }, active ? `Active: ${active.version}` : 'No active version');
  const canRollBack = versions.some((v) => v.previous && v.state === 'complete');
  const local = active?.source === LOCAL_SOURCE;
  const tools = el(
    'div',
    { class: 'row' },
    button(`${name}:check`, 'Check for updates', () => actions.checkForUpdate(name), { disabled: (state.working ?? false) || local, ariaLabel: `Check ${name} for updates`, ...(local ? { title: 'Made on this device: there is no registry to ask.' } : {}) }),
    button(`${name}:rollback`, 'Roll back', () => actions.rollback(name), {
      disabled: (state.working ?? false) || !canRollBack,
      ariaLabel: `Roll back ${name}`,
      title: canRollBack ? 'Go back to the version that was active before this one.' : 'There is no earlier version on this device to go back to.',
    }),
  );
  const status = el('p', { class: 'card-status', role: 'status', 'aria-live': 'polite' }, state.status ?? '');
  const errorBox = el('p', { class: 'error', role: 'alert' });
  errorBox.hidden = true;
  if (state.error !== undefined) showErrorIn(errorBox, state.error);
  const list = el('ul', { class: 'version-list', 'aria-label': `Versions of ${name}` }, ...versions.map((v) => versionItem(name, v, state, actions)));
  const update = updateLine(name, versions, state, actions);
  return el('article', { class: 'model-card', 'data-model': name, 'aria-labelledby': headingId }, heading, summary, tools, ...(update ? [update] : []), status, errorBox, list);
}
