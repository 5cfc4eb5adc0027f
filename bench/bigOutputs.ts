// A cell that prints 50 MB (500,000 lines of 99 `x`): time to the last output in each client, next to the floors
// measured in the same run, and the extension host's peak memory.
// - floor: raw @jupyterlab/services requestExecute on a kernel of a server Berth started (IOPub limits off),
//   counting the stream bytes until the execute reply and idle;
// - Berth core: KernelSession.execute into NotebookOutputs (what `berth run` and the controller do);
// - headless: `berth run` (container start included) next to `jupyter nbconvert --execute` in the same image;
// - VS Code: the real host (VS Code server + headless Chromium, the extension from out/): Execute Cell → the cell's
//   success mark, with the default berth.output.maxBytes (cut) and with 0 (the whole 50 MB in the notebook);
//   the extension host's VmHWM (peak RSS) before and after.
// Each pair runs interleaved in A B B A order (bench/lib/interleave.ts); the host rows are compared with the raw
// client's samples of the same run (the host cannot run interleaved with it).
// usage: node out/bench/bigOutputs.js [--runs N] [--no-host]
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KernelAPI, KernelConnection } from '@jupyterlab/services';
import Docker from 'dockerode';
import type { Page } from 'playwright-core';
import { DockerodeEngine } from '../src/adapters/docker/dockerEngine';
import { DockerServerLauncher } from '../src/adapters/docker/dockerServerLauncher';
import { JupyterKernelConnector } from '../src/adapters/jupyter/jupyterKernelConnector';
import { serverSettings } from '../src/adapters/jupyter/serverSettings';
import { nullLogger } from '../src/core/common/logger';
import type { KernelSession, KernelTarget, LaunchOptions } from '../src/core/kernels/api';
import { launchKernel } from '../src/core/kernels/launchKernel';
import { NotebookOutputs } from '../src/core/kernels/notebookOutputs';
import { interleave } from './lib/interleave';
import { command, until } from './lib/host';
import { vscodeHostMissing } from './lib/prerequisites';
import { compare, notRun, report, type ResultRow, type Samples } from './lib/results';
import { median, timeMs } from './lib/stats';
import { repetitions } from './lib/quick';

const ROOT = path.resolve(__dirname, '../..');
const IMAGE = process.env.BERTH_KERNEL_IMAGE ?? 'berth/python:latest';
const runsArg = process.argv.indexOf('--runs');
const RUNS = repetitions(runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5);
const BYTES = 50_000_000;
const CODE = "for _ in range(500_000):\n    print('x' * 99)";
const OWNER = `berth-bench-${process.pid}`;
const docker = new Docker();
const target: KernelTarget = { kind: 'docker', image: IMAGE, kernelspec: 'python3' };
const options: LaunchOptions = { notebookKey: 'bench-big', env: {}, extraMounts: [], owner: { kind: 'bench', id: OWNER, pid: process.pid }, keepAlive: false };

console.debug = () => {};

const MiB = (kb: number) => `${(kb / 1024).toFixed(0)} MiB`;

function notebookJson(cells: string[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { kernelspec: { name: 'python3', display_name: 'Python 3', language: 'python' } },
    cells: cells.map((source, i) => ({ cell_type: 'code', id: `c${i}`, source, metadata: {}, outputs: [], execution_count: null })),
  });
}

/** Raw @jupyterlab/services next to Berth's session, on one kernel, interleaved. */
async function sessionBench(): Promise<{ floor: Samples; berth: Samples }> {
  const launcher = new DockerServerLauncher(new DockerodeEngine(undefined), nullLogger);
  const session: KernelSession = await launchKernel({ launcher, connector: new JupyterKernelConnector(nullLogger) }, target, options, new AbortController().signal, () => {});
  const model = await KernelAPI.getKernelModel(session.kernelId, serverSettings(session.server));
  if (!model) throw new Error('kernel not listed');
  const raw = new KernelConnection({ model, serverSettings: serverSettings(session.server) });
  try {
    await raw.info;
    const rawRun = async () => {
      let bytes = 0;
      const future = raw.requestExecute({ code: CODE });
      future.onIOPub = (msg) => {
        if (msg.header.msg_type === 'stream') bytes += (msg.content as { text: string }).text.length;
      };
      await future.done;
      if (bytes !== BYTES) throw new Error(`raw client received ${bytes} bytes`);
    };
    const berthRun = async () => {
      const outputs = new NotebookOutputs();
      outputs.reset('c');
      await session.execute(CODE, { onAction: (a) => void outputs.apply('c', a) });
      const out = outputs.outputs('c')[0];
      const got = out?.kind === 'stream' ? out.text.length : 0;
      if (got !== BYTES) throw new Error(`Berth's session kept ${got} bytes`);
    };
    const samples = await interleave(
      [
        { name: 'floor', run: () => timeMs(rawRun) },
        { name: 'berth', run: () => timeMs(berthRun) },
      ],
      RUNS,
    );
    return {
      floor: { name: '@jupyterlab/services requestExecute, same kernel', samplesMs: samples.get('floor')! },
      berth: { name: 'Berth core: KernelSession.execute into NotebookOutputs', samplesMs: samples.get('berth')! },
    };
  } finally {
    raw.dispose();
    await session.shutdown();
  }
}

/** Wall time and peak RSS (KB, from /usr/bin/time) of a command. */
function timed(cmd: string, args: string[]): Promise<{ ms: number; maxRssKb: number }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/time', ['-f', 'BERTH_MAXRSS=%M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const ms = performance.now() - start;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.slice(-2000)}`));
      resolve({ ms, maxRssKb: Number(/BERTH_MAXRSS=(\d+)/.exec(err)?.[1] ?? NaN) });
    });
  });
}

function outputBytes(file: string): number {
  const nb = JSON.parse(fs.readFileSync(file, 'utf8')) as { cells: { outputs: { output_type: string; text?: string | string[] }[] }[] };
  let n = 0;
  for (const o of nb.cells[0].outputs) if (o.output_type === 'stream') n += (Array.isArray(o.text) ? o.text.join('') : (o.text ?? '')).length;
  return n;
}

/** `berth run` next to nbconvert in the same image: both start their own container. */
async function headlessBench(): Promise<ResultRow> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-big-'));
  fs.writeFileSync(path.join(dir, 'flood.ipynb'), notebookJson([CODE]));
  const cli = path.join(ROOT, 'out/src/cli.js');
  const rss: number[] = [];
  let samples: Map<string, number[]>;
  try {
    let runs = 0;
    samples = await interleave(
      [
        {
          name: 'nbconvert',
          run: async () => {
            const name = `nbc-${process.pid}-${runs++}`;
            const { ms } = await timed('docker', ['run', '--rm', '--name', name, '--label', `berth.bench=${OWNER}`, '-v', `${dir}:/workspace`, '-w', '/workspace', '--entrypoint', 'python3', IMAGE, '-m', 'nbconvert', '--to', 'notebook', '--execute', '--output', 'nbconvert-out.ipynb', 'flood.ipynb']);
            const nbcBytes = outputBytes(path.join(dir, 'nbconvert-out.ipynb'));
            if (nbcBytes !== BYTES) throw new Error(`nbconvert wrote ${nbcBytes} bytes`);
            return ms;
          },
        },
        {
          name: 'berth',
          run: async () => {
            const run = await timed(process.execPath, [cli, 'run', path.join(dir, 'flood.ipynb'), '--image', IMAGE, '--out', path.join(dir, 'berth-out.ipynb')]);
            const got = outputBytes(path.join(dir, 'berth-out.ipynb'));
            if (got !== BYTES) throw new Error(`berth run wrote ${got} bytes`);
            rss.push(run.maxRssKb);
            return run.ms;
          },
        },
      ],
      RUNS,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  console.log(`\nberth run peak RSS for 50 MB: median ${MiB(median(rss))} (${rss.map(MiB).join(', ')})`);
  return compare(
    'one-cell notebook printing 50 MB, headless, whole run (container start included)',
    { name: 'berth run', samplesMs: samples.get('berth')! },
    { name: 'jupyter nbconvert --execute in the same image (docker run)', samplesMs: samples.get('nbconvert')! },
  );
}

interface HostLib {
  readonly SERVER_MAIN: string;
  readonly CHROMIUM: string;
  makeRunDir(prefix: string): string;
  startServer(o: { runDir: string; settings?: Record<string, unknown> }): Promise<{ baseUrl: string; stop(): Promise<void>; child: { pid: number } }>;
  launchBrowser(runDir: string): Promise<{ page: Page; close(): Promise<void> }>;
  workbenchUrl(o: { baseUrl: string; folder?: string; payload?: unknown }): string;
  remoteUri(baseUrl: string, p: string): string;
  removeRunDir(runDir: string): void;
}

/** The extension host of the server started as process group `pgid`, and a reader of its memory (KB). */
function extensionHost(pgid: number): { rssKb(): number; peakKb(): number } {
  const pid = fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .find((p) => {
      try {
        const stat = fs.readFileSync(`/proc/${p}/stat`, 'utf8');
        const pgrp = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
        return pgrp === pgid && fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('extensionHost');
      } catch {
        return false;
      }
    });
  if (!pid) throw new Error('no extension host process found');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);
  return { rssKb: () => field('VmRSS'), peakKb: () => field('VmHWM') };
}


async function openNotebook(page: Page, name: string, text: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  await page.locator('.notebook-editor:visible', { hasText: text }).first().waitFor({ timeout: 60000 });
}

async function selectPythonKernel(page: Page): Promise<void> {
  const rows = page.locator('.quick-input-list .monaco-list-row');
  const python = rows.filter({ hasText: 'Berth: berth/python:latest' }).first();
  const selected = page.locator('.notebook-toolbar-container:visible', { hasText: 'Berth: berth/python:latest' }).first();
  if (await selected.isVisible()) return;
  await until(async () => {
    await page.locator('.notebook-toolbar-container:visible').getByText(/Select Kernel|Berth: /).first().click();
    const source = rows.filter({ hasText: 'Berth — Container Notebooks' }).first();
    if (await source.waitFor({ timeout: 3000 }).then(() => true, () => false)) await source.click();
    if (await python.waitFor({ timeout: 5000 }).then(() => true, () => false)) return true;
    await page.keyboard.press('Escape');
    return undefined;
  }, 'berth/python:latest in the kernel picker', 300000, 50);
  await python.click();
  await selected.waitFor({ timeout: 30000 });
}

const cellSucceeded = (page: Page, index: number) =>
  page.locator('.notebook-editor:visible .cell-inner-container').nth(index).locator('.cell-statusbar-container .codicon-notebook-state-success').count();

/** Runs the flood cell of the window's notebook flood-i; ms from Execute Cell to the cell's success mark. */
async function hostRun(page: Page, i: number): Promise<number> {
  const name = `flood-${i}.ipynb`;
  await openNotebook(page, name, 'range(500_000)');
  await page.locator('.notebook-editor:visible .cell-editor-container').first().click();
  await selectPythonKernel(page);
  // Warm: the kernel is up and has answered once before the clock starts.
  await command(page, 'Notebook: Execute Cell');
  await until(async () => ((await cellSucceeded(page, 0)) > 0 ? true : undefined), 'the warm-up cell', 300000, 50);
  await page.locator('.notebook-editor:visible .cell-editor-container').nth(1).click();
  const start = performance.now();
  await command(page, 'Notebook: Execute Cell');
  await until(async () => ((await cellSucceeded(page, 1)) > 0 ? true : undefined), 'the 50 MB cell', 600000, 50);
  const ms = performance.now() - start;
  await command(page, 'View: Revert and Close Editor');
  return ms;
}

async function hostBench(floor: Samples): Promise<ResultRow[]> {
  const host: HostLib = await import(path.join(ROOT, 'scripts/lib/vscodeHost.mjs'));
  const runDir = host.makeRunDir('big-bench');
  const folders = { cut: path.join(runDir, 'cut'), whole: path.join(runDir, 'whole') };
  for (const f of Object.values(folders)) fs.mkdirSync(path.join(f, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(folders.whole, '.vscode/settings.json'), JSON.stringify({ 'berth.output.maxBytes': 0 }));
  // Written before the window opens, so that Quick Open has indexed them.
  for (const f of Object.values(folders)) for (let i = 0; i < RUNS; i++) fs.writeFileSync(path.join(f, `flood-${i}.ipynb`), notebookJson(['1+1', CODE]));
  const server = await host.startServer({ runDir, settings: { 'notebook.kernelPicker.type': 'all', 'workbench.editor.enablePreview': false, 'remote.autoForwardPorts': false, 'files.hotExit': 'off' } });
  const browser = await host.launchBrowser(runDir);
  const rows: ResultRow[] = [];
  try {
    const { page } = browser;
    const payload = [['extensionDevelopmentPath', host.remoteUri(server.baseUrl, ROOT)]];
    const samples: Record<string, number[]> = { cut: [], whole: [] };
    const memory: string[] = [];
    for (const kind of ['cut', 'whole'] as const) {
      await page.goto(host.workbenchUrl({ baseUrl: server.baseUrl, folder: folders[kind], payload }));
      await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
      const ext = await until(async () => extensionHost(server.child.pid), 'the extension host', 60000, 50);
      const before = ext.rssKb();
      for (let i = 0; i < RUNS; i++) samples[kind].push(await hostRun(page, i));
      memory.push(`${kind === 'cut' ? 'default berth.output.maxBytes (cut)' : 'berth.output.maxBytes 0 (whole)'}: RSS at window open ${MiB(before)}, peak ${MiB(ext.peakKb())}`);
    }
    console.log(`\nextension host memory over ${RUNS} runs of the 50 MB cell:\n${memory.map((m) => `- ${m}`).join('\n')}`);
    const hostFloor = { ...floor, name: `${floor.name} (same run, measured before the host)` };
    rows.push(
      compare('cell printing 50 MB in the VS Code host: Execute Cell → done, output cut at the default limit', { name: 'Berth in the VS Code host', samplesMs: samples.cut }, hostFloor),
      compare('cell printing 50 MB in the VS Code host: Execute Cell → done, whole 50 MB (maxBytes 0)', { name: 'Berth in the VS Code host', samplesMs: samples.whole }, hostFloor),
    );
  } finally {
    await browser.close();
    await server.stop();
    host.removeRunDir(runDir);
    for (const c of await docker.listContainers({ all: true, filters: { label: ['berth.kernel'] } })) {
      if ((c.Labels['berth.notebook'] ?? '').includes(runDir)) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  }
  return rows;
}

async function removeLeftovers(): Promise<void> {
  for (const label of [`berth.bench=${OWNER}`, `berth.owner=${OWNER}`]) {
    for (const c of await docker.listContainers({ all: true, filters: { label: [label] } })) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  }
}

async function main(): Promise<void> {
  try {
    const session = await sessionBench();
    report(`50 MB printed by one cell: time to the last output (${RUNS} runs each)`, [compare('cell printing 50 MB: execute → last output and idle, same kernel', session.berth, session.floor)]);
    const { SERVER_MAIN, CHROMIUM }: HostLib = await import(path.join(ROOT, 'scripts/lib/vscodeHost.mjs'));
    const missing = vscodeHostMissing(SERVER_MAIN, CHROMIUM);
    if (process.argv.includes('--no-host') || missing) {
      const why = missing ?? 'run with --no-host';
      report('50 MB printed by one cell in the real VS Code host', [notRun('cell printing 50 MB in the VS Code host: Execute Cell → done, output cut at the default limit', why), notRun('cell printing 50 MB in the VS Code host: Execute Cell → done, whole 50 MB (maxBytes 0)', why)]);
    } else {
      report(`50 MB printed by one cell in the real VS Code host: Execute Cell → the cell done (${RUNS} runs each)`, await hostBench(session.floor));
    }
    report(`50 MB printed by one cell, headless: whole run of a one-cell notebook (${RUNS} runs each)`, [await headlessBench()]);
  } finally {
    await removeLeftovers();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
