// What a user does: right-click the workspace's Dockerfile in the explorer → Build Image → type a tag →
// the image shows up, selected, in the Images view. On the installed .vsix, in Chromium; screenshots go to
// $BERTH_SHOTS.
import { strict as assert } from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Docker from 'dockerode';
import type { Page } from 'playwright-core';
import { waitForNoBuildLeftovers } from '../../support/buildLeftovers';
import { openWorkbench, type Workbench } from './workbench';

const SHOTS = process.env.BERTH_SHOTS ?? '/var/tmp/berth-shots';
const TAG = `berth-ui/env:${process.pid}-${Date.now()}`;
const SLOW_TAG = `berth-ui/slow:${process.pid}-${Date.now()}`;
const SLOW_MARKER = `berth-ui-slow-${process.pid}-${Date.now()}`;

describe('Build Image in the workbench (Playwright)', function () {
  let wb: Workbench;
  before(async function () {
    this.timeout(180000);
    wb = await openWorkbench('build-ui');
  });
  after(async () => {
    await wb?.close();
    for (const tag of [TAG, SLOW_TAG]) {
      try {
        execFileSync('docker', ['image', 'rm', '--force', tag], { stdio: 'ignore' });
      } catch {
        // never built (the slow one must not be)
      }
    }
  });

  /** Right-clicks `folder/Dockerfile` in the explorer, picks Build Image and enters `tag`. */
  async function buildFromExplorer(page: Page, folder: string, tag: string, expectedPrefill: string, shotName?: string): Promise<void> {
    const explorer = page.locator('.explorer-folders-view');
    const folderRow = explorer.locator('.monaco-list-row', { hasText: new RegExp(`^${folder}$`) });
    await folderRow.click();
    // The folder's only file is the row right below it.
    const index = Number(await folderRow.getAttribute('data-index'));
    const dockerfile = explorer.locator(`.monaco-list-row[data-index="${index + 1}"][aria-label="Dockerfile"]`);
    const menuItem = page.locator('.monaco-menu .action-item', { hasText: 'Build Image' });
    // On a loaded machine the first right-click can land while the explorer is still re-rendering and open no
    // menu (or the menu of another row): close whatever opened and right-click again, until a deadline.
    const deadline = Date.now() + 90000;
    for (;;) {
      await dockerfile.click({ button: 'right' });
      const opened = await menuItem.waitFor({ timeout: 10000 }).then(() => true, () => false);
      if (opened) break;
      if (Date.now() > deadline) throw new Error('the explorer context menu never offered Build Image');
      await page.keyboard.press('Escape');
    }
    if (shotName) await shot(page, shotName);
    // A click right after the menu opens can be swallowed (the menu ignores the right-click's own mouse-up);
    // choosing the focused item with Enter is what a keyboard user does and is not timing-sensitive.
    await menuItem.hover();
    await page.locator('.monaco-menu .action-item.focused', { hasText: 'Build Image' }).waitFor({ timeout: 30000 });
    await page.keyboard.press('Enter');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 30000 });
    assert.equal(await input.inputValue(), expectedPrefill, 'the tag is prefilled from the folder name');
    await input.fill(tag);
  }

  const shot = async (page: Page, name: string) => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) await shot(wb.page, `build-failed-${this.currentTest.title.slice(0, 30).replace(/\W+/g, '-')}`);
  });

  it('builds the Dockerfile right-clicked in the explorer and shows the image in the Images view', async () => {
    const { page } = wb;
    await buildFromExplorer(page, 'env', TAG, 'env:latest', 'build-context-menu');
    await shot(page, 'build-tag-prompt');
    await page.locator('.quick-input-widget input').press('Enter');

    const images = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Images' }) });
    const row = images.locator('.monaco-list-row', { hasText: TAG });
    await row.waitFor({ timeout: 120000 });
    await page.locator('.notifications-toasts', { hasText: `Built ${TAG}` }).waitFor({ timeout: 30000 });
    await page.waitForFunction((tag) => document.querySelector('.monaco-list-row.selected')?.textContent?.includes(tag), TAG, { timeout: 30000 });
    await shot(page, 'build-done');
    assert.match((await row.textContent()) ?? '', /just now/);
  });

  it('shows the running step and the build in the Images view, and Cancel stops it without tagging', async () => {
    const { page, workspace } = wb;
    fs.mkdirSync(path.join(workspace, 'Slow Build'), { recursive: true });
    fs.writeFileSync(path.join(workspace, 'Slow Build', 'Dockerfile'), `FROM berth/debian-base:bookworm\nRUN sleep 300 && echo ${SLOW_MARKER}\n`);
    const since = Date.now();
    await page.locator('.activitybar [aria-label^="Explorer"]').first().click();
    await buildFromExplorer(page, 'Slow Build', SLOW_TAG, 'slow-build:latest');
    await page.locator('.quick-input-widget input').press('Enter');

    const toast = page.locator('.notification-toast', { hasText: `Building ${SLOW_TAG}` });
    await toast.getByText('Step 2/3: RUN sleep 300').waitFor({ timeout: 60000 });
    await page.locator('.activitybar [aria-label^="Berth"]').first().click();
    const images = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Images' }) });
    const building = images.locator('.monaco-list-row', { hasText: `Building ${SLOW_TAG}…` });
    await building.waitFor({ timeout: 30000 });
    assert.match((await building.textContent()) ?? '', /Step 2\/3/);
    await shot(page, 'build-running');

    await toast.getByRole('button', { name: 'Cancel' }).click();
    await building.waitFor({ state: 'detached', timeout: 30000 });
    await shot(page, 'build-cancelled');
    // The engine, not only the row: no tag, no build container, no image committed from the cancelled step.
    const docker = new Docker();
    const left = await waitForNoBuildLeftovers(docker, SLOW_MARKER, SLOW_TAG, since);
    for (const c of left.containers) await docker.getContainer(c.split(' ')[0]).remove({ force: true }).catch(() => undefined);
    assert.deepEqual(left, { containers: [], images: [], tagged: false }, 'the cancelled build left something on the engine');
  });

  it('remembers the tag per Dockerfile, offers Build Image in the editor title, and lists Dockerfiles in the palette', async () => {
    const { page } = wb;
    await page.locator('.activitybar [aria-label^="Explorer"]').first().click();
    const explorer = page.locator('.explorer-folders-view');
    const folderRow = explorer.locator('.monaco-list-row', { hasText: /^env$/ });
    const index = Number(await folderRow.getAttribute('data-index'));
    await explorer.locator(`.monaco-list-row[data-index="${index + 1}"][aria-label="Dockerfile"]`).dblclick();
    const titleAction = page.locator('.editor-actions .action-label[aria-label="Build Image"]');
    await titleAction.click({ timeout: 30000 });
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ timeout: 30000 });
    assert.equal(await input.inputValue(), TAG, 'the tag of the last build of env/Dockerfile');
    await shot(page, 'build-editor-title');
    await input.press('Escape');

    await page.keyboard.press('F1');
    await input.fill('>Berth: Build Image');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Berth: Build Image' }).click({ timeout: 30000 });
    const picks = page.locator('.quick-input-list .monaco-list-row');
    await picks.filter({ hasText: 'Slow Build/Dockerfile' }).waitFor({ timeout: 30000 });
    assert.match((await picks.first().textContent()) ?? '', /env\/Dockerfile.*active editor/, 'the active Dockerfile comes first');
    await shot(page, 'build-palette-pick');
    await input.press('Escape');
  });
});
