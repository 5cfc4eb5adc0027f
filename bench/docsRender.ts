// The docs preview's cost. Part 1: rendering a 1 MB Markdown document with Berth's renderer (markdown-it +
// anchors, task lists, KaTeX, highlight.js, R Markdown chunks, sanitising) next to bare markdown-it, same
// document, same run. Part 2: keystroke → updated preview in the REAL host (VS Code server + Chromium): a
// keydown in the editor and a MutationObserver in the preview's webview, both stamped on the same wall clock;
// a 1 KB document is the floor. That latency includes the preview's 50 ms typing debounce (shown separately).
// usage: node out/bench/docsRender.js [--runs N] [--no-host]
import * as fs from 'fs';
import MarkdownIt from 'markdown-it';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { DocumentRenderer } from '../src/core/docs/renderDocument';
import { median, printTable, type BenchRow } from './lib/stats';

const ROOT = path.resolve(__dirname, '../..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7;
const DEBOUNCE_MS = 50; // UPDATE_DELAY_MS in src/features/docs/docsPreview.ts

/** A realistic mix: prose with links and inline code, tables, lists, code, math, R chunks. About 1.6 KB per section. */
function section(i: number): string {
  return `## Section ${i}: results of run ${i}

Berth started **container ${i}** in *${(i % 7) + 1}.${i % 10} s*; see [the guide](guide.md#step-${i}) and \`docker ps\`.
The kernel answered after ~~two~~ one probe, with $t_${i} = ${i % 5}.${i % 9}$ seconds and https://example.com/run/${i}.

| step | median (s) | runs |
|:-----|-----------:|:----:|
| start | ${(i % 3) + 1}.9 | 5 |
| idle | 1.${i % 10} | 5 |

- [x] measured start-up ${i}
- [ ] measured shutdown ${i}
  - nested item with \`code\` and a [link](../README.md)

\`\`\`python
def median_${i}(xs):
    """Median of a list."""
    s = sorted(xs)
    return s[len(s) // 2] if s else None
\`\`\`

\`\`\`{r chunk-${i}, echo=FALSE, fig.width=6}
times <- c(1.9, 2.1, 2.0, ${i})
summary(times)
\`\`\`

$$
\\bar{t}_{${i}} = \\frac{1}{n} \\sum_{k=1}^{n} t_k
$$

> A quoted note about run ${i}, with <kbd>Ctrl</kbd>+<kbd>C</kbd> and an image ![plot](img/plot-${i % 4}.png).

`;
}

function documentOf(bytes: number): string {
  let doc = '---\ntitle: Benchmark\n---\n\n# Benchmark document\n\n';
  for (let i = 0; Buffer.byteLength(doc) < bytes; i++) doc += section(i);
  return doc;
}

function timeSync(fn: () => unknown): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

function renderBench(): void {
  const doc = documentOf(1024 * 1024);
  const bare = new MarkdownIt({ html: true, linkify: true });
  const mapImage = (src: string) => `https://file+.vscode-resource.vscode-cdn.net/ws/docs/${src}`;
  // Warm up the JIT, highlight.js grammars and KaTeX on a renderer the measurements do not use.
  bare.render(doc);
  new DocumentRenderer().render(doc, { allowHtml: true, mapImage });
  const rows: Record<string, number[]> = { bare: [], cold: [], untrusted: [], edited: [] };
  const typing = new DocumentRenderer();
  typing.render(doc, { allowHtml: true, mapImage });
  for (let i = 0; i < RUNS; i++) {
    rows.bare.push(timeSync(() => bare.render(doc)));
    // A fresh renderer has an empty cache of code blocks and formulas: the first render of a document.
    const cold = new DocumentRenderer();
    rows.cold.push(timeSync(() => cold.render(doc, { allowHtml: true, mapImage })));
    const coldUntrusted = new DocumentRenderer();
    rows.untrusted.push(timeSync(() => coldUntrusted.render(doc, { allowHtml: false, mapImage })));
    // While typing: the same document with one more character in one paragraph.
    const edited = doc.replace('# Benchmark document', `# Benchmark document ${'x'.repeat(i + 1)}`);
    rows.edited.push(timeSync(() => typing.render(edited, { allowHtml: true, mapImage })));
  }
  const floor = 'bare markdown-it (html, linkify)';
  printTable(`Render a ${(Buffer.byteLength(doc) / 1024 / 1024).toFixed(2)} MB Markdown document (${RUNS} runs)`, [
    { name: floor, samplesMs: rows.bare },
    { name: 'Berth renderer, first render (empty cache)', samplesMs: rows.cold, floor },
    { name: 'Berth renderer, first render, untrusted (HTML off)', samplesMs: rows.untrusted, floor },
    { name: 'Berth renderer, re-render after a keystroke', samplesMs: rows.edited, floor },
  ]);

  const small = documentOf(100 * 1024);
  const renderer = new DocumentRenderer();
  renderer.render(small, { allowHtml: true, mapImage });
  const pipeline: number[] = [];
  const bareSmall: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const edited = `${small}${'x'.repeat(i + 1)}`;
    bareSmall.push(timeSync(() => JSON.stringify({ type: 'update', html: bare.render(edited), version: i })));
    pipeline.push(timeSync(() => JSON.stringify({ type: 'update', html: renderer.render(edited, { allowHtml: true, mapImage }).html, version: i })));
  }
  printTable(`Extension side of one keystroke's update, 100 KB document: render + serialise the message (${RUNS} runs)`, [
    { name: 'bare markdown-it + JSON message', samplesMs: bareSmall },
    { name: 'Berth render + JSON message', samplesMs: pipeline, floor: 'bare markdown-it + JSON message' },
  ]);
}

interface HostLib {
  makeRunDir(prefix: string): string;
  startServer(o: { runDir: string; settings?: Record<string, unknown> }): Promise<{ baseUrl: string; stop(): Promise<void> }>;
  launchBrowser(runDir: string): Promise<{ page: Page; close(): Promise<void> }>;
  workbenchUrl(o: { baseUrl: string; folder?: string; payload?: unknown }): string;
  remoteUri(baseUrl: string, p: string): string;
  removeRunDir(runDir: string): void;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 60000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function previewOf(page: Page, name: string): Promise<Frame> {
  return until(async () => {
    for (const frame of page.frames()) {
      const doc = await frame.evaluate(() => document.getElementById('berth-preview')?.dataset.document).catch(() => undefined);
      if (doc?.endsWith(name)) return frame;
    }
    return undefined;
  }, `the preview of ${name}`);
}

interface Latency {
  /** Keystroke → the webview's DOM changed. */
  readonly total: number[];
  /** Keystroke → the update message arrived in the webview (debounce, render, transport). */
  readonly arrival: number[];
  /** The webview parsing and patching the update (its own performance measure). */
  readonly patch: number[];
}

/** Keystroke → preview patched, in ms, for each of RUNS keystrokes at the end of `name`. */
async function keystrokeLatency(page: Page, name: string): Promise<Latency> {
  await page.locator('.statusbar').click({ position: { x: 400, y: 5 } });
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().click();
  await page.locator(`.tabs-container .tab[aria-label^="${name}"]`).first().waitFor();
  await page.locator('.editor-actions [aria-label="Open Docs Preview to the Side"]').first().click();
  // The webview swaps its frame while it loads: settle on the one that shows the rendered document.
  const frame = await until(async () => {
    const f = await previewOf(page, name);
    return (await f.evaluate(() => document.querySelector('h1') !== null)) ? f : undefined;
  }, `the rendered preview of ${name}`);
  await page.evaluate(() => {
    const w = window as unknown as { berthKeydown?: number };
    window.addEventListener('keydown', () => (w.berthKeydown = performance.timeOrigin + performance.now()), true);
  });
  await frame.evaluate(() => {
    const w = window as unknown as { berthMutations: number[] };
    w.berthMutations = [];
    new MutationObserver(() => w.berthMutations.push(performance.timeOrigin + performance.now())).observe(document.getElementById('berth-preview')!, {
      childList: true,
      subtree: true,
      characterData: true,
    });
  });
  await page.locator('.editor-instance .monaco-editor').first().click();
  await page.keyboard.press('Control+End');
  const latency: Latency = { total: [], arrival: [], patch: [] };
  for (let i = 0; i < RUNS + 1; i++) {
    await frame.evaluate(() => {
      (window as unknown as { berthMutations: number[] }).berthMutations = [];
      performance.clearMarks('berth-update-received');
      performance.clearMeasures('berth-patch');
    });
    await page.keyboard.type(i % 2 ? 'y' : 'x');
    const keydown = await page.evaluate(() => (window as unknown as { berthKeydown: number }).berthKeydown);
    // The preview script marks the update's arrival and measures its patch in the performance timeline.
    const [arrived, patchMs, mutated] = await until(
      () => frame.evaluate(() => {
        const received = performance.getEntriesByName('berth-update-received')[0];
        const patch = performance.getEntriesByName('berth-patch')[0];
        const mutations = (window as unknown as { berthMutations: number[] }).berthMutations;
        return received && patch && mutations.length > 0 ? [performance.timeOrigin + received.startTime, patch.duration, mutations[0]] : undefined;
      }),
      'the preview to change',
    );
    if (i === 0) continue; // the first keystroke warms the path up
    latency.total.push(Math.max(mutated, arrived + patchMs) - keydown);
    latency.arrival.push(arrived - keydown);
    latency.patch.push(patchMs);
  }
  return latency;
}

async function hostBench(): Promise<void> {
  const host: HostLib = await import(path.join(ROOT, 'scripts/lib/vscodeHost.mjs'));
  const runDir = host.makeRunDir('docs-bench');
  const workspace = path.join(runDir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  fs.writeFileSync(path.join(workspace, 'small.md'), documentOf(1024) + '\nEnd paragraph ');
  fs.writeFileSync(path.join(workspace, 'large.md'), documentOf(100 * 1024) + '\nEnd paragraph ');
  const server = await host.startServer({ runDir });
  const browser = await host.launchBrowser(runDir);
  try {
    const { page } = browser;
    const payload = [['extensionDevelopmentPath', host.remoteUri(server.baseUrl, ROOT)]];
    await page.goto(host.workbenchUrl({ baseUrl: server.baseUrl, folder: workspace, payload }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    const small = await keystrokeLatency(page, 'small.md');
    const large = await keystrokeLatency(page, 'large.md');
    const floor = 'keystroke → preview patched, 1 KB doc';
    const rows: BenchRow[] = [
      { name: floor, samplesMs: small.total },
      { name: 'keystroke → preview patched, 100 KB doc', samplesMs: large.total, floor },
      { name: `  of which keystroke → update arrives (incl. ${DEBOUNCE_MS} ms debounce)`, samplesMs: large.arrival, floor },
      { name: '  of which parse + patch in the webview', samplesMs: large.patch, floor },
      { name: `100 KB doc minus the ${DEBOUNCE_MS} ms debounce`, samplesMs: large.total.map((ms) => ms - DEBOUNCE_MS), floor },
    ];
    printTable(`Keystroke to updated preview in the real VS Code host (${RUNS} keystrokes each; includes the ${DEBOUNCE_MS} ms typing debounce)`, rows);
    console.log(`\nmedian 100 KB / 1 KB: ${(median(large.total) / median(small.total)).toFixed(2)}×`);
  } finally {
    await browser.close();
    await server.stop();
    host.removeRunDir(runDir);
  }
}

async function main(): Promise<void> {
  renderBench();
  if (process.argv.includes('--no-host')) return;
  await hostBench();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
