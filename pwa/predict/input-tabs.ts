/**
 * The input source tabs (Draw, Photo, Camera): a WAI-ARIA tablist — arrow keys, Home and
 * End move between tabs (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/), one panel shows.
 */

/** The input sources, in tab order. */
export type InputTab = 'draw' | 'photo' | 'camera';

const TABS: readonly InputTab[] = ['draw', 'photo', 'camera'];

/** Wires the tabs; `onChange` runs after another tab was selected, with the tab left. */
export function createInputTabs(onChange: (tab: InputTab, left: InputTab) => void): { readonly current: InputTab; select(tab: InputTab): void } {
  let current: InputTab = 'draw';
  const button = (tab: InputTab) => document.getElementById(`tab-${tab}`) as HTMLButtonElement;
  const select = (tab: InputTab, focus = false) => {
    if (tab === current) return;
    const left = current;
    current = tab;
    for (const each of TABS) {
      const selected = each === tab;
      button(each).setAttribute('aria-selected', String(selected));
      button(each).tabIndex = selected ? 0 : -1;
      document.getElementById(`panel-${each}`)!.hidden = !selected;
    }
    if (focus) button(tab).focus();
    onChange(tab, left);
  };
  for (const tab of TABS) {
    button(tab).addEventListener('click', () => select(tab));
    button(tab).addEventListener('keydown', (event) => {
      const at = TABS.indexOf(current);
      const next = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: TABS.length - 1 }[event.key];
      if (next === undefined) return;
      event.preventDefault();
      select(TABS[(next + TABS.length) % TABS.length]!, true);
    });
  }
  return {
    get current() {
      return current;
    },
    select,
  };
}
