import type { RunData } from '../../src/protocol/panelData';
import { h } from '../shared/dom';

export interface ColoredRun {
  readonly run: RunData;
  readonly color: string;
}

/** A table column header for one run: its colour, its name (as text), a baseline mark. */
export function runHeaderCell(r: ColoredRun, isBaseline: boolean): HTMLElement {
  const swatch = h('span', { className: 'swatch' });
  swatch.style.backgroundColor = r.color;
  return h('th', { className: isBaseline ? 'run-col baseline' : 'run-col', title: `${r.run.name}\n${r.run.id}`, attrs: { scope: 'col' } }, [
    h('span', { className: 'run-head' }, [swatch, h('span', { className: 'run-name', text: r.run.name })]),
    isBaseline ? h('span', { className: 'baseline-mark', text: 'baseline' }) : null,
  ]);
}
