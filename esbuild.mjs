// Builds every bundle the extension ships, plus the test bundles.
//   node esbuild.mjs               development build into dist/
//   node esbuild.mjs --production  minified, no source maps (what the VSIX holds)
//   node esbuild.mjs --watch       rebuild on change
//   node esbuild.mjs --tests       test and benchmark bundles into out/
//   node esbuild.mjs --cli DIR     only the CLI (cli.js, cli-commands.js, sql-wasm.wasm, python-hook/) into DIR:
//                                  tests and benchmarks run a private copy (others may rebuild dist/)
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const args = new Set(process.argv.slice(2));
const production = args.has('--production');
const watch = args.has('--watch');
const tests = args.has('--tests');
const cliOnly = process.argv.includes('--cli') ? path.resolve(process.argv[process.argv.indexOf('--cli') + 1] ?? '') : null;
const root = path.dirname(new URL(import.meta.url).pathname);

/** Files under `dir` (recursive) whose name matches `re`. */
function find(dir, re) {
  const abs = path.join(root, dir);
  if (!fs.existsSync(abs)) return [];
  return fs.readdirSync(abs, { recursive: true })
    .map(String)
    .filter((f) => re.test(path.basename(f)))
    .map((f) => path.join(dir, f));
}

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  target: 'es2022',
};

// Node bundles keep sql.js's wasm out: the loader reads dist/sql-wasm.wasm itself (never a network).
const nodeCommon = { ...common, platform: 'node', format: 'cjs', target: 'node20' };

/** The Python hook (src/python/exptrack_hook, its .py files only) into `<dir>/python-hook`, where the extension and the CLI look for it. */
function copyPythonHook(dir) {
  const from = path.join(root, 'src', 'python', 'exptrack_hook');
  const to = path.join(dir, 'python-hook');
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from)) if (f.endsWith('.py')) fs.copyFileSync(path.join(from, f), path.join(to, f));
}

/** The `exptrack` launchers (src/cli/bin: a sh script and a .cmd) into dist/bin, which the extension puts on its terminals' PATH. */
function copyCliLaunchers(dist) {
  const from = path.join(root, 'src', 'cli', 'bin');
  const to = path.join(dist, 'bin');
  fs.mkdirSync(to, { recursive: true });
  for (const f of fs.readdirSync(from)) {
    fs.copyFileSync(path.join(from, f), path.join(to, f));
    fs.chmodSync(path.join(to, f), 0o755);
  }
}

function copyAssets() {
  const dist = path.join(root, 'dist');
  copyPythonHook(dist);
  copyCliLaunchers(dist);
  fs.mkdirSync(path.join(dist, 'codicons'), { recursive: true });
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(dist, 'sql-wasm.wasm'));
  const codicons = path.dirname(require.resolve('@vscode/codicons/dist/codicon.css'));
  for (const f of ['codicon.css', 'codicon.ttf']) fs.copyFileSync(path.join(codicons, f), path.join(dist, 'codicons', f));
}

const copyPlugin = { name: 'copy-assets', setup(b) { b.onEnd(() => copyAssets()); } };

/**
 * The CLI is two bundles: cli.js holds `exptrack run`'s main thread and the dispatch (small, so the
 * command starts after little compiling); cli-commands.js every other command and the recording thread.
 */
function cliTargets(outdir) {
  return [
    { ...nodeCommon, entryPoints: ['src/cli/main.ts'], outfile: path.join(outdir, 'cli.js'), banner: { js: '#!/usr/bin/env node' } },
    { ...nodeCommon, entryPoints: ['src/cli/commands.ts'], outfile: path.join(outdir, 'cli-commands.js') },
  ];
}

function productTargets() {
  const webviews = find('webview-ui', /^main\.ts$/).map((f) => ({
    in: f, out: path.basename(path.dirname(f)),
  }));
  return [
    { ...nodeCommon, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'], plugins: [copyPlugin],
      // Activation time is reported from the first line of the bundle, so loading it counts too.
      banner: { js: 'globalThis.__exptrackLoadStart = performance.now();' } },
    // Imports and exports of the editor run in this worker thread, off the extension host's event loop.
    { ...nodeCommon, entryPoints: ['src/extension/importExport/importExportWorker.ts'], outfile: 'dist/importExportWorker.js' },
    ...cliTargets('dist'),
    ...(webviews.length ? [{ ...common, platform: 'browser', format: 'iife', entryPoints: webviews, outdir: 'dist/webview', loader: { '.css': 'css' } }] : []),
  ].filter((t) => t.entryPoints.every((e) => fs.existsSync(path.join(root, typeof e === 'string' ? e : e.in))));
}

function testTargets() {
  const entries = (dir) => find(dir, /\.(test|bench|child)\.ts$|^index\.ts$/);
  const t = [];
  const unit = [...entries('test/unit'), ...entries('test/bench')];
  if (unit.length) t.push({ ...nodeCommon, entryPoints: unit, outdir: 'out', outbase: '.', external: ['mocha', 'better-sqlite3', 'playwright-core'] });
  const browser = [...entries('test/webview'), ...entries('test/e2e')];
  if (browser.length) t.push({ ...nodeCommon, entryPoints: browser, outdir: 'out', outbase: '.', external: ['mocha', 'playwright-core'] });
  const integration = [...entries('test/integration'), ...entries('test/integration-multiroot'), ...entries('test/integration-restricted')];
  if (integration.length) t.push({ ...nodeCommon, entryPoints: integration, outdir: 'out', outbase: '.', external: ['vscode', 'mocha'] });
  return t;
}

const targets = cliOnly ? cliTargets(cliOnly) : tests ? testTargets() : productTargets();
if (cliOnly) {
  fs.mkdirSync(cliOnly, { recursive: true });
  fs.copyFileSync(require.resolve('sql.js/dist/sql-wasm.wasm'), path.join(cliOnly, 'sql-wasm.wasm'));
  copyPythonHook(cliOnly);
} else if (!tests) fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
const contexts = await Promise.all(targets.map((t) => esbuild.context({ absWorkingDir: root, ...t })));
try {
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
    console.log('[watch] build finished, watching for changes...');
  } else {
    await Promise.all(contexts.map((c) => c.rebuild()));
    await Promise.all(contexts.map((c) => c.dispose()));
  }
} catch (e) {
  await Promise.all(contexts.map((c) => c.dispose()));
  process.exitCode = 1;
}
