// `npm run test:desktop`: the same e2e suite (out/test/e2e) in desktop VS Code through @vscode/test-electron,
// for machines that can download VS Code. (This project's CI machines cannot; they use the VS Code server.)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: ROOT, stdio: 'inherit' });
if (build.status !== 0) process.exit(1);
const workspace = join(mkdtempSync(join(tmpdir(), 'berth-desktop-')), 'workspace');
cpSync(join(ROOT, 'test/fixtures/workspace'), workspace, { recursive: true });
try {
  await runTests({
    version: '1.100.3',
    extensionDevelopmentPath: ROOT,
    extensionTestsPath: join(ROOT, 'out/test/e2e/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { BERTH_E2E_WORKSPACE: workspace },
  });
} catch (error) {
  console.error(`desktop e2e failed: ${error.message}`);
  process.exit(1);
}
