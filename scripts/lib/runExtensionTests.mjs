// Runs the e2e suite (out/test/e2e/index.js) inside a real VS Code extension host: the VS Code server with
// --enable-smoke-test-driver, its workbench in headless Chromium, the extension loaded from this folder as
// extensionDevelopmentPath. The exit code is the one VS Code reports through window.codeAutomationExit.
// usage: node scripts/lib/runExtensionTests.mjs [--grep PATTERN]   (a filter applies only when passed here)
import { cpSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { launchBrowser, makeRunDir, remoteUri, removeRunDir, startServer, workbenchUrl } from './vscodeHost.mjs';

const ROOT = resolve(new URL('../..', import.meta.url).pathname);

export async function runExtensionTests({ resultsFile, timeoutMs = 20 * 60 * 1000, grep } = {}) {
  const t0 = Date.now();
  const log = (...a) => console.log(`[e2e +${((Date.now() - t0) / 1000).toFixed(1)}s]`, ...a);
  const runDir = makeRunDir('e2e');
  const workspace = join(runDir, 'workspace');
  cpSync(join(ROOT, 'test/fixtures/workspace'), workspace, { recursive: true });
  const testsPath = join(ROOT, 'out/test/e2e/index.js');
  if (!existsSync(testsPath)) throw new Error(`${testsPath} missing: run the build first`);
  // Set explicitly (empty: no filter), so the host never inherits a filter from this process's environment.
  const env = { BERTH_TEST_RESULTS: resultsFile ?? '', BERTH_E2E_GREP: grep ?? '', BERTH_E2E_WORKSPACE: workspace };
  const server = await startServer({ runDir, smokeTestDriver: true, env });
  log(`VS Code server on ${server.baseUrl}`);
  const browser = await launchBrowser(runDir);
  // Stopped from outside (the runner's tier time limit, Ctrl-C): the host and Chromium go too.
  const onSignal = (signal) => {
    log(`${signal}: stopping the VS Code host`);
    Promise.allSettled([browser.close(), server.stop()]).then(() => {
      removeRunDir(runDir);
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    let report;
    const finished = new Promise((r) => (report = r));
    await browser.page.exposeFunction('codeAutomationExit', (code) => report(code));
    // Extension-host output (the mocha reporter, errors) reaches the page console as '%c INFO color: … text'.
    const noise = /connection token|Creating a socket|ChatSessionStore|builtin extensions cache|open-vsx\.org|ServiceWorker|vsda/;
    browser.page.on('console', (m) => {
      const text = m.text();
      if (process.env.BERTH_E2E_VERBOSE) console.log('  [console]', text);
      const match = /^%c\s*(INFO|WARN|ERR)\s+color: \S+ ?(.*)$/s.exec(text);
      if (match && !noise.test(match[2])) console.log(`  ${match[1] === 'INFO' ? '' : match[1] + ' '}${match[2]}`.trimEnd());
    });
    const payload = [
      ['extensionDevelopmentPath', remoteUri(server.baseUrl, ROOT)],
      ['extensionTestsPath', remoteUri(server.baseUrl, testsPath)],
    ];
    await browser.page.goto(workbenchUrl({ baseUrl: server.baseUrl, folder: workspace, payload }));
    const timer = new Promise((r) => setTimeout(() => r('timeout'), timeoutMs).unref());
    const code = await Promise.race([finished, timer]);
    if (code === 'timeout') {
      log(`TIMEOUT after ${timeoutMs / 1000} s waiting for the e2e suite`);
      return 124;
    }
    log(`suite finished with exit code ${code}`);
    return code;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await browser.close();
    await server.stop();
    removeRunDir(runDir);
  }
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const args = process.argv.slice(2);
  const at = args.findIndex((a) => a === '--grep' || a.startsWith('--grep='));
  const grep = at < 0 ? undefined : args[at].startsWith('--grep=') ? args[at].slice('--grep='.length) : args[at + 1];
  runExtensionTests({ resultsFile: process.env.BERTH_TEST_RESULTS, grep }).then(
    (code) => process.exit(code),
    (e) => { console.error(e); process.exit(1); },
  );
}
