// The docs preview's cost, each next to the floor of the same stage, measured in the same run, interleaved in
// A B B A order (bench/lib/interleave.ts). Documents of 1 MB and 100 KB with prose, tables, lists, code, math and
// R chunks.
// - Render alone (plain Node): Berth's renderer (markdown-it + anchors, task lists, KaTeX, highlight.js, R Markdown
//   chunks, sanitising) next to bare markdown-it on the same document: first render, untrusted (HTML off, against
//   bare markdown-it with HTML off); a keystroke as the preview handles it (PreviewDocument: only the blocks the
//   edit touched) and the extension side of that update (+ the patch message), next to bare markdown-it rendering
//   the whole text (+ the same kind of message); and a large document's opening in steps (first screen, drafts,
//   refined: each step timed) next to bare markdown-it rendering it whole.
// - In the REAL host (VS Code server + Chromium): Berth's preview next to VS Code's built-in Markdown preview
//   (markdown.showPreviewToSide) of the same document in the same window: "open →" (from the click on its
//   editor-title button, the webview polled) the first heading there (first screen), the document's last element
//   there, and the opening's last DOM change (whole document rendered: Berth refines its drafts), and "keystroke → preview
//   updated" (a keydown in the editor → the webview's last DOM change of the update; each preview's own typing
//   debounce included: Berth 50 ms, the built-in 300 ms). Berth's stages of a keystroke (update arrives, parse + patch) come from the
//   preview's own performance marks and are shown without a ratio: the built-in preview has no such stage.
// usage: node out/bench/docsRender.js [--runs N] [--no-host | --host-only]
import * as fs from 'fs';
import * as os from 'os';
import MarkdownIt from 'markdown-it';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { firstScreenOf, PreviewDocument } from '../src/core/docs/previewDocument';
import { unitTemplates } from '../src/core/docs/previewPage';
import { DocumentRenderer } from '../src/core/docs/renderDocument';
import { interleave } from './lib/interleave';
import { command, until } from './lib/host';
import { vscodeHostMissing } from './lib/prerequisites';
import { repetitions, sized } from './lib/quick';
import { compare, notRun, report, stage, type ResultRow } from './lib/results';
import { timeSync } from './lib/stats';

const ROOT = path.resolve(__dirname, '../..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = repetitions(runsArg > 0 ? Number(process.argv[runsArg + 1]) : 7);
/** Host repetitions (each opens each preview once) and the measured keystrokes per open (after one warm-up). */
const HOST_RUNS = repetitions(runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5);
const KEYSTROKES = 2;
const MEDIUM = { label: '100 KB', bytes: 100 * 1024, file: 'medium.md' };
const SIZES = sized([{ label: '1 MB', bytes: 1024 * 1024, file: 'large.md' }, MEDIUM], [MEDIUM]);
/** The document's last paragraph: its link is how both previews' "rendered" is recognised. */
const END = '\n[end-marker](#end-marker) End paragraph ';

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

const mapImage = (src: string) => `https://file+.vscode-resource.vscode-cdn.net/ws/docs/${src}`;

/** Runs `fn` on the i-th edit of `doc` (one more character each time), so both variants render the same texts. */
function edits(doc: string, fn: (text: string, i: number) => unknown): () => number {
  let i = 0;
  return () => {
    const k = i++;
    const text = doc.replace('# Benchmark document', `# Benchmark document ${'x'.repeat(k + 1)}`);
    return timeSync(() => fn(text, k));
  };
}

async function renderBench(): Promise<ResultRow[]> {
  const rows: ResultRow[] = [];
  const bare = new MarkdownIt({ html: true, linkify: true });
  const bareNoHtml = new MarkdownIt({ html: false, linkify: true });
  for (const size of SIZES) {
    const doc = documentOf(size.bytes);
    // Warm up the JIT, highlight.js grammars and KaTeX on a renderer the measurements do not use.
    bare.render(doc);
    bareNoHtml.render(doc);
    new DocumentRenderer().render(doc, { allowHtml: true, mapImage });
    const renderer = new DocumentRenderer();
    const pair = async (name: string, berth: () => number, floor: () => number, berthName: string, floorName: string) => {
      const samples = await interleave(
        [
          { name: 'floor', run: floor },
          { name: 'berth', run: berth },
        ],
        RUNS,
      );
      rows.push(compare(`${name}, ${size.label} document`, { name: berthName, samplesMs: samples.get('berth')! }, { name: floorName, samplesMs: samples.get('floor')! }));
    };
    // A fresh renderer has an empty cache of code blocks and formulas: the first render of a document.
    await pair('render alone, first render', () => timeSync(() => new DocumentRenderer().render(doc, { allowHtml: true, mapImage })), () => timeSync(() => bare.render(doc)), 'Berth renderer, empty cache', 'bare markdown-it (html, linkify)');
    await pair('render alone, first render, untrusted (HTML off)', () => timeSync(() => new DocumentRenderer().render(doc, { allowHtml: false, mapImage })), () => timeSync(() => bareNoHtml.render(doc)), 'Berth renderer, HTML off, empty cache', 'bare markdown-it (HTML off, linkify)');
    // A keystroke as the preview handles it: the document kept between keystrokes re-renders only the blocks the
    // edit touched (PreviewDocument). The floor has no incremental mode: bare markdown-it renders the whole text.
    const typing = new PreviewDocument(renderer, { allowHtml: true, mapImage });
    typing.update(doc);
    await pair('preview update after a keystroke (only the blocks it touched)', edits(doc, (text) => typing.update(text)), edits(doc, (text) => bare.render(text)), 'Berth PreviewDocument.update', 'bare markdown-it, whole document (html, linkify)');
    const messaging = new PreviewDocument(renderer, { allowHtml: true, mapImage });
    messaging.update(doc);
    await pair(
      "extension side of a keystroke's update (render + JSON message)",
      edits(doc, (text, version) => {
        const update = messaging.update(text);
        return JSON.stringify({ type: 'patch', units: update.units, html: unitTemplates(update.units, update.added), reset: false, version });
      }),
      edits(doc, (text, version) => JSON.stringify({ type: 'update', html: bare.render(text), version })),
      'Berth PreviewDocument.update + patch message',
      'bare markdown-it, whole document + JSON message',
    );
    if (firstScreenOf(doc) !== undefined) {
      // Opening a large document as the preview does: the first screen, then the rest as drafts DRAFT_LINES at a
      // time, then the drafts refined REFINE_BLOCKS at a time (src/features/docs/docsPreview.ts), each step timed.
      const berth: Opening[] = [];
      const openings = await interleave(
        [
          { name: 'floor', run: () => timeSync(() => bare.render(doc)) },
          { name: 'berth', run: () => berth[berth.push(openInSteps(doc)) - 1].total },
        ],
        RUNS,
      );
      rows.push(
        stage(`preview opening, first screen, ${size.label} document — Berth PreviewDocument.update of the first ${FIRST_SCREEN} lines`, { name: 'Berth first screen', samplesMs: berth.map((o) => o.firstScreen) }),
        stage(`preview opening, longest step after the first screen (what a keystroke may wait for), ${size.label} document`, { name: 'Berth longest draft or refine step', samplesMs: berth.map((o) => o.longestStep) }),
        compare(`preview opening, whole document (first screen + drafts + refined), ${size.label} document`, { name: 'Berth, all steps summed', samplesMs: berth.map((o) => o.total) }, { name: 'bare markdown-it, whole document (html, linkify)', samplesMs: openings.get('floor')! }),
      );
    }
  }
  return rows;
}

/** The lines of the first screen, the drafted lines per step and the blocks refined per step, as docsPreview.ts. */
const FIRST_SCREEN = 150;
const DRAFT_LINES = 1500;
const REFINE_BLOCKS = 100;

interface Opening {
  readonly firstScreen: number;
  readonly longestStep: number;
  readonly total: number;
}

/** Opens `doc` in steps on a fresh PreviewDocument (empty caches, as a first opening). */
function openInSteps(doc: string): Opening {
  const preview = new PreviewDocument(new DocumentRenderer(), { allowHtml: true, mapImage });
  const lines = doc.split('\n');
  const prefix = (n: number) => (n >= lines.length ? doc : lines.slice(0, n).join('\n') + '\n');
  const firstScreen = timeSync(() => preview.update(prefix(FIRST_SCREEN)));
  const steps: number[] = [];
  for (let n = FIRST_SCREEN + DRAFT_LINES; ; n += DRAFT_LINES) {
    steps.push(timeSync(() => preview.update(prefix(n), { draft: true })));
    if (n >= lines.length) break;
  }
  for (;;) {
    let more: unknown;
    steps.push(timeSync(() => (more = preview.refine(REFINE_BLOCKS))));
    if (!more) break;
  }
  const total = firstScreen + steps.reduce((a, b) => a + b, 0);
  return { firstScreen, longestStep: Math.max(...steps), total };
}

interface HostLib {
  readonly SERVER_MAIN: string;
  readonly CHROMIUM: string;
  makeRunDir(prefix: string): string;
  startServer(o: { runDir: string; settings?: Record<string, unknown> }): Promise<{ baseUrl: string; stop(): Promise<void> }>;
  launchBrowser(runDir: string): Promise<{ page: Page; close(): Promise<void> }>;
  workbenchUrl(o: { baseUrl: string; folder?: string; payload?: unknown }): string;
  remoteUri(baseUrl: string, p: string): string;
  removeRunDir(runDir: string): void;
}

/** One of the two previews: how to open it and how to find its webview's content frame. */
interface Preview {
  readonly name: string;
  /** The aria-label its editor-title button starts with. */
  readonly button: string;
  /** In the webview's frame: the source document this preview shows, if it is one of the previews. */
  readonly documentOf: () => string | undefined;
  /** In the webview's frame: the element an update changes. */
  readonly root: string;
}

const PREVIEWS: readonly Preview[] = [
  {
    name: "Berth's docs preview",
    button: 'Open Docs Preview to the Side',
    documentOf: () => document.getElementById('berth-preview')?.dataset.document,
    root: '#berth-preview',
  },
  {
    name: "VS Code's built-in Markdown preview",
    button: 'Open Preview to the Side',
    documentOf: () => {
      const settings = document.getElementById('vscode-markdown-preview-data')?.dataset.settings;
      return settings ? (JSON.parse(settings) as { source?: string }).source : undefined;
    },
    root: 'body',
  },
];

async function frameOf(page: Page, preview: Preview, file: string, rendered: boolean): Promise<Frame | undefined> {
  for (const frame of page.frames()) {
    // The function itself is handed to the frame (a webview's CSP forbids eval there).
    const source = await frame.evaluate(preview.documentOf).catch(() => undefined);
    if (!source?.endsWith(`/${file}`)) continue;
    if (!rendered || (await frame.evaluate(() => document.querySelector('a[href="#end-marker"]') !== null).catch(() => false))) return frame;
  }
  return undefined;
}


const lastKeydown = (page: Page) => page.evaluate(() => (window as unknown as { berthKeydown: number }).berthKeydown);

/** The opening of a preview, in ms from the click on its button. */
interface Opened {
  readonly frame: Frame;
  /** The document's first heading is in the webview (Berth: its first screen; the built-in: the whole render). */
  readonly firstScreen: number;
  /** The end marker is in the webview (Berth: the rest has arrived, maybe still as drafts). */
  readonly endMarker: number;
  /** The opening's last DOM change, followed by SETTLED_MS of quiet (Berth: the drafts refined). */
  readonly settled: number;
}

/** Quiet after the last DOM change that ends an opening: Berth's opening steps follow each other within ms. */
const SETTLED_MS = 1000;

/**
 * Opens `preview` of `file` (its editor active), polling every frame every 10 ms (the same for both previews),
 * and waits until the opening is over, so that no keystroke is measured against the opening's own updates.
 * Times are epoch ms on both sides (Date.now() here, timeOrigin + now() in the webview): one machine, one clock.
 */
async function openPreview(page: Page, preview: Preview, file: string): Promise<Opened> {
  const button = page.locator(`.editor-actions [aria-label^="${preview.button}"]`).first();
  await button.waitFor();
  const start = Date.now();
  await button.click();
  let firstScreen: number | undefined;
  const frame = await until(async () => {
    const found = await frameOf(page, preview, file, false);
    if (!found) return undefined;
    if (firstScreen === undefined && (await found.evaluate(() => document.querySelector('h1') !== null).catch(() => false))) firstScreen = Date.now() - start;
    return (await frameOf(page, preview, file, true)) ? found : undefined;
  }, `${preview.name} of ${file}`, 120000, 10);
  const endMarker = Date.now() - start;
  await frame.evaluate((selector) => {
    const w = window as unknown as { berthOpening: number; berthOpeningObserver?: MutationObserver };
    w.berthOpening = performance.timeOrigin + performance.now();
    w.berthOpeningObserver?.disconnect();
    w.berthOpeningObserver = new MutationObserver(() => (w.berthOpening = performance.timeOrigin + performance.now()));
    w.berthOpeningObserver.observe(document.querySelector(selector)!, { childList: true, subtree: true, characterData: true, attributes: true });
  }, preview.root);
  const last = await until(
    () =>
      frame.evaluate((quiet) => {
        const w = window as unknown as { berthOpening: number; berthOpeningObserver?: MutationObserver };
        if (performance.timeOrigin + performance.now() - w.berthOpening < quiet) return undefined;
        w.berthOpeningObserver?.disconnect();
        return w.berthOpening;
      }, SETTLED_MS),
    `${preview.name} of ${file} to settle`,
    180000,
    50,
  );
  return { frame, firstScreen: firstScreen ?? endMarker, endMarker, settled: Math.max(endMarker, last - start) };
}

async function closePreview(page: Page, preview: Preview, file: string): Promise<void> {
  await command(page, 'View: Focus First Editor Group');
  await command(page, 'View: Close Editors in Other Groups');
  await until(async () => ((await frameOf(page, preview, file, false)) ? undefined : true), `${preview.name} of ${file} to close`, 120000, 20);
}

interface Keystroke {
  readonly total: number;
  /** Berth's preview only: its performance marks (update arrived, parse + patch). */
  readonly arrival?: number;
  readonly patch?: number;
}

/** A keystroke at the end of the editor → the last DOM change of the preview's update (after 400 ms of quiet). */
async function keystroke(page: Page, frame: Frame, preview: Preview, char: string): Promise<Keystroke> {
  await frame.evaluate((selector) => {
    const w = window as unknown as { berthMutations: number[]; berthObserver?: MutationObserver };
    w.berthMutations = [];
    performance.clearMarks('berth-update-received');
    performance.clearMeasures('berth-patch');
    if (w.berthObserver) return;
    w.berthObserver = new MutationObserver(() => w.berthMutations.push(performance.timeOrigin + performance.now()));
    w.berthObserver.observe(document.querySelector(selector)!, { childList: true, subtree: true, characterData: true });
  }, preview.root);
  // A click could land on the preview's webview; the command focuses the text editor of the first group.
  await command(page, 'View: Focus First Editor Group');
  await page.keyboard.press('Control+End');
  await page.keyboard.type(char);
  const keydown = await lastKeydown(page);
  const result = await until(
    () =>
      frame.evaluate(() => {
        const mutations = (window as unknown as { berthMutations: number[] }).berthMutations;
        const now = performance.timeOrigin + performance.now();
        if (mutations.length === 0 || now - mutations[mutations.length - 1] < 400) return undefined;
        const received = performance.getEntriesByName('berth-update-received')[0];
        const patch = performance.getEntriesByName('berth-patch')[0];
        return { last: mutations[mutations.length - 1], received: received ? performance.timeOrigin + received.startTime : undefined, patch: patch?.duration };
      }),
    `${preview.name} to change after a keystroke`,
    120000,
    20,
  );
  return { total: result.last - keydown, arrival: result.received === undefined ? undefined : result.received - keydown, patch: result.patch };
}

async function openEditor(page: Page, file: string): Promise<void> {
  await page.locator('.statusbar').click({ position: { x: 400, y: 5 } });
  await page.keyboard.press('Control+P');
  await page.locator('.quick-input-widget input').fill(file);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first().click();
  await page.locator(`.tabs-container .tab[aria-label^="${file}"]`).first().waitFor();
}

async function hostBench(host: HostLib): Promise<ResultRow[]> {
  const runDir = host.makeRunDir('docs-bench');
  const workspace = path.join(runDir, 'workspace');
  fs.mkdirSync(workspace, { recursive: true });
  for (const size of SIZES) fs.writeFileSync(path.join(workspace, size.file), documentOf(size.bytes) + END);
  const server = await host.startServer({ runDir, settings: { 'workbench.editor.enablePreview': false, 'files.hotExit': 'off', 'files.autoSave': 'off' } });
  const browser = await host.launchBrowser(runDir);
  const rows: ResultRow[] = [];
  try {
    const { page } = browser;
    const payload = [['extensionDevelopmentPath', host.remoteUri(server.baseUrl, ROOT)]];
    await page.goto(host.workbenchUrl({ baseUrl: server.baseUrl, folder: workspace, payload }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    await page.evaluate(() => {
      const w = window as unknown as { berthKeydown?: number };
      window.addEventListener('keydown', () => (w.berthKeydown = performance.timeOrigin + performance.now()), true);
    });
    for (const size of SIZES) {
      await openEditor(page, size.file);
      const keys = new Map<string, Keystroke[]>(PREVIEWS.map((p) => [p.name, []]));
      let typed = 0;
      const opened = new Map<string, Opened[]>(PREVIEWS.map((p) => [p.name, []]));
      /** Opens the preview (timed), types one warm-up and KEYSTROKES measured keystrokes, closes it. */
      const oneRun = (preview: Preview, measure: boolean) => async () => {
        const opening = await openPreview(page, preview, size.file);
        if (measure) opened.get(preview.name)!.push(opening);
        for (let i = 0; i <= KEYSTROKES; i++) {
          const k = await keystroke(page, opening.frame, preview, typed++ % 2 ? 'y' : 'x');
          if (measure && i > 0) keys.get(preview.name)!.push(k);
        }
        await closePreview(page, preview, size.file);
        return opening.settled;
      };
      // Warm-up: each preview opened once (the built-in extension activates, Berth's renderer loads its grammars).
      for (const p of PREVIEWS) await oneRun(p, false)();
      await interleave(PREVIEWS.map((p) => ({ name: p.name, run: oneRun(p, true) })), HOST_RUNS);
      const [berth, builtin] = PREVIEWS;
      const openingRow = (what: string, pick: (o: Opened) => number) =>
        compare(`VS Code host: open preview → ${what}, ${size.label} document`, { name: berth.name, samplesMs: opened.get(berth.name)!.map(pick) }, { name: builtin.name, samplesMs: opened.get(builtin.name)!.map(pick) });
      rows.push(
        openingRow('first screen painted (the first heading is in the webview)', (o) => o.firstScreen),
        openingRow('end of the document in the webview (Berth: maybe still drafts)', (o) => o.endMarker),
        openingRow(`whole document rendered (the opening's last DOM change, then ${SETTLED_MS} ms quiet)`, (o) => o.settled),
        compare(
          `VS Code host: keystroke → preview updated, ${size.label} document (each preview's own debounce included)`,
          { name: berth.name, samplesMs: keys.get(berth.name)!.map((k) => k.total) },
          { name: builtin.name, samplesMs: keys.get(builtin.name)!.map((k) => k.total) },
        ),
      );
      const own = keys.get(berth.name)!;
      if (own.every((k) => k.arrival !== undefined && k.patch !== undefined)) {
        rows.push(
          stage(`VS Code host: keystroke → update message arrives in the webview (50 ms debounce, render, transport), ${size.label}`, { name: berth.name, samplesMs: own.map((k) => k.arrival!) }),
          stage(`VS Code host: parse + patch of the update in the webview, ${size.label}`, { name: berth.name, samplesMs: own.map((k) => k.patch!) }),
        );
      }
      await command(page, 'View: Revert and Close Editor');
    }
  } catch (error) {
    // What the window showed when it failed, for whoever reads the error.
    const shot = path.join(os.tmpdir(), `berth-docsRender-failure-${process.pid}.png`);
    if (await browser.page.screenshot({ path: shot }).then(() => true, () => false)) console.error(`the window at the failure: ${shot}`);
    throw error;
  } finally {
    await browser.close();
    await server.stop();
    host.removeRunDir(runDir);
  }
  return rows;
}

const HOST_ROWS = SIZES.flatMap((s) => [
  `VS Code host: open preview → first screen painted, ${s.label} document`,
  `VS Code host: open preview → whole document rendered, ${s.label} document`,
  `VS Code host: keystroke → preview updated, ${s.label} document`,
]);

async function main(): Promise<void> {
  if (!process.argv.includes('--host-only')) report(`Render alone, Berth's renderer next to bare markdown-it (${RUNS} runs each)`, await renderBench());
  const host: HostLib = await import(path.join(ROOT, 'scripts/lib/vscodeHost.mjs'));
  const missing = process.argv.includes('--no-host') ? 'run with --no-host' : vscodeHostMissing(host.SERVER_MAIN, host.CHROMIUM);
  if (missing) {
    report('Docs preview in the VS Code host', HOST_ROWS.map((m) => notRun(m, missing)));
    return;
  }
  report(`Docs preview in the real VS Code host: Berth next to the built-in Markdown preview (${HOST_RUNS} opens each, ${KEYSTROKES} keystrokes per open)`, await hostBench(host));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench failed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
