import { h } from '../shared/dom';
import { formatParam } from '../../src/protocol/format';
import { type ColoredRun, runHeaderCell } from './runHeader';
import { allParamKeys, changedParamKeys, paramKey } from './runOrder';

/** Every param of every run; cells that differ from the baseline are marked. */
export function paramsTable(runs: readonly ColoredRun[], baselineId: string | null, onlyChanged: boolean): HTMLElement {
  const data = runs.map((r) => r.run);
  const changed = changedParamKeys(data);
  const keys = allParamKeys(data).filter((k) => !onlyChanged || changed.has(k));
  const baseline = data.find((r) => r.id === baselineId);
  if (!keys.length) {
    return h('p', { className: 'empty', text: onlyChanged && allParamKeys(data).length ? 'All params are the same in every run.' : 'No params recorded.' });
  }
  const body = keys.map((k) => h('tr', { attrs: { 'data-param': k } }, [
    h('th', { className: 'key', text: k, title: k, attrs: { scope: 'row' } }),
    ...runs.map(({ run }) => {
      const v = run.params[k];
      const differs = !!baseline && run !== baseline && paramKey(v) !== paramKey(baseline.params[k]);
      const cls = ['value', v === undefined ? 'missing' : '', differs ? 'differs' : '', typeof v === 'number' ? 'num' : ''].filter(Boolean).join(' ');
      return h('td', { className: cls, text: formatParam(v), title: v === undefined ? 'not set in this run' : String(v) });
    }),
  ]));
  return h('div', { className: 'table-scroll' }, [h('table', { className: 'grid params-table' }, [
    h('thead', {}, [h('tr', {}, [h('th', { className: 'key', text: 'Param', attrs: { scope: 'col' } }), ...runs.map((r) => runHeaderCell(r, r.run.id === baselineId))])]),
    h('tbody', {}, body),
  ])]);
}
