/**
 * The latest per-signal verdicts: statistic, threshold, sample size and status for
 * each signal, drifting ones first; a drift is said in words ("drift"), not only in
 * red. Each signal's name is a button that shows that signal in the chart and the
 * histogram.
 */
import { rankSignals, shortNumber } from './monitor-data.ts';
import type { SignalReport } from './sync-types.ts';

const FIRST_ROWS = 12;

const STATUS_WORDS: Readonly<Record<SignalReport['status'], string>> = {
  drift: 'drift',
  ok: 'ok',
  'insufficient-data': 'not enough data',
};

/** The table of one page; remembers whether every signal is shown across redraws. */
export class SignalTable {
  readonly #body: HTMLTableSectionElement;
  readonly #more: HTMLButtonElement;
  #expanded = false;
  #redraw: () => void = () => undefined;

  constructor(body: HTMLTableSectionElement, more: HTMLButtonElement) {
    this.#body = body;
    this.#more = more;
    more.addEventListener('click', () => {
      this.#expanded = !this.#expanded;
      this.#redraw();
      // The button moved under the rows it added or removed: keep it in view.
      more.scrollIntoView({ block: 'nearest' });
    });
  }

  /** Empties the table. */
  clear(): void {
    this.#redraw = () => undefined;
    this.#body.replaceChildren();
    this.#more.hidden = true;
  }

  /** Fills the table with `signals`, `selected` marked; `onPick(name)` when a signal's button is pressed. */
  show(signals: readonly SignalReport[], selected: string, onPick: (name: string) => void): void {
    const ranked = rankSignals(signals);
    this.#redraw = () => this.#draw(ranked, selected, onPick);
    this.#redraw();
  }

  #draw(ranked: readonly SignalReport[], selected: string, onPick: (name: string) => void): void {
    const shown = this.#expanded ? [...ranked] : ranked.slice(0, FIRST_ROWS);
    // Keep the selected signal visible even when it ranks low.
    if (!shown.some((s) => s.name === selected)) {
      const chosen = ranked.find((s) => s.name === selected);
      if (chosen) shown.push(chosen);
    }
    this.#body.replaceChildren(...shown.map((s) => row(s, selected, onPick)));
    this.#more.hidden = ranked.length <= FIRST_ROWS;
    this.#more.textContent = this.#expanded ? `Show the first ${FIRST_ROWS} signals` : `Show all ${ranked.length} signals`;
    this.#more.setAttribute('aria-expanded', String(this.#expanded));
  }
}

function row(s: SignalReport, selected: string, onPick: (name: string) => void): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.dataset.signal = s.name;
  tr.dataset.status = s.status;
  if (s.status === 'drift') tr.className = 'drift';
  const nameCell = document.createElement('th');
  nameCell.scope = 'row';
  const pick = document.createElement('button');
  pick.type = 'button';
  pick.className = 'link';
  pick.textContent = s.name;
  pick.setAttribute('aria-pressed', String(s.name === selected));
  pick.addEventListener('click', () => onPick(s.name));
  nameCell.append(pick);
  const judged = s.status !== 'insufficient-data';
  const statistic = judged ? `${shortNumber(s.statistic)}${s.method === 'chi-square' ? ' (p)' : ''}` : '–';
  const threshold = judged ? `${s.method === 'chi-square' ? '< ' : '≥ '}${shortNumber(s.threshold)}` : '–';
  const status = document.createElement('td');
  status.className = `status ${s.status}`;
  status.textContent = s.status === 'drift' ? `⚠ ${STATUS_WORDS.drift}` : STATUS_WORDS[s.status];
  tr.append(nameCell, ...[statistic, threshold, String(s.sampleSize)].map((t) => Object.assign(document.createElement('td'), { textContent: t })), status);
  return tr;
}
