import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RunDetail } from '../../src/core/model';
import { changedFiles, fileAtRevision, isSafeRevision } from '../../src/core/gitSnapshots';
import { snapshotScheme } from '../../src/extension/panels/snapshotContentProvider';
import { loadSnapshot } from './harness/fixtureDataSource';
import { openPanel, until, type OpenedPanel } from './harness/openPanels';
import { PanelBrowser } from './harness/panelBrowser';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } }).trim();
}

describe('Code diff between runs (git snapshots, Chromium)', function () {
  let repo: string;
  let revA: string;
  let revB: string;
  let browser: PanelBrowser;
  let opened: OpenedPanel | undefined;

  before(async () => {
    repo = fs.mkdtempSync(path.join(os.tmpdir(), 'exptrack-diff-'));
    git(repo, 'init', '-q');
    fs.writeFileSync(path.join(repo, 'train.py'), 'lr = 3e-4\nprint(lr)\n');
    fs.writeFileSync(path.join(repo, 'old.py'), 'gone\n');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'a');
    revA = git(repo, 'rev-parse', 'HEAD');
    fs.writeFileSync(path.join(repo, 'train.py'), 'lr = 1e-3\nprint(lr)\n');
    fs.rmSync(path.join(repo, 'old.py'));
    fs.mkdirSync(path.join(repo, 'src'));
    fs.writeFileSync(path.join(repo, 'src', 'model <b>.py'), 'layers = 12\n');
    git(repo, 'add', '-A');
    // A dirty-tree snapshot as the recorder makes it: a commit object not on any branch.
    revB = git(repo, 'stash', 'create');
    git(repo, 'update-ref', 'refs/exptrack/runs/run-1', revB);
    git(repo, 'reset', '-q', '--hard');
    browser = await PanelBrowser.start();
  });
  after(async () => {
    await browser?.close();
    fs.rmSync(repo, { recursive: true, force: true });
  });
  afterEach(() => opened?.manager.dispose());

  it('lists changed files and reads each side from the snapshots', async () => {
    assert.deepEqual(await changedFiles(repo, revA, revB), [
      { status: 'D', path: 'old.py' }, { status: 'A', path: 'src/model <b>.py' }, { status: 'M', path: 'train.py' },
    ]);
    assert.equal(await fileAtRevision(repo, revA, 'train.py'), 'lr = 3e-4\nprint(lr)\n');
    assert.equal(await fileAtRevision(repo, revA, 'src/model <b>.py'), '');
    assert.ok(!isSafeRevision('--output=/tmp/x'));
    await assert.rejects(changedFiles(repo, '--help', revB));
  });

  it('opens VS Code\'s diff editor on a changed file from the Compare panel', async () => {
    const runs = loadSnapshot('compareRuns.json').slice(0, 2).map((r, i) => ({
      ...r, cwd: repo, git: { commit: revA, branch: 'main', remote: null, dirty: i === 1, snapshot: i === 0 ? null : revB },
    })) as RunDetail[];
    opened = await openPanel(browser, 'compare', runs);
    const { page, wb } = opened;
    await page.waitForSelector('.file-list li[data-path="train.py"]');
    assert.deepEqual(await page.$$eval('.file-list .file-path', (p) => p.map((x) => x.textContent)), ['old.py', 'src/model <b>.py', 'train.py']);
    await page.$eval('.file-list li[data-path="train.py"] button', (b) => b.scrollIntoView({ block: 'center' }));
    await page.click('.file-list li[data-path="train.py"] button');
    await until(() => wb.executed.some((e) => e.command === 'vscode.diff'));
    const diff = wb.executed.find((e) => e.command === 'vscode.diff');
    assert.ok(diff, JSON.stringify(wb.executed));
    const [left, right, title] = diff.args as [{ scheme: string; path: string }, { scheme: string }, string];
    assert.equal(left.scheme, snapshotScheme);
    assert.equal(title, 'train.py (baseline lr=3e-4 ↔ lr=1e-3)');
    const provider = wb.contentProviders.get(snapshotScheme)!;
    assert.equal(await provider.provideTextDocumentContent(left), 'lr = 3e-4\nprint(lr)\n');
    assert.equal(await provider.provideTextDocumentContent(right), 'lr = 1e-3\nprint(lr)\n');
    await page.screenshot({ path: path.join(__dirname, '..', '..', '..', 'test-results', 'panels', 'compare-code.png'), clip: await page.$eval('#code', (e) => { const r = e.getBoundingClientRect(); return { x: r.x, y: r.y, width: r.width, height: r.height }; }) });
  });

  it('diffs the code files kept in the store for runs recorded outside git', async () => {
    const runs = loadSnapshot('compareRuns.json').slice(0, 2).map((r) => ({ ...r, cwd: os.tmpdir(), git: null })) as RunDetail[];
    opened = await openPanel(browser, 'compare', runs);
    const { page, wb, data } = opened;
    data.codeFiles.set('run-0', { 'train.py': 'lr = 3e-4\n', 'cfg.yaml': 'a: 1\n' });
    data.codeFiles.set('run-1', { 'train.py': 'lr = 1e-3\n', 'cfg.yaml': 'a: 1\n', 'extra.py': 'x\n' });
    // Ask again now that the files exist (the first answer came with the init).
    await page.$eval('.slot-code vscode-dropdown:nth-of-type(2)', (d) => {
      (d as HTMLElement & { value: string }).value = 'run-0';
      d.dispatchEvent(new Event('change'));
    });
    await page.$eval('.slot-code vscode-dropdown:nth-of-type(1)', (d) => {
      (d as HTMLElement & { value: string }).value = 'run-1';
      d.dispatchEvent(new Event('change'));
    }).catch(() => undefined);
    await page.waitForSelector('.file-list li[data-path="train.py"]');
    const listed = await page.$$eval('.file-list li', (l) => l.map((x) => `${x.querySelector('.file-status')!.textContent} ${x.getAttribute('data-path')}`));
    assert.ok(listed.includes('M train.py') && !listed.some((x) => x.endsWith('cfg.yaml')), listed.join(', '));
    await page.$eval('.file-list li[data-path="train.py"] button', (b) => (b as HTMLElement).click());
    await until(() => wb.executed.some((e) => e.command === 'vscode.diff'));
    const diff = wb.executed.find((e) => e.command === 'vscode.diff')!;
    const provider = wb.contentProviders.get(snapshotScheme)!;
    const contents = await Promise.all((diff.args.slice(0, 2) as unknown[]).map((u) => provider.provideTextDocumentContent(u)));
    assert.deepEqual(contents.sort(), ['lr = 1e-3\n', 'lr = 3e-4\n']);
  });
});
