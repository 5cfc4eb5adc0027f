// Knit, Export and the R kernel as a user meets them in the workbench (Playwright, the packaged .vsix, the real R and
// Pandoc images): Knit from the editor title opens the HTML beside its source, with the document's scripts off;
// Export to PDF reveals the file in the Explorer; an R notebook on "Berth: berth/r:latest (R)" draws a plot.
// Screenshots go to $BERTH_SHOTS/docs-build.
import { strict as assert } from 'assert';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as path from 'path';
import type { Frame, Page } from 'playwright-core';
import { eventually, openWorkbench, type Workbench } from './workbench';

const SHOTS = path.join(process.env.BERTH_SHOTS ?? '/var/tmp/berth-shots', 'docs-build');
const docker = new Docker({ socketPath: '/var/run/docker.sock' });
const until = <T>(probe: () => Promise<T | undefined>, what: string, ms = 180000): Promise<T> => eventually(probe, what, ms, 250);

async function command(page: Page, title: string): Promise<void> {
  await page.locator('.statusbar').click({ position: { x: 400, y: 5 } });
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first().click();
}

async function openFile(page: Page, name: string): Promise<void> {
  await page.locator('.statusbar').click({ position: { x: 400, y: 5 } });
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().click();
}

/** The frame of a webview whose document matches `test` (webviews are nested iframes that come and go). */
function frameWhere(page: Page, test: (f: Frame) => Promise<boolean>, what: string): Promise<Frame> {
  return until(async () => {
    for (const frame of page.frames()) if (await test(frame).catch(() => false)) return frame;
    return undefined;
  }, what);
}

describe('Knit, Export and the R kernel in the workbench (Playwright)', function () {
  this.timeout(600000);
  let wb: Workbench;
  const shot = async (name: string) => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await wb.page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };

  before(async function () {
    this.timeout(180000);
    wb = await openWorkbench('docs-build-ui', {
      settings: { 'workbench.colorTheme': 'Default Light Modern', 'notebook.kernelPicker.type': 'all', 'workbench.editor.enablePreview': false, 'remote.autoForwardPorts': false },
    });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await shot(`failed-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`);
  });
  after(async () => {
    const ours = await docker.listContainers({ all: true, filters: { label: ['berth.owner'] } });
    await wb?.close();
    for (const c of ours.filter((c) => (c.Labels['berth.document'] ?? c.Labels['berth.notebook'] ?? '').includes(wb?.workspace ?? '\0'))) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  });

  it('knits from the editor title: the HTML opens beside its source, its own scripts not running', async () => {
    const { page } = wb;
    await openFile(page, 'report.Rmd');
    await page.locator('.editor-actions [aria-label="Knit Document"]').first().click();
    const frame = await frameWhere(page, async (f) => (await f.locator('h1.title').textContent({ timeout: 500 })) === 'Kernel start-up report', 'the knitted report beside the editor');
    await until(async () => ((await frame.locator('img[src^="data:image/png"]').evaluate((img: HTMLImageElement) => img.naturalWidth)) > 0 ? true : undefined), 'the plot to load');
    // rmarkdown's HTML carries jQuery and Bootstrap's scripts: none of them ran.
    assert.equal(await frame.evaluate(() => typeof (window as unknown as { jQuery?: unknown }).jQuery), 'undefined');
    const tabs = await page.locator('.tabs-container .tab').allTextContents();
    assert.ok(tabs.some((t) => t.includes('report.html')) && tabs.some((t) => t.includes('report.Rmd')), `tabs: ${tabs.join(', ')}`);
    await page.locator('.notifications-toasts', { hasText: 'Knitted report.html' }).first().waitFor({ timeout: 30000 });
    await command(page, 'Notifications: Clear All Notifications');
    await shot('knitted-beside-source');
    // The output's title bar offers Open Externally once the output is the active editor.
    await page.locator('.tabs-container .tab', { hasText: 'report.html' }).first().click();
    await page.locator('.editor-actions [aria-label="Open Externally"]').first().waitFor({ timeout: 15000 });
  });

  it('exports Markdown to PDF and reveals the file in the Explorer', async () => {
    const { page } = wb;
    await openFile(page, 'paper.md');
    await command(page, 'Berth: Export Document…');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'PDF' }).first().click();
    const row = page.locator('.explorer-folders-view .monaco-list-row.selected', { hasText: 'paper.pdf' });
    await row.waitFor({ timeout: 180000 });
    await page.locator('.notifications-toasts', { hasText: 'Exported paper.pdf' }).first().waitFor({ timeout: 30000 });
    await shot('exported-pdf-revealed');
    assert.ok(fs.readFileSync(path.join(wb.workspace, 'research/paper.pdf')).subarray(0, 5).equals(Buffer.from('%PDF-')));
  });

  it('runs an R notebook on "Berth: berth/r:latest (R)" and shows the plot', async () => {
    const { page } = wb;
    await command(page, 'View: Close All Editors');
    await openFile(page, 'r-outputs.ipynb');
    // VS Code's kernel picker (the notebook toolbar's kernel button) lists the R kernel by name, under Berth's
    // kernel source when VS Code asks for the source first. The images are probed after the window opens: retry.
    const entry = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Berth: berth/r:latest (R)' }).first();
    await until(async () => {
      await page.locator('.notebook-toolbar-container:visible').getByText(/Select Kernel|Berth: /).first().click({ timeout: 60000 });
      const source = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Berth — Container Notebooks' }).first();
      await Promise.race([entry.waitFor({ timeout: 5000 }), source.waitFor({ timeout: 5000 })]).catch(() => undefined);
      if (!(await entry.isVisible()) && (await source.isVisible())) await source.click();
      if (await entry.waitFor({ timeout: 5000 }).then(() => true, () => false)) return true;
      await page.keyboard.press('Escape');
      return undefined;
    }, 'the R kernel in the kernel picker');
    await shot('r-kernel-picker');
    await entry.click();
    await page.locator('.notebook-toolbar-container:visible', { hasText: 'Berth: berth/r:latest (R)' }).first().waitFor({ timeout: 60000 });
    await page.locator('.notebook-toolbar-container:visible').getByText('Run All', { exact: true }).first().click();
    await page.locator('.statusbar-item', { hasText: 'berth/r:latest: idle' }).first().waitFor({ timeout: 120000 });
    // Outputs render as their cells scroll into view: scroll the way a user does (the wheel over the notebook).
    const cells = page.locator('.notebook-editor:visible .monaco-list').first();
    const viewport = page.viewportSize() ?? { width: 1400, height: 900 };
    /** The plot, loaded and wholly on screen. */
    const plotted = async () => {
      for (const f of page.frames()) {
        const img = f.locator('img[src^="data:image/png"], img[src^="blob:"]').first();
        const size = await img.evaluate((el: HTMLImageElement) => el.naturalWidth, undefined, { timeout: 500 }).catch(() => 0);
        const box = size > 0 ? await img.boundingBox({ timeout: 500 }).catch(() => null) : null;
        if (box && box.y > 100 && box.y + box.height < viewport.height - 30) return true;
      }
      return undefined;
    };
    await command(page, 'Notifications: Clear All Notifications');
    await until(async () => {
      if (await plotted()) return true;
      const box = await cells.boundingBox();
      if (box) {
        await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
        await page.mouse.wheel(0, 150);
      }
      return undefined;
    }, 'the plot output');
    await shot('r-kernel-plot');
    const texts = await Promise.all(page.frames().map((f) => f.locator('body').innerText({ timeout: 1000 }).catch(() => '')));
    assert.match(texts.join('\n'), /hello from R 4/);
  });
});
