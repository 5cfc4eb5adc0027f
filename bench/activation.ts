// Extension activation time and bundle size, next to an empty extension's activation in the same host.
// - Bundle size: Berth packaged as shipped (scripts/package.mjs --stage: the production bundles and the .vsix,
//   made in a temp dir so this tree's development dist/ and out/ stay as the other benchmarks use them): the size
//   of dist/extension.js inside the .vsix (read from the archive), its gzip -9 size, and the .vsix itself. Sizes,
//   shown without a ratio.
// - Activation, in the REAL host (the VS Code server + Chromium of the other host benchmarks): that .vsix and an
//   empty extension (a package.json and a main.js whose activate() does nothing, made here and packaged with the
//   same vsce) installed side by side with the server's CLI. Both activate the same way: each contributes a view
//   container to the activity bar, so its implicit activation event is onView:<its view>, and a click on its
//   activity-bar icon activates it. Each repetition is a fresh window: a new server and a new browser profile
//   (nothing restored), the workbench left to settle (the startup activations done), then one click on Berth's or
//   the empty extension's icon, A B B A. The numbers are VS Code's own (its extension host times them with
//   Date.now(), whole milliseconds): read from the "Extension Activation Stats" table of Developer: Startup
//   Performance — Load Code (the require of the main file), Call Activate (the activate() call until it returns)
//   and Finish Activate (until the promise it returned resolves). Load Code + Call Activate is what
//   Developer: Show Running Extensions shows as "Activation: N ms".
// usage: node out/bench/activation.js [--runs N] [--sizes-only]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { gzipSync } from 'zlib';
import type { Page } from 'playwright-core';
import { interleave } from './lib/interleave';
import { command, until } from './lib/host';
import { vscodeHostMissing } from './lib/prerequisites';
import { repetitions } from './lib/quick';
import { compare, notRun, report, size, stage, type ResultRow } from './lib/results';

const ROOT = path.resolve(__dirname, '../..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = repetitions(runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5);

interface HostLib {
  readonly SERVER_MAIN: string;
  readonly CHROMIUM: string;
  makeRunDir(prefix: string): string;
  installVsix(vsix: string, runDir: string): string;
  startServer(o: { runDir: string; settings?: Record<string, unknown> }): Promise<{ baseUrl: string; stop(): Promise<void> }>;
  launchBrowser(runDir: string, o?: { viewport?: { width: number; height: number } }): Promise<{ page: Page; close(): Promise<void> }>;
  workbenchUrl(o: { baseUrl: string; folder?: string }): string;
  removeRunDir(runDir: string): void;
}

/** An extension whose activation is measured: its id, and the activity-bar entry whose click activates it. */
interface Subject {
  readonly name: string;
  readonly id: string;
  /** The title of its view container: the aria-label of its activity-bar icon. */
  readonly container: string;
}

const BERTH: Subject = { name: 'Berth (the packaged .vsix)', id: 'berth.berth', container: 'Berth' };
const FLOOR: Subject = { name: 'floor: an empty extension (activate() does nothing)', id: 'berth-bench.empty', container: 'Empty Extension' };

/** One extension's row of VS Code's Extension Activation Stats, in ms. */
interface Activation {
  readonly eager: boolean;
  readonly loadCode: number;
  readonly callActivate: number;
  readonly finishActivate: number;
  readonly event: string;
}

const run = (cmd: string, args: string[], cwd: string) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${path.basename(args[0] ?? cmd)} ${args.slice(1).join(' ')} failed (exit ${r.status}):\n${(r.stdout + r.stderr).slice(-3000)}`);
};

/** Berth's .vsix as `npm run package` makes it, made in `dir`. */
function packageBerth(dir: string): string {
  run(process.execPath, [path.join(ROOT, 'scripts/package.mjs'), '--stage', dir], ROOT);
  return path.join(dir, 'berth.vsix');
}

/** The empty extension: same kind of contribution (an activity-bar view container with one view), nothing else. */
function packageFloor(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  const manifest = {
    name: 'empty',
    publisher: 'berth-bench',
    displayName: 'Empty Extension',
    description: 'The floor of the activation benchmark: an extension whose activate() does nothing.',
    version: '0.0.1',
    license: 'MIT',
    engines: { vscode: '^1.100.0' },
    main: './main.js',
    contributes: {
      viewsContainers: { activitybar: [{ id: 'berthBenchEmpty', title: FLOOR.container, icon: 'icon.svg' }] },
      views: { berthBenchEmpty: [{ id: 'berthBenchEmpty.view', name: 'Empty' }] },
    },
  };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
  fs.writeFileSync(path.join(dir, 'main.js'), 'exports.activate = function activate() {};\nexports.deactivate = function deactivate() {};\n');
  fs.writeFileSync(path.join(dir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"><rect x="4" y="4" width="16" height="16" fill="none" stroke="currentColor"/></svg>\n');
  fs.writeFileSync(path.join(dir, 'README.md'), '# Empty Extension\n\nThe floor of bench/activation.ts.\n');
  const vsix = path.join(dir, 'empty.vsix');
  run(process.execPath, [path.join(ROOT, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--skip-license', '--allow-missing-repository', '-o', vsix], dir);
  return vsix;
}

/** The entries of a zip archive (the .vsix) from its central directory: name → stored and compressed sizes. */
function zipEntries(file: string): Map<string, { size: number; compressed: number }> {
  const zip = fs.readFileSync(file);
  let end = zip.length - 22;
  while (end >= 0 && zip.readUInt32LE(end) !== 0x06054b50) end--;
  if (end < 0) throw new Error(`${file} is not a zip archive`);
  const entries = new Map<string, { size: number; compressed: number }>();
  let at = zip.readUInt32LE(end + 16);
  for (let i = zip.readUInt16LE(end + 10); i > 0; i--) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`${file}: bad central directory entry at ${at}`);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    entries.set(name, { compressed: zip.readUInt32LE(at + 20), size: zip.readUInt32LE(at + 24) });
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

function sizeRows(dir: string, vsix: string): ResultRow[] {
  const main = (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { main: string }).main.replace(/^\.\//, '');
  const entry = zipEntries(vsix).get(`extension/${main}`);
  if (!entry) throw new Error(`${vsix} has no extension/${main}`);
  const bundle = fs.readFileSync(path.join(dir, main));
  if (bundle.length !== entry.size) throw new Error(`${main} in the stage (${bundle.length} B) is not the one in the .vsix (${entry.size} B)`);
  const one = (name: string, bytes: number) => ({ name, samplesMs: [bytes] });
  return [
    size('bundle size: the production bundle as shipped', one(`${main} inside the .vsix`, entry.size)),
    size('bundle size: the production bundle, gzip -9', one(`${main}, gzipped`, gzipSync(bundle, { level: 9 }).length)),
    size('bundle size: the .vsix', one('the whole .vsix (all it ships, zipped)', fs.statSync(vsix).size)),
  ];
}


/**
 * The Extension Activation Stats of the Startup Performance editor (open in the active group), by extension id;
 * undefined while it still says "Loading...". The editor's text is read from its rendered lines (the settings
 * make the font small, so the whole table is on screen).
 */
async function activationStats(page: Page): Promise<Map<string, Activation> | undefined> {
  const lines = await page.evaluate(() => {
    const editor = document.querySelector('.editor-group-container.active .monaco-editor');
    if (!editor) return [];
    return Array.from(editor.querySelectorAll<HTMLElement>('.view-lines .view-line'))
      .map((l) => ({ top: parseFloat(l.style.top), text: (l.textContent ?? '').replace(/\u00a0/g, ' ') }))
      .sort((a, b) => a.top - b.top)
      .map((l) => l.text);
  });
  if (!lines.some((l) => l.startsWith('## System Info'))) return undefined;
  const stats = new Map<string, Activation>();
  const at = lines.findIndex((l) => l.startsWith('## Extension Activation Stats'));
  if (at < 0) return stats;
  for (const line of lines.slice(at + 1)) {
    if (line.startsWith('## ')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim());
    if (cells.length !== 7 || cells[0] === 'Extension' || /^-+$/.test(cells[0])) continue;
    const [id, eager, loadCode, callActivate, finishActivate, event] = cells;
    stats.set(id, { eager: eager === 'true', loadCode: Number(loadCode), callActivate: Number(callActivate), finishActivate: Number(finishActivate), event });
  }
  return stats;
}

/** The stats once they have not changed for `quietMs`: the window's startup activations are done. */
async function settledStats(page: Page, quietMs = 2000): Promise<Map<string, Activation>> {
  let last = '';
  let since = Date.now();
  return until(async () => {
    const stats = await activationStats(page);
    if (!stats) return undefined;
    const now = JSON.stringify([...stats]);
    if (now !== last) [last, since] = [now, Date.now()];
    return Date.now() - since >= quietMs ? stats : undefined;
  }, 'the Startup Performance editor to settle', 120000, 200);
}

const SETTINGS = {
  'workbench.editor.enablePreview': false,
  'files.hotExit': 'off',
  'editor.fontSize': 6,
  'editor.minimap.enabled': false,
};

/**
 * One fresh window (a new server, a new browser profile): waits for it to settle, clicks the activity-bar icon of
 * each of `subjects` in turn and returns their activation rows.
 */
async function freshWindow(host: HostLib, runDir: string, workspace: string, subjects: readonly Subject[]): Promise<Activation[]> {
  const t0 = performance.now();
  const server = await host.startServer({ runDir, settings: SETTINGS });
  const profile = fs.mkdtempSync(path.join(runDir, 'window-'));
  const browser = await host.launchBrowser(profile, { viewport: { width: 1400, height: 1400 } }).catch(async (error: unknown) => {
    await server.stop();
    throw error;
  });
  try {
    const { page } = browser;
    await page.goto(host.workbenchUrl({ baseUrl: server.baseUrl, folder: workspace }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    const icon = (s: Subject) => page.locator(`.activitybar [aria-label^="${s.container}"]`).first();
    for (const s of [BERTH, FLOOR]) await icon(s).waitFor({ timeout: 90000 });
    await command(page, 'Developer: Startup Performance');
    const before = await settledStats(page);
    for (const s of [BERTH, FLOOR]) if (before.has(s.id)) throw new Error(`${s.id} was activated before its icon was clicked (${before.get(s.id)!.event})`);
    const rows: Activation[] = [];
    for (const s of subjects) {
      await icon(s).click();
      const row = await until(async () => (await activationStats(page))?.get(s.id), `${s.id} to activate`, 120000, 100);
      if (row.eager || !row.event.startsWith('onView:')) throw new Error(`${s.id} was activated by ${row.event}${row.eager ? ' at startup' : ''}, not by opening its view`);
      if (![row.loadCode, row.callActivate, row.finishActivate].every((n) => Number.isFinite(n) && n >= 0)) throw new Error(`${s.id}: unreadable times ${JSON.stringify(row)}`);
      rows.push(row);
    }
    console.error(`window for ${subjects.map((s) => s.id).join(' + ')}: ${rows.map((r) => `${r.loadCode} + ${r.callActivate} + ${r.finishActivate} ms`).join(', ')} (the window took ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    return rows;
  } catch (error) {
    const shot = path.join(os.tmpdir(), `berth-activation-failure-${process.pid}.png`);
    if (await browser.page.screenshot({ path: shot }).then(() => true, () => false)) console.error(`the window at the failure: ${shot}`);
    throw error;
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

async function hostBench(host: HostLib, berthVsix: string, floorVsix: string): Promise<ResultRow[]> {
  const runDir = host.makeRunDir('activation-bench');
  try {
    const workspace = path.join(runDir, 'workspace');
    fs.mkdirSync(workspace, { recursive: true });
    fs.writeFileSync(path.join(workspace, 'README.md'), '# A workspace with nothing for either extension\n');
    host.installVsix(berthVsix, runDir);
    host.installVsix(floorVsix, runDir);
    // Warm-up, not measured: both activated once, so that the first measured window does not read them from disk.
    await freshWindow(host, runDir, workspace, [BERTH, FLOOR]);
    const rows = new Map<string, Activation[]>([
      [BERTH.id, []],
      [FLOOR.id, []],
    ]);
    let events = new Set<string>();
    await interleave(
      [BERTH, FLOOR].map((s) => ({
        name: s.id,
        run: async () => {
          const [row] = await freshWindow(host, runDir, workspace, [s]);
          rows.get(s.id)!.push(row);
          events = new Set([...events, row.event]);
          return row.loadCode + row.callActivate;
        },
      })),
      RUNS,
    );
    const of = (s: Subject, pick: (a: Activation) => number) => ({ name: s.name, samplesMs: rows.get(s.id)!.map(pick) });
    const trigger = `a click on its activity-bar icon in a fresh window (${[...events].sort().join(', ')})`;
    return [
      compare(`activation (Load Code + Call Activate, as Show Running Extensions shows it), trigger: ${trigger}`, of(BERTH, (a) => a.loadCode + a.callActivate), of(FLOOR, (a) => a.loadCode + a.callActivate)),
      compare('activation until the promise activate() returned resolved (Load Code + Call Activate + Finish Activate)', of(BERTH, (a) => a.loadCode + a.callActivate + a.finishActivate), of(FLOOR, (a) => a.loadCode + a.callActivate + a.finishActivate)),
      stage('activation, Load Code (the require of the production dist/extension.js)', of(BERTH, (a) => a.loadCode)),
      stage('activation, Call Activate (activate() until it returns)', of(BERTH, (a) => a.callActivate)),
      // Berth's activate() returns a plain object: this is the promise work it had queued, which runs first.
      stage('activation, Finish Activate (activate() returned → VS Code sees its result resolved)', of(BERTH, (a) => a.finishActivate)),
    ];
  } finally {
    host.removeRunDir(runDir);
  }
}

const HOST_ROWS = ['activation (Load Code + Call Activate, as Show Running Extensions shows it)', 'activation until the promise activate() returned resolved'];

async function main(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-activation-'));
  try {
    const berthVsix = packageBerth(path.join(tmp, 'berth'));
    report('Bundle size of the packaged .vsix (sizes, no ratio)', sizeRows(path.join(tmp, 'berth'), berthVsix));
    if (process.argv.includes('--sizes-only')) return;
    const host: HostLib = await import(path.join(ROOT, 'scripts/lib/vscodeHost.mjs'));
    const missing = vscodeHostMissing(host.SERVER_MAIN, host.CHROMIUM);
    if (missing) {
      report('Activation in the VS Code host', HOST_ROWS.map((m) => notRun(m, missing)));
      return;
    }
    const floorVsix = packageFloor(path.join(tmp, 'empty'));
    report(`Activation in the real VS Code host: Berth next to an empty extension (${RUNS} fresh windows each, A B B A)`, await hostBench(host, berthVsix, floorVsix));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
