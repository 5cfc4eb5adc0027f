// Opens the real workbench for a Playwright test: installs the packaged .vsix (dist/berth.vsix, made by
// scripts/package.mjs) into a fresh VS Code host with the server's own CLI — proving the .vsix installs —,
// copies the fixture workspace, and opens it in headless Chromium.
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import type { BrowserContext, Page } from 'playwright-core';

const ROOT = path.resolve(__dirname, '../../../..');

interface HostLib {
  makeRunDir(prefix: string): string;
  installVsix(vsix: string, runDir: string): string;
  startServer(o: { runDir: string; trust?: boolean; settings?: Record<string, unknown>; env?: Record<string, string>; netns?: { name: string; address: string } }): Promise<{ baseUrl: string; stop(): Promise<void> }>;
  launchBrowser(runDir: string, o?: { colorScheme?: 'light' | 'dark' }): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }>;
  workbenchUrl(o: { baseUrl: string; folder?: string }): string;
  removeRunDir(runDir: string): void;
}

export interface Workbench {
  readonly page: Page;
  readonly workspace: string;
  readonly runDir: string;
  /** Serves the real Docker Engine on another unix socket (a stand-in for an engine that starts later). */
  proxyDockerSocket(socketPath: string): Promise<net.Server>;
  close(): Promise<void>;
}

export interface WorkbenchOptions {
  settings?: Record<string, unknown>;
  colorScheme?: 'light' | 'dark';
  trust?: boolean;
  /** Added to the VS Code server's environment (and so the extension host's). */
  env?: Record<string, string>;
  /** Run the server and its extension host in this network namespace (see startServer); the browser reaches it through a relay on 127.0.0.1. */
  netns?: { name: string; address: string };
}

/** Relays 127.0.0.1:PORT here to `target` (a server in a network namespace), so the browser's origin stays localhost (a secure context, as webviews need). */
function loopbackRelay(target: URL): Promise<net.Server> {
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    client.pipe(upstream).pipe(client);
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  return new Promise((resolve, reject) => server.listen(0, '127.0.0.1', () => resolve(server)).once('error', reject));
}

export async function openWorkbench(name: string, options: WorkbenchOptions = {}): Promise<Workbench> {
  // The host library is ESM shared with the runner scripts; Node 20 loads it from CommonJS with import().
  const host: HostLib = await import(path.join(ROOT, 'scripts/lib/vscodeHost.mjs'));
  const vsix = path.join(ROOT, 'dist/berth.vsix');
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} missing: run scripts/package.mjs`);
  const runDir = host.makeRunDir(name);
  host.installVsix(vsix, runDir);
  const workspace = path.join(runDir, 'workspace');
  fs.cpSync(path.join(ROOT, 'test/fixtures/workspace'), workspace, { recursive: true });
  // trust: workspace trust on (the user is asked whether to trust the folder); off by default.
  const server = await host.startServer({ runDir, settings: options.settings, trust: options.trust, env: options.env, netns: options.netns });
  const servers: net.Server[] = [];
  let baseUrl = server.baseUrl;
  if (options.netns) {
    const relay = await loopbackRelay(new URL(server.baseUrl));
    servers.push(relay);
    baseUrl = `http://127.0.0.1:${(relay.address() as net.AddressInfo).port}`;
  }
  const browser = await host.launchBrowser(runDir, { colorScheme: options.colorScheme });
  const page = browser.page;
  await page.goto(host.workbenchUrl({ baseUrl, folder: workspace }));
  await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
  return {
    page,
    workspace,
    runDir,
    proxyDockerSocket(socketPath) {
      const server = net.createServer((client) => {
        const engine = net.connect('/var/run/docker.sock');
        client.pipe(engine).pipe(client);
        const end = () => { client.destroy(); engine.destroy(); };
        client.on('error', end);
        engine.on('error', end);
      });
      servers.push(server);
      return new Promise((resolve, reject) => server.listen(socketPath, () => resolve(server)).once('error', reject));
    },
    async close() {
      servers.forEach((s) => s.close());
      await browser.close();
      await server.stop();
      host.removeRunDir(runDir);
    },
  };
}

/**
 * Polls `probe` until it returns a value, failing with `what` after `ms`. The workbench and its nested webview
 * frames offer a Playwright test no events, so UI tests wait on conditions this way; a probe that throws (a frame
 * that is being replaced) counts as not yet.
 */
export async function eventually<T>(probe: () => Promise<T | undefined>, what: string, ms = 30000, intervalMs = 100): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
