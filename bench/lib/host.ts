// What the benchmarks that drive the real VS Code host share: polling with a deadline, and the command palette.
import type { Page } from 'playwright-core';

/**
 * Polls `probe` every `pollMs` until it returns a value (a throw counts as not yet), failing after `ms`. Each
 * benchmark passes its own interval: it bounds how precisely a poll-timed interval is measured.
 */
export async function until<T>(probe: () => Promise<T | undefined>, what: string, ms: number, pollMs: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** Runs a command from the palette: exactly this title, not the first fuzzy match. */
export async function command(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  await page.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: exact }) }).first().click();
}
