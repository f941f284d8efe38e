// Chart colours come from the workbench theme's --vscode-* variables; canvases cannot use CSS
// variables, so they are resolved here and re-read whenever VS Code swaps the theme.

export interface ThemeColors {
  readonly foreground: string;
  readonly muted: string;
  readonly grid: string;
  readonly background: string;
  readonly hoverBorder: string;
  readonly selection: string;
  readonly fontFamily: string;
  readonly fontSize: number;
  readonly better: string;
  readonly worse: string;
  /** Resolved run colours; index with `runColor`. */
  readonly palette: readonly string[];
}

const paletteVars = [
  '--vscode-charts-blue', '--vscode-charts-orange', '--vscode-charts-green', '--vscode-charts-red',
  '--vscode-charts-purple', '--vscode-charts-yellow', '--vscode-terminal-ansiCyan', '--vscode-terminal-ansiMagenta',
  '--vscode-terminal-ansiBrightBlue', '--vscode-terminal-ansiBrightGreen',
];

let probe: HTMLElement | undefined;

/** Resolves a CSS colour expression (with var() fallbacks) to `rgb(...)` through a hidden element. */
function resolve(expr: string): string {
  if (!probe) {
    probe = document.createElement('span');
    probe.className = 'theme-probe';
    probe.setAttribute('aria-hidden', 'true');
    document.body.append(probe);
  }
  probe.style.color = '';
  probe.style.color = expr;
  return getComputedStyle(probe).color;
}

function parseRgb(c: string): [number, number, number, number] {
  const m = c.match(/[\d.]+/g)?.map(Number) ?? [128, 128, 128];
  return [m[0] ?? 128, m[1] ?? 128, m[2] ?? 128, m[3] ?? 1];
}

export function withAlpha(color: string, alpha: number): string {
  const [r, g, b, a] = parseRgb(color);
  return `rgba(${r}, ${g}, ${b}, ${(a * alpha).toFixed(3)})`;
}

/** Rotates a colour's hue by `turns`; gives runs beyond the theme palette distinct, related colours. */
function rotateHue(color: string, turns: number): string {
  const [r, g, b] = parseRgb(color).map((x, i) => (i < 3 ? x / 255 : x));
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const l = (max + min) / 2;
  const d = max - min;
  let hue = 0;
  const s = d === 0 ? 0 : d / (1 - Math.abs(2 * l - 1));
  if (d !== 0) {
    if (max === r) hue = ((g - b) / d) % 6;
    else if (max === g) hue = (b - r) / d + 2;
    else hue = (r - g) / d + 4;
  }
  hue = ((hue * 60 + turns * 360) % 360 + 360) % 360;
  return `hsl(${hue.toFixed(1)}, ${(Math.max(s, 0.45) * 100).toFixed(1)}%, ${(l * 100).toFixed(1)}%)`;
}

export function readThemeColors(): ThemeColors {
  const css = getComputedStyle(document.documentElement);
  const fg = resolve('var(--vscode-editor-foreground, var(--vscode-foreground))');
  const palette = paletteVars.map((v) => resolve(`var(${v}, var(--vscode-foreground))`));
  return {
    foreground: fg,
    muted: resolve('var(--vscode-descriptionForeground)'),
    grid: withAlpha(resolve('var(--vscode-charts-lines, var(--vscode-foreground))'), 0.35),
    background: resolve('var(--vscode-editor-background)'),
    hoverBorder: resolve('var(--vscode-focusBorder)'),
    selection: withAlpha(resolve('var(--vscode-focusBorder)'), 0.18),
    fontFamily: css.getPropertyValue('--vscode-font-family').trim() || 'sans-serif',
    fontSize: parseFloat(css.getPropertyValue('--vscode-font-size')) || 13,
    better: resolve('var(--vscode-charts-green, var(--vscode-testing-iconPassed))'),
    worse: resolve('var(--vscode-charts-red, var(--vscode-errorForeground))'),
    palette,
  };
}

/** A stable colour for the run at `index` of a panel's (start-time ordered) run list. */
export function runColor(theme: ThemeColors, index: number): string {
  const n = theme.palette.length;
  const base = theme.palette[index % n];
  const round = Math.floor(index / n);
  return round === 0 ? base : rotateHue(base, round * 0.381966 / 2);
}

/** Calls `listener` after VS Code changes the theme (it rewrites html's style and body's class). */
export function onThemeChange(listener: () => void): void {
  let pending = false;
  const observer = new MutationObserver(() => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      listener();
    });
  });
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  observer.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}
