// Workspace trust: in a folder the user does not trust, Build Image is offered nowhere (explorer menu,
// palette). On the installed .vsix, in Chromium; screenshots go to $BERTH_SHOTS.
import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Page } from 'playwright-core';
import { openWorkbench, type Workbench } from './workbench';

const SHOTS = process.env.BERTH_SHOTS ?? '/var/tmp/berth-shots';

describe('Build Image in an untrusted workspace (Playwright)', function () {
  let wb: Workbench;
  before(async function () {
    this.timeout(180000);
    wb = await openWorkbench('build-untrusted-ui', { trust: true });
  });
  after(async () => wb?.close());

  const shot = async (page: Page, name: string) => {
    fs.mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  };

  it('does not offer Build Image on the Dockerfile or in the palette', async () => {
    const { page } = wb;
    // VS Code asks whether to trust the folder's authors; the user says no (Restricted Mode).
    await page.getByRole('button', { name: /No, I don.t trust the authors/ }).click({ timeout: 60000 });
    await page.locator('.statusbar', { hasText: 'Restricted Mode' }).waitFor({ timeout: 30000 });

    const explorer = page.locator('.explorer-folders-view');
    const folderRow = explorer.locator('.monaco-list-row', { hasText: /^env$/ });
    await folderRow.click();
    const index = Number(await folderRow.getAttribute('data-index'));
    await explorer.locator(`.monaco-list-row[data-index="${index + 1}"][aria-label="Dockerfile"]`).click({ button: 'right' });
    const menu = page.locator('.monaco-menu');
    await menu.locator('.action-item', { hasText: 'Open to the Side' }).waitFor({ timeout: 30000 });
    await shot(page, 'build-untrusted-menu');
    assert.equal(await menu.locator('.action-item', { hasText: 'Build Image' }).count(), 0, 'Build Image is offered in Restricted Mode');
    await page.keyboard.press('Escape');

    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.fill('>Berth: Show Log');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Berth: Show Log' }).waitFor({ timeout: 30000 });
    await input.fill('>Berth: Build Image');
    // The list has been filtered once the Show Log row is gone.
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Berth: Show Log' }).waitFor({ state: 'detached', timeout: 30000 });
    await shot(page, 'build-untrusted-palette');
    assert.equal(await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Build Image' }).count(), 0, 'Build Image is in the palette in Restricted Mode');
  });
});
