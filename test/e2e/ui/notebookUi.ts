// What the workbench tests do with a notebook the way a user does it: the command palette, Quick Open, running a
// cell, reading the outputs, picking a Berth kernel, reading the notifications. Shared by the notebook UI tests.
import type { Page } from 'playwright-core';
import { eventually } from './workbench';

/** Text shown in the notebook's output webviews (every frame but the workbench itself). */
export async function outputText(page: Page): Promise<string> {
  const texts = await Promise.all(page.frames().filter((f) => f !== page.mainFrame()).map((f) => f.locator('body').innerText({ timeout: 1000 }).catch(() => '')));
  return texts.join('\n');
}

/** Runs a command from the palette: exactly this title, not the first fuzzy match ("Execute Cell" also matches "Execute Above Cells"). */
export async function command(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first().click();
}

/** Opens a notebook with Quick Open and waits for a text in it, if given, else for its first cell editor, to show. */
export async function openNotebook(page: Page, name: string, firstText = ''): Promise<void> {
  await page.keyboard.press('Control+P');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first().waitFor();
  await page.keyboard.press('Enter');
  // A notebook opening on a rendered Markdown cell has no visible cell editor: then wait for its text instead.
  if (firstText) await page.locator('.notebook-editor:visible', { hasText: firstText }).first().waitFor({ timeout: 60000 });
  else await page.locator('.notebook-editor:visible .cell-editor-container').first().waitFor({ timeout: 60000 });
}

export async function runCell(page: Page, index = 0): Promise<void> {
  await page.locator('.notebook-editor:visible .cell-editor-container').nth(index).click();
  await command(page, 'Notebook: Execute Cell');
}

/**
 * The notebook's toolbar shows "Berth: IMAGE". VS Code selects a kernel by itself only when it is the only one; with
 * other kernel images on the engine (berth/r:latest is built by the provisioning) a newly opened notebook says
 * "Select Kernel", and the test picks it the way a user does, with Berth: Select Container Kernel…, which waits while
 * the images are still being probed after the window opened.
 */
export async function berthKernelSelected(page: Page, image = 'berth/python:latest', what = `Berth: ${image} selected for the notebook`): Promise<void> {
  const selected = page.locator('.notebook-toolbar-container:visible', { hasText: `Berth: ${image}` }).first();
  await page.locator('.notebook-toolbar-container:visible').first().waitFor({ timeout: 60000 });
  await eventually(
    async () => {
      if (await selected.isVisible()) return true;
      await command(page, 'Berth: Select Container Kernel…');
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: `Berth: ${image}` }).first();
      if (await row.waitFor({ timeout: 30000 }).then(() => true, () => false)) {
        await row.click();
        return (await selected.waitFor({ timeout: 15000 }).then(() => true, () => false)) || undefined;
      }
      await page.keyboard.press('Escape');
      return undefined;
    },
    what,
    120000,
    300,
  );
}

/** The text of every notification of the window (the notification center, opened and closed again). */
export async function notificationsText(page: Page): Promise<string> {
  await command(page, 'Notifications: Show Notifications');
  const center = page.locator('.notifications-center');
  await center.waitFor();
  const text = await center.innerText();
  await command(page, 'Notifications: Hide Notifications');
  return text;
}
