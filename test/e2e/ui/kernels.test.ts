// Container kernels as a user meets them in the workbench (Playwright, the packaged .vsix): the kernel picker lists
// "Berth: berth/python:latest"; a cell sets x = 42; the page reloads (a window reload) and `print(x)` in the same
// container prints 42; input() is answered in the input box; Run All renders every output kind; closing the
// notebooks leaves no container. Screenshots go to $BERTH_SHOTS.
import { strict as assert } from 'assert';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { eventually as pollUntil, openWorkbench, type Workbench } from './workbench';
import { berthKernelSelected, command, openNotebook, outputText, runCell } from './notebookUi';

const SHOTS = process.env.BERTH_SHOTS ?? '/var/tmp/berth-shots';
const docker = new Docker({ socketPath: '/var/run/docker.sock' });

/** Polls with a deadline (the workbench and the engine offer the test no events). */
const eventually = <T>(probe: () => Promise<T | undefined>, what: string, ms = 90000): Promise<T> => pollUntil(probe, what, ms, 300);

const waitForOutput = (page: Page, pattern: RegExp, what: string) => eventually(async () => ((pattern.test(await outputText(page))) ? true : undefined), what);

const containersOf = (notebook: string) =>
  docker.listContainers({ all: true, filters: { label: ['berth.kernel'] } }).then((list) => list.filter((c) => (c.Labels['berth.notebook'] ?? '').endsWith(`/notebooks/${notebook}`) && c.Labels['berth.notebook'].includes('kernels-ui')));

describe('Container kernels in the workbench (Playwright)', function () {
  this.timeout(600000);
  let wb: Workbench;
  const shot = async (name: string) => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await wb.page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };

  before(async function () {
    this.timeout(180000);
    wb = await openWorkbench('kernels-ui', { settings: { 'notebook.kernelPicker.type': 'all', 'workbench.editor.enablePreview': false, 'remote.autoForwardPorts': false } });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await shot(`kernels-failed-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`);
  });
  after(async () => {
    // Whatever happened, leave no container of this run behind.
    const ours = await docker.listContainers({ all: true, filters: { label: ['berth.kernel'] } });
    await wb?.close();
    for (const c of ours.filter((c) => (c.Labels['berth.notebook'] ?? '').includes(wb?.workspace ?? '\0'))) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
  });

  it('lists "Berth: berth/python:latest" in the kernel picker and selects it', async () => {
    const { page } = wb;
    await openNotebook(page, 'reload.ipynb');
    // The only kernel for a Jupyter notebook: VS Code selects it once the controller exists, and the toolbar says so.
    await berthKernelSelected(page);
    // The kernel button at the right of the notebook toolbar opens VS Code's kernel picker.
    await page.locator('.notebook-toolbar-container:visible').getByText(/Select Kernel|Berth: berth\/python:latest/).first().click();
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Berth: berth/python:latest' }).first();
    await row.waitFor({ timeout: 90000 });
    await shot('kernels-picker');
    await page.keyboard.press('Escape');
    await command(page, 'Berth: Select Container Kernel…');
    const row2 = page.locator('.quick-input-list .monaco-list-row', { hasText: 'Berth: berth/python:latest' }).first();
    await row2.waitFor({ timeout: 30000 });
    await shot('kernels-select-container-kernel');
    await row2.click();
    await berthKernelSelected(page);
  });

  it('keeps the kernel through a window reload: x set before is still 42 after', async () => {
    const { page } = wb;
    await runCell(page, 0);
    await waitForOutput(page, /x set/, 'the output of x = 42');
    const [before] = await eventually(async () => ((await containersOf('reload.ipynb')).length === 1 ? containersOf('reload.ipynb') : undefined), 'one kernel container');
    await shot('kernels-before-reload');

    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
    // The workbench restores the editor if it saved its layout before the reload; opening it again is what a user does otherwise.
    await openNotebook(page, 'reload.ipynb');
    await berthKernelSelected(page);
    await runCell(page, 1);
    await waitForOutput(page, /^42$/m, 'print(x) after the reload');
    await shot('kernels-after-reload');
    const after = await containersOf('reload.ipynb');
    assert.deepEqual(after.map((c) => c.Id), [before.Id], 'the reloaded window must re-attach to the same container');
  });

  it('answers input() through the input box', async () => {
    const { page } = wb;
    await openNotebook(page, 'input.ipynb');
    await berthKernelSelected(page);
    await runCell(page, 0);
    const box = page.locator('.quick-input-widget', { hasText: 'The kernel asks for input' });
    await box.waitFor({ timeout: 90000 });
    await page.locator('.quick-input-widget input').fill('Berth');
    await shot('kernels-input');
    await page.keyboard.press('Enter');
    await waitForOutput(page, /hello Berth/, 'the answer printed by the kernel');
  });

  it('renders every output kind after Run All', async () => {
    const { page } = wb;
    await openNotebook(page, 'outputs.ipynb', 'stderr');
    await berthKernelSelected(page);
    await command(page, 'Notebook: Run All');
    // Berth's status bar item shows the kernel; the checks below wait for each output themselves.
    await page.locator('.statusbar-item', { hasText: 'berth/python:latest: idle' }).first().waitFor({ timeout: 120000 });
    // Outputs render lazily as they scroll into view, some into shadow roots (markdown): Playwright's text locators
    // enter those, so check them screen by screen with locators. The MIME types of every kind are asserted in the
    // extension-host suite (test/e2e/suite/kernels.test.ts).
    const outputFrames = () => page.frames().filter((f) => f !== page.mainFrame());
    const shown = async (text: string) => (await Promise.all(outputFrames().map((f) => f.getByText(text).count().catch(() => 0)))).some((n) => n > 0);
    const seen = async (expected: string[]) => {
      for (const e of expected) await eventually(async () => ((await shown(e)) ? true : undefined), `the output "${e}"`);
      assert.equal(await shown('before clear'), false, 'clear_output(wait=True) left the old output');
      assert.equal(await shown("'version 1'"), false, 'update_display_data left the old display');
    };
    await seen(['hello stdout', 'hello stderr', '42', 'bold html', 'bold markdown']);
    await shot('kernels-outputs-1');
    // Scroll down the way a user does (the wheel over the notebook) until the last cell's error shows; outputs
    // render as their cells come into view, and stay rendered.
    const cells = page.locator('.notebook-editor:visible .monaco-list').first();
    await eventually(async () => {
      const box = await cells.boundingBox();
      if (!box) return undefined;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, 500);
      return (await shown('ZeroDivisionError')) ? true : undefined;
    }, 'the error output of the last cell');
    await seen(['after clear', "'version 2'", 'updated', 'ZeroDivisionError']);
    await shot('kernels-outputs-2');
  });

  it('closing the notebooks leaves no container', async () => {
    const { page } = wb;
    await command(page, 'File: Save All Files');
    await command(page, 'View: Close All Editors');
    await eventually(async () => ((await docker.listContainers({ all: true, filters: { label: ['berth.kernel'] } })).some((c) => (c.Labels['berth.notebook'] ?? '').includes(wb.workspace)) ? undefined : true), 'every kernel container of this workspace to be removed');
  });
});
