/**
 * Points per series worth sending for this window: about two per device pixel of one chart column of
 * the grid (.chart-grid: columns of at least 380 px). More cannot be seen; zooming fetches detail.
 */
export function chartPointBudget(): number {
  const width = Math.max(200, document.documentElement.clientWidth - 40);
  const minColumn = 380;
  const gap = 12;
  const columns = Math.max(1, Math.floor((width + gap) / (minColumn + gap)));
  const column = (width - gap * (columns - 1)) / columns;
  return Math.round(Math.min(2000, Math.max(400, column * 2 * (window.devicePixelRatio || 1))));
}
