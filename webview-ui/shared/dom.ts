// Builds DOM from data without ever parsing markup: run names, params, keys and paths come from
// user-controlled runs, so they only ever reach the page through textContent and attributes.

export interface ElementProps {
  readonly className?: string;
  readonly text?: string;
  readonly title?: string;
  readonly attrs?: Readonly<Record<string, string>>;
  readonly on?: Readonly<Record<string, (e: Event) => void>>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, props?: ElementProps, children?: readonly (Node | string | null | undefined | false)[],
): HTMLElementTagNameMap[K];
export function h(tag: string, props?: ElementProps, children?: readonly (Node | string | null | undefined | false)[]): HTMLElement;
export function h(tag: string, props: ElementProps = {}, children: readonly (Node | string | null | undefined | false)[] = []): HTMLElement {
  const el = document.createElement(tag);
  if (props.className) el.className = props.className;
  if (props.text !== undefined) el.textContent = props.text;
  if (props.title !== undefined) el.title = props.title;
  for (const [k, v] of Object.entries(props.attrs ?? {})) el.setAttribute(k, v);
  for (const [k, fn] of Object.entries(props.on ?? {})) el.addEventListener(k, fn);
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** A placeholder a panel fills and refills as data arrives (class `slot slot-<name>`). */
export function slot(name: string): HTMLElement {
  return h('div', { className: `slot slot-${name}` });
}

/** A titled section of a panel: an h2 with a codicon, labelling the section for screen readers. */
export function panelSection(id: string, title: string, codicon: string, ...content: HTMLElement[]): HTMLElement {
  return h('section', { className: 'panel-section', attrs: { id, 'aria-labelledby': `${id}-title` } }, [
    h('h2', { attrs: { id: `${id}-title` } }, [icon(codicon), h('span', { text: title })]),
    ...content,
  ]);
}

/** A codicon glyph; decorative, so hidden from screen readers. */
export function icon(name: string): HTMLElement {
  return h('span', { className: `codicon codicon-${name}`, attrs: { 'aria-hidden': 'true' } });
}

/**
 * An icon-only button, styled like the toolkit's icon appearance. Native rather than a toolkit
 * element: tables repeat it per row, and ~50 toolkit buttons cost a visible frame on first paint.
 */
export function iconButton(name: string, label: string, onClick: () => void): HTMLElement {
  return h('button', {
    className: 'icon-button', attrs: { type: 'button', 'aria-label': label }, title: label, on: { click: () => onClick() },
  }, [icon(name)]);
}

export function dropdown(options: readonly { value: string; label: string }[], value: string, label: string, onChange: (v: string) => void): HTMLElement {
  const el = h('vscode-dropdown', { attrs: { 'aria-label': label }, title: label, on: { change: (e) => onChange((e.target as HTMLElement & { value: string }).value) } },
    options.map((o) => h('vscode-option', { text: o.label, attrs: o.value === value ? { value: o.value, selected: '' } : { value: o.value } })));
  (el as HTMLElement & { value: string }).value = value;
  return el;
}

export function checkbox(label: string, checked: boolean, onChange: (checked: boolean) => void): HTMLElement {
  const el = h('vscode-checkbox', { text: label, on: { change: (e) => onChange((e.target as HTMLElement & { checked: boolean }).checked) } });
  if (checked) el.setAttribute('checked', '');
  return el;
}
