// The only module that touches @vscode/webview-ui-toolkit (deprecated upstream, pinned at 1.4.0), so a
// later move to @vscode-elements/elements changes this file alone. Registers just the controls we use.
// No vsCodeBadge: its template carries a style attribute, which the panels' CSP blocks.
import {
  provideVSCodeDesignSystem, vsCodeButton, vsCodeCheckbox, vsCodeDropdown, vsCodeOption, vsCodeTextField,
} from '@vscode/webview-ui-toolkit';

let registered = false;

export function registerToolkit(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(
    vsCodeButton(), vsCodeCheckbox(), vsCodeDropdown(), vsCodeOption(), vsCodeTextField(),
  );
}
