// What a user sees: the packaged .vsix installed into a real VS Code host, the workbench in Chromium,
// the Berth activity-bar container and the Images view listing the default kernel image; then the
// "no Docker Engine" state and Retry, driven through the UI. Screenshots go to $BERTH_SHOTS.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { openWorkbench, type Workbench } from './workbench';

const SHOTS = process.env.BERTH_SHOTS ?? '/var/tmp/berth-shots';

describe('Images view in the workbench (Playwright)', function () {
  let wb: Workbench;
  before(async function () {
    this.timeout(180000);
    wb = await openWorkbench('images-ui');
  });
  after(async () => wb?.close());

  const shot = async (page: Page, name: string) => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };

  it('shows the Berth container and lists berth/python:latest in the Images view', async () => {
    const { page } = wb;
    await page.locator('.activitybar [aria-label^="Berth"]').first().click();
    const images = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Images' }) });
    await images.getByText('berth/python:latest', { exact: true }).waitFor({ timeout: 60000 });
    const row = images.locator('.monaco-list-row', { hasText: 'berth/python:latest' }).first();
    assert.match((await row.textContent()) ?? '', /MB ·/);
    await shot(page, 'images-view');
  });

  it('says when no Docker Engine answers, and Retry brings the images back', async () => {
    const { page, workspace } = wb;
    const settingsFile = path.join(workspace, '.vscode', 'settings.json');
    fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
    // Nothing listens on this socket yet; the test starts a proxy to the real engine there before Retry.
    const socket = path.join(wb.runDir, 'engine-later.sock');
    fs.writeFileSync(settingsFile, JSON.stringify({ 'berth.docker.host': `unix://${socket}` }));
    const images = page.locator('.pane', { has: page.locator('.pane-header', { hasText: 'Images' }) });
    await images.getByText('No Docker Engine answers').waitFor({ timeout: 30000 });
    await shot(page, 'images-no-engine');
    const proxy = await wb.proxyDockerSocket(socket);
    try {
      await images.getByRole('button', { name: 'Retry' }).click();
      await images.getByText('berth/python:latest', { exact: true }).waitFor({ timeout: 30000 });
    } finally {
      fs.writeFileSync(settingsFile, '{}');
      await images.getByText('berth/python:latest', { exact: true }).waitFor({ timeout: 30000 });
      proxy.close();
    }
  });
});
