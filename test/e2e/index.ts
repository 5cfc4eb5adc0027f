// The --extensionTestsPath entry: VS Code calls run() inside the extension host once the workbench is up.
import * as path from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runMocha } = require(path.resolve(__dirname, '../../../scripts/lib/mochaRun.cjs'));

export async function run(): Promise<void> {
  const result = await runMocha({
    dirs: [path.join(__dirname, 'suite')],
    timeout: 120000,
    // Set by scripts/lib/runExtensionTests.mjs from its --grep argument only (empty: every test).
    grep: process.env.BERTH_E2E_GREP || undefined,
  });
  if (result.failed + result.skipped > 0) {
    throw new Error(`${result.failed} e2e test(s) failed, ${result.skipped} skipped`);
  }
}
