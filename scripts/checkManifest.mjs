// Lint for the manifest: every contributed command has the "Experiments" category and a title, item-only
// commands are hidden from the palette, every command in a menu is contributed, ids are prefixed.
import fs from 'node:fs';

const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const problems = [];
const commands = new Map((pkg.contributes.commands ?? []).map((c) => [c.command, c]));
for (const c of commands.values()) {
  if (!c.command.startsWith('exptrack.')) problems.push(`${c.command}: ids start with "exptrack."`);
  if (c.category !== 'Experiments') problems.push(`${c.command}: category must be "Experiments"`);
  if (!c.title) problems.push(`${c.command}: no title`);
}
for (const [menu, items] of Object.entries(pkg.contributes.menus ?? {})) {
  for (const item of items) {
    if (item.command && !commands.has(item.command)) problems.push(`menus.${menu}: ${item.command} is not contributed`);
  }
}
const engine = pkg.engines.vscode.replace(/[^\d.]/g, '');
const types = pkg.devDependencies['@types/vscode'].replace(/[^\d.]/g, '');
if (engine.split('.').slice(0, 2).join('.') !== types.split('.').slice(0, 2).join('.')) problems.push(`@types/vscode ${types} does not match engines.vscode ${engine}`);
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`manifest: ${commands.size} commands ok`);
