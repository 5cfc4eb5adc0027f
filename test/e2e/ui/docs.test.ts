// What a user sees of the docs preview: the packaged .vsix in a real VS Code host, driven in Chromium. The
// sample R Markdown doc renders (table, code, math, an image from a sibling folder, a mermaid diagram, an R chunk)
// in a light and a dark theme; typing updates it in place; a relative link navigates; and a corpus of XSS
// payloads renders without any script running, while a nonce'd control script proves the detection works.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as http from 'http';
import type { AddressInfo } from 'net';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { XSS_CORPUS } from '../../unit/docs/xssCorpus';
import { eventually, openWorkbench, type Workbench } from './workbench';

const SHOTS = path.join(process.env.BERTH_SHOTS ?? '/var/tmp/berth-shots', 'docs');

async function shot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
}

/** Polls until `probe` returns a value; webviews are nested iframes that come and go with each page. */
const until = <T>(probe: () => Promise<T | undefined>, what: string, ms = 30000): Promise<T> => eventually(probe, what, ms, 100);

/** The preview's content frame (the inner iframe of the webview) once it shows a document matching `test`. */
function previewFrame(page: Page, test: (doc: string) => boolean, what: string, ms?: number): Promise<Frame> {
  return until(async () => {
    for (const frame of page.frames()) {
      const doc = await frame.evaluate(() => document.getElementById('berth-preview')?.dataset.document).catch(() => undefined);
      if (doc && test(doc)) return frame;
    }
    return undefined;
  }, what, ms);
}

async function openFile(page: Page, name: string): Promise<void> {
  // Keys typed while a webview has focus go to the webview; start from the workbench.
  await page.locator('.statusbar').click({ position: { x: 400, y: 5 } });
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().click();
  await page.locator(`.tabs-container .tab[aria-label^="${name}"]`).first().waitFor();
}

/** Scrolls the preview (not the workbench) so that the element is at the top, and waits for the frame to paint. */
async function scrollPreviewTo(frame: Frame, selector: string): Promise<void> {
  await frame.evaluate((sel) => new Promise<void>((resolve) => {
    document.querySelector(sel)?.scrollIntoView();
    requestAnimationFrame(() => requestAnimationFrame(() => resolve()));
  }), selector);
}

/** The first source line the (first) text editor shows, from Monaco's line numbers. */
async function editorTopLine(page: Page): Promise<number> {
  const numbers = await page.locator('.editor-instance .margin-view-overlays .line-numbers').allTextContents();
  return Math.min(...numbers.map(Number).filter((n) => n > 0));
}

/** The text of the (first) editor's rendered lines by line number (index 0 is line 1; lines not rendered are empty). */
function editorLines(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const editor = document.querySelector('.editor-instance')!;
    // Monaco positions each view line and its line number at the same `top`, in no particular DOM order.
    const numberAt = new Map<string, number>();
    for (const n of Array.from(editor.querySelectorAll('.margin-view-overlays .line-numbers'))) {
      numberAt.set((n.parentElement as HTMLElement).style.top, Number(n.textContent));
    }
    const lines: string[] = [];
    for (const line of Array.from(editor.querySelectorAll<HTMLElement>('.view-lines .view-line'))) {
      const n = numberAt.get(line.style.top);
      // Monaco renders spaces as no-break spaces.
      if (n) lines[n - 1] = (line.textContent ?? '').replace(/\u00a0/g, ' ');
    }
    return Array.from(lines, (l) => l ?? '');
  });
}

async function openPreviewFromTitle(page: Page): Promise<void> {
  await page.locator('.editor-actions [aria-label="Open Docs Preview to the Side"]').first().click();
}

/** The Docs view, expanded: opens the Berth container unless it shows already (a click on its icon would close it). */
async function showDocsView(page: Page) {
  const header = page.locator('.pane-header', { hasText: 'Docs' });
  if (!(await header.isVisible())) await page.locator('.activitybar [aria-label^="Berth"]').first().click();
  await header.waitFor();
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
  return page.locator('.pane', { has: header });
}

function setWorkspaceSettings(wb: Workbench, settings: Record<string, unknown>): void {
  const file = path.join(wb.workspace, '.vscode', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(settings));
}

describe('Docs preview in the workbench (Playwright)', function () {
  this.timeout(120000);
  let wb: Workbench;
  before(async function () {
    this.timeout(180000);
    wb = await openWorkbench('docs-ui', { settings: { 'workbench.colorTheme': 'Default Light Modern' } });
  });
  after(async () => wb?.close());

  it('renders the sample doc in a light theme: table, code, math, sibling image, mermaid, R chunk', async () => {
    const { page } = wb;
    await openFile(page, 'analysis.Rmd');
    await openPreviewFromTitle(page);
    const frame = await previewFrame(page, (d) => d.endsWith('/docs/analysis.Rmd'), 'the preview of analysis.Rmd');
    await frame.locator('.berth-mermaid-diagram svg').waitFor({ timeout: 30000 });
    await until(() => frame.evaluate(() => (document.querySelector('img[alt^="Stripes"]') as HTMLImageElement | null)?.naturalWidth || undefined), 'the sibling-folder image to load');
    const facts = await frame.evaluate(() => ({
      theme: document.body.className,
      tableCells: document.querySelectorAll('table:not(.berth-front-matter) td').length,
      rightAligned: getComputedStyle(document.querySelector('td.berth-align-right')!).textAlign,
      frontMatter: document.querySelector('.berth-front-matter')?.textContent,
      katexFont: getComputedStyle(document.querySelector('.katex')!).fontFamily,
      katexStrutHeight: (document.querySelector('.katex-display .strut') as HTMLElement | null)?.style.height,
      chunkHeader: document.querySelector('.berth-chunk-header')?.textContent,
      rKeyword: getComputedStyle(document.querySelector('.language-r .hljs-operator, .language-r .hljs-built_in')!).color,
      pythonKeyword: getComputedStyle(document.querySelector('.language-python .hljs-keyword')!).color,
      imageWidth: (document.querySelector('img[alt^="Stripes"]') as HTMLImageElement).naturalWidth,
      mermaidText: document.querySelector('.berth-mermaid-diagram svg')?.textContent,
      checkboxes: document.querySelectorAll('input.task-list-item-checkbox[disabled]').length,
    }));
    assert.match(facts.theme, /vscode-light/);
    assert.equal(facts.tableCells, 6);
    assert.equal(facts.rightAligned, 'right');
    assert.match(facts.frontMatter ?? '', /Kernel start-up analysis/);
    assert.match(facts.katexFont, /KaTeX_Main/);
    assert.match(facts.katexStrutHeight ?? '', /em$/, 'KaTeX layout applied through CSSOM');
    assert.match(facts.chunkHeader ?? '', /rsummaryecho=FALSEfig.width=6/);
    assert.notEqual(facts.pythonKeyword, 'rgb(0, 0, 0)', 'highlighted, not plain text');
    assert.equal(facts.imageWidth, 240);
    assert.match(facts.mermaidText ?? '', /Open notebook.*Pick kernel.*Start container/s);
    assert.equal(facts.checkboxes, 2);
    await shot(page, 'preview-light');
    await scrollPreviewTo(frame, '#flow');
    // Scroll sync, preview → editor: "## Flow" is line 30; the editor scrolls down as far as it can towards it.
    await until(async () => ((await editorTopLine(page)) >= 10 ? true : undefined), 'the editor to follow the preview');
    await shot(page, 'preview-light-diagram');
  });

  it('renders the same doc in a dark theme', async () => {
    const { page } = wb;
    const frame = await previewFrame(page, (d) => d.endsWith('/docs/analysis.Rmd'), 'the preview');
    const lightKeyword = await frame.evaluate(() => getComputedStyle(document.querySelector('.language-python .hljs-keyword')!).color);
    setWorkspaceSettings(wb, { 'workbench.colorTheme': 'Default Dark Modern' });
    await until(() => frame.evaluate(() => document.body.classList.contains('vscode-dark') || undefined), 'the dark theme in the webview');
    await frame.locator('.berth-mermaid-diagram svg').waitFor({ timeout: 30000 });
    const dark = await frame.evaluate(() => ({
      keyword: getComputedStyle(document.querySelector('.language-python .hljs-keyword')!).color,
      background: getComputedStyle(document.body).backgroundColor,
    }));
    assert.notEqual(dark.keyword, lightKeyword, 'code colours follow the theme');
    assert.equal(dark.background, 'rgb(31, 31, 31)');
    await scrollPreviewTo(frame, 'h1');
    await shot(page, 'preview-dark');
    await scrollPreviewTo(frame, '#flow');
    await shot(page, 'preview-dark-diagram');
    setWorkspaceSettings(wb, { 'workbench.colorTheme': 'Default Light Modern' });
    await until(() => frame.evaluate(() => document.body.classList.contains('vscode-light') || undefined), 'the light theme again');
  });

  it('updates the preview in place while typing', async () => {
    const { page } = wb;
    const frame = await previewFrame(page, (d) => d.endsWith('/docs/analysis.Rmd'), 'the preview');
    // A mark on an untouched block: if the page reloaded or the block was rebuilt, the mark would be gone.
    await frame.evaluate(() => {
      for (const el of Array.from(document.getElementById('berth-preview')!.children)) (el as HTMLElement & { berthMark?: boolean }).berthMark = true;
    });
    const editor = page.locator('.editor-instance .monaco-editor').first();
    await editor.click();
    await scrollPreviewTo(frame, 'h1');
    await until(async () => ((await editorTopLine(page)) <= 8 ? true : undefined), 'the editor to follow the preview up');
    await page.keyboard.press('Control+End');
    // Scroll sync, editor → preview: the editor jumped to the end, so the preview leaves the top.
    await until(() => frame.evaluate(() => (window.scrollY > 200 ? true : undefined)), 'the preview to follow the editor');
    await page.keyboard.type('\n\n## Typed live\n\nSome *new* text.\n');
    // The lines this test asserts on in the preview, as the editor holds them (a swallowed key shows up here).
    let held = '';
    await until(async () => {
      held = JSON.stringify((await editorLines(page)).slice(51, 57));
      return held === JSON.stringify(['', '', '## Typed live', '', 'Some *new* text.', '']) || undefined;
    }, 'the editor to hold the typed text', 15000).catch((e) => {
      throw new Error(`${(e as Error).message}; lines 52-57 are ${held}`);
    });
    // The last keystrokes' update: the paragraph after the new heading with its emphasis.
    await until(() => frame.evaluate(() => (document.querySelector('#typed-live + p em')?.textContent === 'new' ? true : undefined)), 'the typed paragraph', 15000);
    const rebuilt = await frame.evaluate(() =>
      Array.from(document.getElementById('berth-preview')!.children)
        .filter((el) => !(el as HTMLElement & { berthMark?: boolean }).berthMark)
        .map((el) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}@${el.getAttribute('data-line')}`),
    );
    // Only the blocks typed at the end are new; everything above (the diagram too) is the same DOM as before.
    assert.deepEqual(rebuilt, ['h2#typed-live@53', 'p@55'], 'unchanged blocks are kept, not re-rendered');
    await scrollPreviewTo(frame, '#results');
    await shot(page, 'preview-typed');
  });

  it('reveals the source line in the editor on a double-click in the preview', async () => {
    const { page } = wb;
    const frame = await previewFrame(page, (d) => d.endsWith('/docs/analysis.Rmd'), 'the preview');
    await frame.locator('#results').dblclick();
    // "## Results" is line 39 (1-based) of analysis.Rmd.
    const cursor = page.locator('[id="status.editor.selection"]');
    let last = '';
    await until(async () => {
      last = (await cursor.textContent()) ?? '';
      return /Ln 39, Col 1/.test(last) || undefined;
    }, 'the editor cursor on line 39', 15000).catch((e) => {
      throw new Error(`${(e as Error).message}; the status bar says "${last}"`);
    });
  });

  it('opens a linked source file in the editor, and navigates the preview on a link to another doc', async () => {
    const { page } = wb;
    const frame = await previewFrame(page, (d) => d.endsWith('/docs/analysis.Rmd'), 'the preview');
    await frame.locator('a[href="../env/Dockerfile"]').click();
    await page.locator('.tabs-container .tab[aria-label^="Dockerfile"]').first().waitFor({ timeout: 15000 });
    await frame.locator('a[href="guide.md"]').click();
    const guide = await previewFrame(page, (d) => d.endsWith('/docs/guide.md'), 'the preview of guide.md');
    assert.equal(await guide.locator('h1').textContent(), 'Guide');
    await page.locator('.tabs-container .tab[aria-label^="Preview guide.md"]').first().waitFor();
    await shot(page, 'preview-link-navigated');
  });

  it('opens nothing for a link it refuses, and no browser tab for any link', async () => {
    const { page } = wb;
    // Every page the browser opens from here on: VS Code's own webview link handling used to open the resolved
    // URL of a clicked link in a new tab (a 404 from the VS Code server for a refused or relative link).
    const opened: string[] = [];
    const onPage = (p: Page) => opened.push(p.url());
    page.context().on('page', onPage);
    try {
      fs.writeFileSync(path.join(wb.workspace, 'docs', 'links.md'), '# Links\n\n<a href="&#xA0;javascript:alert(1)">refused link</a>, [a doc](guide.md) and [a file](../env/Dockerfile).\n');
      // From the Docs view, which picks the new file up from the file watcher (Quick Open may not know it yet).
      await (await showDocsView(page)).locator('.monaco-list-row', { hasText: 'links.md' }).click();
      const frame = await previewFrame(page, (d) => d.endsWith('/docs/links.md'), 'the preview of links.md');
      await frame.locator('a', { hasText: 'refused link' }).click();
      await page.locator('.notifications-toasts', { hasText: 'this link does not open from the preview' }).first().waitFor({ timeout: 15000 });
      await shot(page, 'preview-refused-link');
      await frame.locator('a', { hasText: 'a file' }).click();
      await page.locator('.tabs-container .tab[aria-label^="Dockerfile"]').first().waitFor({ timeout: 15000 });
      await frame.locator('a', { hasText: 'a doc' }).click();
      await previewFrame(page, (d) => d.endsWith('/docs/guide.md'), 'the preview of guide.md');
      assert.deepEqual(opened, [], 'a click in the preview opened a browser tab');
    } finally {
      page.context().off('page', onPage);
    }
  });

  it('restores the preview after the window reloads', async () => {
    const { page } = wb;
    await previewFrame(page, (d) => d.endsWith('/docs/guide.md'), 'the preview of guide.md');
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    // The serializer brings the panel back with the document it showed: guide.md, reached by a link just before the
    // reload (VS Code's own saved panel state may still name links.md; Berth's workspace state does not). It then
    // follows the restored active editor, if that editor comes back after the panel.
    // A fresh window activates the extension first (the serializer's activation event): slow on a loaded machine.
    const restored = await previewFrame(page, (d) => /\/docs\/(guide\.md|analysis\.Rmd)$/.test(d), 'the restored preview', 90000).catch(async (error) => {
      // Say what the window shows instead: the previews' documents and the tabs.
      await shot(page, 'preview-restore-failed');
      const docs = await Promise.all(page.frames().map((f) => f.evaluate(() => document.getElementById('berth-preview')?.dataset.document).catch(() => undefined)));
      const tabs = await page.locator('.tabs-container .tab').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      throw new Error(`${(error as Error).message}; previews showing: ${JSON.stringify(docs.filter(Boolean))}; tabs: ${JSON.stringify(tabs)}`);
    });
    await restored.locator('h1').first().waitFor();
    await page.locator('.tabs-container .tab[aria-label^="Preview "]').first().waitFor();
    await shot(page, 'preview-restored-after-reload');
  });

  describe('security', () => {
    let server: http.Server;
    const requests: string[] = [];
    before(async () => {
      server = http.createServer((req, res) => {
        requests.push(req.url ?? '');
        res.end('logged');
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    });
    after(() => server?.close());

    it('renders the XSS corpus without running any of it, while a nonce\'d control script does run', async () => {
      const { page } = wb;
      const port = (server.address() as AddressInfo).port;
      const beacon = `http://127.0.0.1:${port}`;
      const console: string[] = [];
      page.on('console', (m) => console.push(m.text()));
      const extra = [
        `<img src="${beacon}/img-http">`,
        `<script>console.log('PWNED-script'); document.title = 'pwned'; fetch('${beacon}/fetch')</script>`,
        `<img src=x onerror="console.log('PWNED-onerror'); new Image().src='${beacon}/onerror'">`,
        `<svg><script>console.log('PWNED-svg'); parent.postMessage({type: 'openLink', href: '${beacon}/postmessage'}, '*')</script></svg>`,
        `[click](javascript:console.log('PWNED-link'))`,
      ];
      const doc = ['# XSS corpus', '', ...[...XSS_CORPUS.filter((c) => !c.swallowsRest).map((c) => c.payload), ...extra].flatMap((p) => [p, '']),
        ...XSS_CORPUS.filter((c) => c.swallowsRest).flatMap((c) => ['## next', '', c.payload, '']), '# Corpus end', ''].join('\n');
      fs.writeFileSync(path.join(wb.workspace, 'docs', 'xss.md'), doc);
      // Open it from the Docs view, which picked the new file up from the file watcher.
      await (await showDocsView(page)).locator('.monaco-list-row', { hasText: 'xss.md' }).click();
      await shot(page, 'docs-view');
      const frame = await previewFrame(page, (d) => d.endsWith('/docs/xss.md'), 'the preview of xss.md');
      await frame.locator('h1#xss-corpus').waitFor();
      // Click every link the corpus left without a web address: a surviving javascript: URL would run on click.
      const inert = frame.locator('#berth-preview a:not([href^="http"])');
      const count = await inert.count();
      for (let i = 0; i < count; i++) await inert.nth(i).click();
      // The one web link goes to VS Code, which asks before opening it; the test declines.
      await frame.locator('#berth-preview a[href="https://ok.test/"]').click();
      const prompt = page.locator('.monaco-dialog-box', { hasText: 'https://ok.test/' });
      await prompt.waitFor({ timeout: 15000 });
      await shot(page, 'preview-external-link-prompt');
      await prompt.getByRole('button', { name: 'Cancel' }).click();
      await prompt.waitFor({ state: 'hidden' });

      const dom = await frame.evaluate(() => ({
        scripts: Array.from(document.scripts).map((s) => s.getAttribute('src') ?? `inline: ${s.textContent?.slice(0, 300)}`),
        handlers: Array.from(document.querySelectorAll('#berth-preview *')).flatMap((el) => Array.from(el.attributes).filter((a) => a.name.startsWith('on')).map((a) => `${el.tagName}[${a.name}]`)),
        frames: document.querySelectorAll('iframe, object, embed').length,
        styled: Array.from(document.querySelectorAll('#berth-preview [style]')).filter((el) => el.getAttribute('style')?.trim()).map((el) => el.outerHTML.slice(0, 200)),
        title: document.title,
      }));
      // VS Code itself injects one inline script into every webview: the acquireVsCodeApi bootstrap.
      const foreign = dom.scripts.filter((s) => !/\/media\/docs\/preview\.js$/.test(s) && !/^inline: [\s\S]*acquireVsCodeApi/.test(s));
      assert.deepEqual(foreign, [], 'only the preview script and VS Code\'s bootstrap are on the page');
      assert.deepEqual(dom.handlers, []);
      assert.equal(dom.frames, 0);
      assert.deepEqual(dom.styled, []);

      // Control: a script that carries the page's nonce runs, and the channels below see it.
      await frame.evaluate(() => {
        const script = document.createElement('script');
        script.nonce = (document.querySelector('script[nonce]') as HTMLScriptElement).nonce;
        script.textContent = "window.__control = 1; console.log('CONTROL-RAN');";
        document.body.appendChild(script);
        const unsigned = document.createElement('script');
        unsigned.textContent = "window.__unsigned = 1; console.log('PWNED-unsigned');";
        document.body.appendChild(unsigned);
      });
      await until(async () => (console.some((l) => l.includes('CONTROL-RAN')) ? true : undefined), 'the control script to log');
      const globals = await frame.evaluate(() => ({
        control: (window as unknown as Record<string, unknown>).__control,
        unsigned: (window as unknown as Record<string, unknown>).__unsigned,
        pwned: (window as unknown as Record<string, unknown>).__pwned,
        title: document.title,
      }));
      assert.equal(globals.control, 1, 'the nonce\'d control script ran: the checks below can see a script that runs');
      assert.equal(globals.unsigned, undefined, 'a script without the nonce is blocked by the CSP');
      assert.equal(globals.pwned, undefined);
      assert.notEqual(globals.title, 'pwned');
      for (const f of page.frames()) {
        const pwned = await f.evaluate(() => (window as unknown as Record<string, unknown>).__pwned).catch(() => undefined);
        assert.equal(pwned, undefined, `window.__pwned set in ${f.url()}`);
      }
      assert.deepEqual(console.filter((l) => l.includes('PWNED')), []);
      assert.deepEqual(requests, [], 'no payload reached the beacon server');
      assert.notEqual(await page.title(), 'pwned');
      await shot(page, 'preview-xss-corpus');
    });
  });
});
