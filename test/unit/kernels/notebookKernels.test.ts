import { strict as assert } from 'assert';
import { BerthError, CancelledError } from '../../../src/core/common/errors';
import { Emitter } from '../../../src/core/common/event';
import type { ImageProbe, KernelConnector, KernelSession, KernelStatus, KernelTarget, LaunchOptions, LaunchProgress, RunningKernelInfo, RunningServer, ServerHandle, ServerLauncher } from '../../../src/core/kernels/api';
import { NotebookKernels, type KernelSourceRef, type NotebookKernelsUi, type StartProgressTask } from '../../../src/core/kernels/notebookKernels';

const KEY = 'file:///w/n.ipynb';
const owner = { kind: 'vscode', id: 'window-1', pid: 1 };
const docker: KernelTarget = { kind: 'docker', image: 'img:1', kernelspec: 'python3' };
const probe: ImageProbe = { imageId: 'sha256:img1', serverCommand: ['jupyter-server'], kernelspecs: [{ name: 'python3', displayName: 'Python 3', language: 'python' }] };
const source: KernelSourceRef = { id: 'docker:img:1:python3', reference: 'img:1', target: docker, probe };
const other: KernelSourceRef = { id: 'docker:img:2:python3', reference: 'img:2', target: { ...docker, image: 'img:2' } };
const options: LaunchOptions = { notebookKey: KEY, env: {}, extraMounts: [], owner, keepAlive: false };

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

class FakeServer implements ServerHandle {
  readonly baseUrl = 'http://127.0.0.1:1';
  readonly token = 'secret';
  readonly startedAtMs = 1;
  readonly exit = new Emitter<{ reason: string }>();
  readonly onDidExit = this.exit.event;
  disposed = 0;
  constructor(
    readonly resourceId: string,
    readonly target: KernelTarget = docker,
  ) {}
  logTail = async () => '';
  followLogs = () => ({ dispose() {} });
  async dispose(): Promise<void> {
    this.disposed++;
  }
}

class FakeSession implements KernelSession {
  status: KernelStatus = 'idle';
  readonly statusChanged = new Emitter<KernelStatus>();
  readonly onDidChangeStatus = this.statusChanged.event;
  shutdowns = 0;
  restarts = 0;
  disposed = 0;
  /** What shutdown() does; default: ends the kernel and disposes the server, as the real session does. */
  shutdownImpl: () => Promise<void> = () => this.server.dispose();
  constructor(
    readonly server: FakeServer,
    readonly kernelId = `kernel-of-${server.resourceId}`,
  ) {}
  execute = async () => ({ status: 'ok' as const });
  interrupt = async () => {};
  async restart(): Promise<void> {
    this.restarts++;
    this.setStatus('restarting');
    this.setStatus('idle');
  }
  shutdown(): Promise<void> {
    this.shutdowns++;
    return this.shutdownImpl();
  }
  dispose(): void {
    this.disposed++;
  }
  setStatus(status: KernelStatus): void {
    this.status = status;
    this.statusChanged.fire(status);
  }
}

/** A launcher whose starts the test can hold; each start makes a new server. */
class FakeLauncher implements ServerLauncher {
  readonly servers: FakeServer[] = [];
  readonly startOptions: LaunchOptions[] = [];
  running: RunningServer[] = [];
  gate?: Promise<void>;
  lastSignal?: AbortSignal;
  /** Errors the next starts fail with, before they make a server. */
  failures: Error[] = [];
  probe = async (): Promise<ImageProbe> => assert.fail('the lifecycle never probes');
  async start(target: KernelTarget, opts: LaunchOptions, signal: AbortSignal, onProgress: (p: LaunchProgress) => void): Promise<ServerHandle> {
    this.startOptions.push(opts);
    this.lastSignal = signal;
    const failure = this.failures.shift();
    if (failure) throw failure;
    onProgress({ stage: 'creating-container', message: `Creating a container from ${target.image}` });
    const server = new FakeServer(`c${this.servers.length + 1}`, target);
    this.servers.push(server);
    await this.gate;
    return server;
  }
  listRunning = async () => this.running;
}

class FakeConnector implements KernelConnector {
  readonly sessions: FakeSession[] = [];
  kernels: RunningKernelInfo[] = [];
  connected: string[] = [];
  /** When set, startKernel waits for it (ignoring the signal, as a kernel start that already went out does). */
  gate?: Promise<void>;
  async startKernel(server: ServerHandle): Promise<KernelSession> {
    await this.gate;
    const session = new FakeSession(server as FakeServer);
    this.sessions.push(session);
    return session;
  }
  listKernels = async () => this.kernels;
  async connectKernel(server: ServerHandle, kernelId: string): Promise<KernelSession> {
    this.connected.push(kernelId);
    const session = new FakeSession(server as FakeServer, kernelId);
    this.sessions.push(session);
    return session;
  }
}

class FakeTokens {
  readonly saved = new Map<string, string>();
  failSet = false;
  gate?: Promise<void>;
  async get(id: string) {
    return this.saved.get(id);
  }
  async set(id: string, token: string) {
    await this.gate;
    if (this.failSet) throw new BerthError('the keyring is locked');
    this.saved.set(id, token);
  }
  async delete(id: string) {
    this.saved.delete(id);
  }
}

function setup(over: { trusted?: boolean; shutdownGraceMs?: number; open?: boolean } = {}) {
  const launcher = new FakeLauncher();
  const connector = new FakeConnector();
  const tokens = new FakeTokens();
  const cancel = new AbortController();
  const titles: string[] = [];
  /** Each start progress shown: its task, what it reported, and its own Cancel (the shared `cancel` presses them all). */
  const shown: { task: StartProgressTask; reported: string[]; cancel: AbortController }[] = [];
  const deaths: { what: string; restart: () => Promise<void> }[] = [];
  const fresh: string[] = [];
  const ui: NotebookKernelsUi<KernelSourceRef> = {
    withStartProgress: (task, run) => {
      titles.push(task.title);
      const one = { task, reported: [] as string[], cancel: new AbortController() };
      shown.push(one);
      if (cancel.signal.aborted) one.cancel.abort();
      cancel.signal.addEventListener('abort', () => one.cancel.abort());
      return run((p) => one.reported.push(p.message), one.cancel.signal);
    },
    withAttachProgress: (title, run) => (titles.push(title), run()),
    checkTrust: () => {
      if (over.trusted === false) throw new BerthError('untrusted');
    },
    announceDeath: (_kernel, what, restart) => deaths.push({ what, restart }),
  };
  let open = over.open ?? true;
  const kernels = new NotebookKernels<KernelSourceRef>({
    launchers: { docker: launcher },
    connector,
    ui,
    log: { trace() {}, debug() {}, info() {}, warn() {}, error() {} },
    tokens,
    owner,
    resumeOwnServers: true,
    launchOptions: () => (open ? options : undefined),
    shutdownGraceMs: over.shutdownGraceMs,
    onDidStartFresh: (_key, _source, _options, handle) => fresh.push(handle.resourceId),
  });
  return { kernels, launcher, connector, tokens, cancel, titles, shown, deaths, fresh, close: () => (open = false) };
}

function runningServer(server: FakeServer, over: Partial<RunningServer> = {}): RunningServer & { attachedWith: (string | undefined)[] } {
  const attachedWith: (string | undefined)[] = [];
  return {
    resourceId: server.resourceId,
    target: server.target,
    notebookKey: KEY,
    owner,
    keepAlive: false,
    running: true,
    startedAtMs: 0,
    attachedWith,
    attach: async (token?: string) => (attachedWith.push(token), server),
    remove: async () => {},
    ...over,
  };
}

describe('NotebookKernels (the kernel lifecycle the controller and the CLI share)', () => {
  it('starts one kernel for concurrent session() calls of a notebook', async () => {
    const { kernels, launcher, connector } = setup();
    const [a, b] = await Promise.all([kernels.session(KEY, source), kernels.session(KEY, source)]);
    assert.equal(a, b);
    assert.equal(launcher.servers.length, 1);
    assert.equal(connector.sessions.length, 1);
    assert.equal(await kernels.session(KEY, source), a);
    assert.equal(kernels.get(KEY)?.state, 'idle');
  });

  it('hands the source\'s probe to start(), so the launcher does not probe again', async () => {
    const { kernels, launcher } = setup();
    await kernels.session(KEY, source);
    assert.equal(launcher.startOptions[0].probe, probe);
  });

  it('shuts the old kernel down before it starts one for a different source, also when asked twice at once', async () => {
    const { kernels, launcher, connector } = setup();
    const first = (await kernels.session(KEY, source)) as FakeSession;
    const shutDownBeforeNextStart: boolean[] = [];
    const start = launcher.start.bind(launcher);
    launcher.start = (...args) => (shutDownBeforeNextStart.push(first.shutdowns === 1 && first.server.disposed > 0), start(...args));
    const [a, b] = await Promise.all([kernels.session(KEY, other), kernels.session(KEY, other)]);
    assert.equal(a, b);
    assert.deepEqual(shutDownBeforeNextStart, [true]);
    assert.equal(connector.sessions.length, 2);
    assert.equal(kernels.get(KEY)?.source, other);
  });

  it('disposes the server when the user cancels during the start, and forgets the notebook', async () => {
    const { kernels, launcher, connector, cancel } = setup();
    const gate = deferred<void>();
    connector.gate = gate.promise;
    const started = kernels.session(KEY, source);
    await until(() => launcher.servers.length === 1);
    cancel.abort();
    assert.ok(launcher.lastSignal?.aborted, 'the launch was not told to stop');
    gate.resolve();
    await assert.rejects(started, CancelledError);
    assert.ok(launcher.servers[0].disposed > 0, 'the server was left running');
    assert.equal(kernels.get(KEY), undefined);
  });

  it('shuts a kernel down that finishes starting after the notebook was shut down', async () => {
    const { kernels, launcher, connector, tokens } = setup();
    const gate = deferred<void>();
    connector.gate = gate.promise;
    const started = kernels.session(KEY, source);
    await until(() => launcher.servers.length === 1);
    await kernels.shutdown(KEY);
    gate.resolve();
    await assert.rejects(started);
    await until(() => launcher.servers[0].disposed > 0);
    assert.equal(connector.sessions[0].shutdowns, 1);
    await until(() => !tokens.saved.has('c1'));
    assert.equal(kernels.get(KEY), undefined);
  });

  it('shuts down the kernel it was handed after the notebook was shut down, once the start is past cancelling', async () => {
    const { kernels, launcher, connector, tokens } = setup();
    const gate = deferred<void>();
    tokens.gate = gate.promise;
    const started = kernels.session(KEY, source);
    await until(() => connector.sessions.length === 1);
    await kernels.shutdown(KEY);
    gate.resolve();
    await assert.rejects(started, /shut down while it started/);
    await until(() => !tokens.saved.has('c1') && launcher.servers[0].disposed > 0);
    assert.equal(connector.sessions[0].shutdowns, 1);
    assert.equal(kernels.get(KEY), undefined);
  });

  it('disconnects, but keeps the server of, a kernel that finishes starting after the notebook was detached', async () => {
    const { kernels, launcher, connector, tokens } = setup();
    const gate = deferred<void>();
    connector.gate = gate.promise;
    const started = kernels.session(KEY, source);
    await until(() => launcher.servers.length === 1);
    kernels.detach(KEY);
    gate.resolve();
    await assert.rejects(started, /shut down while it started/);
    assert.equal(connector.sessions[0].disposed, 1);
    assert.equal(connector.sessions[0].shutdowns, 0);
    assert.equal(launcher.servers[0].disposed, 0);
    assert.equal(tokens.saved.get('c1'), 'secret', 'a later window could not re-attach without the token');
  });

  it('removes a server that went away and starts a new one on the next session()', async () => {
    const { kernels, launcher, deaths, tokens } = setup();
    const first = (await kernels.session(KEY, source)) as FakeSession;
    first.server.exit.fire({ reason: 'killed' });
    assert.equal(kernels.get(KEY)?.state, 'dead');
    assert.deepEqual(deaths.map((d) => d.what), ["The kernel's container is gone (killed)"]);
    const second = await kernels.session(KEY, source);
    assert.notEqual(second, first);
    assert.equal(launcher.servers.length, 2);
    assert.ok(first.server.disposed > 0, 'the old container was not removed');
    assert.equal(tokens.saved.has('c1'), false);
    assert.equal(tokens.saved.get('c2'), 'secret');
  });

  it('refuses to run on a dead kernel with a clear message until it is restarted, and tells the death once', async () => {
    const { kernels, deaths } = setup();
    const session = (await kernels.session(KEY, source)) as FakeSession;
    session.setStatus('dead');
    kernels.announceDeath(KEY, 'The kernel died');
    assert.equal(deaths.length, 1);
    await assert.rejects(kernels.session(KEY, source), (e: unknown) => e instanceof BerthError && /Restart it/.test(e.message));
    await deaths[0].restart();
    assert.equal(session.restarts, 1);
    assert.equal(await kernels.session(KEY, source), session);
  });

  it('restarts the kernel on the same server while the server runs', async () => {
    const { kernels, launcher, titles } = setup();
    const session = (await kernels.session(KEY, source)) as FakeSession;
    await kernels.restart(KEY);
    assert.equal(session.restarts, 1);
    assert.equal(launcher.servers.length, 1);
    assert.equal(titles[titles.length - 1], 'Berth: restarting the kernel (img:1)');
  });

  it('restarts on a new server when the server is gone, and only while the notebook is open', async () => {
    const { kernels, launcher, close } = setup();
    const first = (await kernels.session(KEY, source)) as FakeSession;
    first.server.exit.fire({ reason: 'removed' });
    await kernels.restart(KEY);
    assert.equal(launcher.servers.length, 2);
    assert.equal(first.restarts, 0);
    assert.equal(kernels.get(KEY)?.resourceId, 'c2');
    const second = (await kernels.session(KEY, source)) as FakeSession;
    second.server.exit.fire({ reason: 'removed' });
    close();
    await kernels.restart(KEY);
    assert.equal(launcher.servers.length, 2);
    assert.equal(kernels.get(KEY), undefined);
  });

  it('says so when asked to restart a notebook without a kernel', async () => {
    const { kernels } = setup();
    await assert.rejects(kernels.restart(KEY), /No Berth kernel runs for this notebook/);
  });

  it('removes the server and forgets its token when the kernel does not answer the shutdown request', async () => {
    const { kernels, tokens } = setup({ shutdownGraceMs: 1 });
    const session = (await kernels.session(KEY, source)) as FakeSession;
    session.shutdownImpl = () => new Promise<void>(() => {});
    assert.equal(tokens.saved.get('c1'), 'secret');
    await kernels.shutdown(KEY);
    assert.equal(session.disposed, 1);
    assert.equal(session.server.disposed, 1);
    assert.equal(tokens.saved.has('c1'), false);
    assert.equal(kernels.get(KEY), undefined);
  });

  it('re-attaches to the running kernel of the notebook\'s kernelspec, with the stored token', async () => {
    const { kernels, launcher, connector, tokens, titles } = setup();
    const server = new FakeServer('left-running');
    const running = runningServer(server);
    launcher.running = [runningServer(new FakeServer('another-window'), { owner: { ...owner, id: 'window-2' } }), running];
    tokens.saved.set('left-running', 'stored');
    connector.kernels = [
      { id: 'k-r', name: 'ir', executionState: 'idle' },
      { id: 'k-py', name: 'python3', executionState: 'idle' },
    ];
    await kernels.reattachIfRunning(KEY, source);
    assert.deepEqual(running.attachedWith, ['stored']);
    assert.deepEqual(connector.connected, ['k-py']);
    assert.equal(launcher.servers.length, 0, 'a new server was started');
    assert.equal(kernels.get(KEY)?.resourceId, 'left-running');
    assert.equal(titles[0], 'Berth: re-attaching to img:1');
  });

  it('re-attaches instead of starting when the first run finds the server this owner left running', async () => {
    const { kernels, launcher, connector } = setup();
    launcher.running = [runningServer(new FakeServer('left-running'))];
    connector.kernels = [{ id: 'k-py', name: 'python3', executionState: 'idle' }];
    const session = await kernels.session(KEY, source);
    assert.equal(session.kernelId, 'k-py');
    assert.equal(launcher.servers.length, 0);
  });

  it('does not re-attach to a server of another image', async () => {
    const { kernels, launcher } = setup();
    launcher.running = [runningServer(new FakeServer('left-running', { ...docker, image: 'img:2' }))];
    await kernels.reattachIfRunning(KEY, source);
    assert.equal(kernels.get(KEY), undefined);
  });

  it('shuts down and removes a kernel whose token cannot be stored, and passes the error on', async () => {
    const { kernels, launcher, connector, tokens } = setup();
    tokens.failSet = true;
    await assert.rejects(kernels.session(KEY, source), /keyring is locked/);
    assert.equal(connector.sessions[0].shutdowns, 1);
    assert.ok(launcher.servers[0].disposed > 0);
    assert.equal(kernels.get(KEY), undefined);
  });

  it('starts nothing where the trust gate refuses', async () => {
    const { kernels, launcher } = setup({ trusted: false });
    await assert.rejects(kernels.session(KEY, source), /untrusted/);
    assert.equal(launcher.servers.length, 0);
    assert.equal(kernels.get(KEY), undefined);
  });

  it('fires onDidChange as a kernel starts, changes state and ends', async () => {
    const { kernels } = setup();
    const states: (string | undefined)[] = [];
    kernels.onDidChange(() => states.push(kernels.get(KEY)?.state));
    const session = (await kernels.session(KEY, source)) as FakeSession;
    session.setStatus('busy');
    await kernels.shutdown(KEY);
    assert.deepEqual(states, ['launching', 'idle', 'busy', undefined]);
  });
});

describe('NotebookKernels.prestart (the kernel started when a notebook opens, before any run)', () => {
  it('starts quietly, and the first run uses that kernel without starting another', async () => {
    const { kernels, launcher, connector, shown } = setup();
    await kernels.prestart(KEY, source);
    assert.equal(kernels.get(KEY)?.state, 'idle');
    assert.deepEqual(shown.map((s) => s.task.quiet), [true]);
    const session = await kernels.session(KEY, source);
    assert.equal(session, connector.sessions[0]);
    assert.equal(launcher.servers.length, 1);
    assert.equal(shown.length, 1, 'the run showed a start of its own');
  });

  it('holds the environment record back until a run uses the kernel', async () => {
    const { kernels, fresh } = setup();
    await kernels.prestart(KEY, source);
    assert.deepEqual(fresh, []);
    await kernels.session(KEY, source);
    await kernels.session(KEY, source);
    assert.deepEqual(fresh, ['c1']);
  });

  it('counts the kernel as unused until a run takes it', async () => {
    const { kernels } = setup();
    await kernels.prestart(KEY, source);
    assert.equal(kernels.get(KEY)?.unused, true);
    await kernels.session(KEY, source);
    assert.equal(kernels.get(KEY)?.unused, false);
  });

  it('shows a run that comes during the pre-start a normal start, with the progress so far', async () => {
    const { kernels, launcher, connector, shown } = setup();
    const gate = deferred<void>();
    connector.gate = gate.promise;
    const pre = kernels.prestart(KEY, source);
    await until(() => launcher.servers.length === 1);
    const run = kernels.session(KEY, source);
    assert.equal(shown.length, 2);
    assert.equal(shown[1].task.quiet, undefined);
    assert.equal(shown[1].task.cancellable, true);
    assert.deepEqual(shown[1].reported, ['Creating a container from img:1', 'Starting the python3 kernel']);
    gate.resolve();
    assert.equal(await run, connector.sessions[0]);
    await pre;
    assert.equal(launcher.servers.length, 1);
  });

  it('stops the pre-start and removes its server when that run is cancelled', async () => {
    const { kernels, launcher, connector, shown } = setup();
    const gate = deferred<void>();
    connector.gate = gate.promise;
    const pre = kernels.prestart(KEY, source);
    await until(() => launcher.servers.length === 1);
    const run = kernels.session(KEY, source);
    shown[1].cancel.abort();
    assert.ok(launcher.lastSignal?.aborted, 'the launch was not told to stop');
    gate.resolve();
    await assert.rejects(run, CancelledError);
    await pre;
    await until(() => launcher.servers[0].disposed > 0);
    assert.equal(kernels.get(KEY), undefined);
  });

  it('says nothing when the pre-start fails, and the first run starts again', async () => {
    const { kernels, launcher, deaths, shown } = setup();
    launcher.failures.push(new BerthError('Image img:1 cannot serve Jupyter'));
    await kernels.prestart(KEY, source);
    assert.equal(kernels.get(KEY), undefined);
    assert.deepEqual(deaths, []);
    await kernels.session(KEY, source);
    assert.equal(launcher.servers.length, 1);
    assert.deepEqual(shown.map((s) => s.task.quiet), [true, false]);
  });

  it('passes the pre-start\'s failure to a run that was waiting on it', async () => {
    const { kernels, launcher } = setup();
    launcher.failures.push(new BerthError('no space left on device'));
    const pre = kernels.prestart(KEY, source);
    const run = kernels.session(KEY, source);
    await assert.rejects(run, /no space left/);
    await pre;
    assert.equal(kernels.get(KEY), undefined);
  });

  it('starts nothing, and says nothing, where the trust gate refuses', async () => {
    const { kernels, launcher, titles } = setup({ trusted: false });
    await kernels.prestart(KEY, source);
    assert.equal(launcher.servers.length, 0);
    assert.deepEqual(titles, []);
    assert.equal(kernels.get(KEY), undefined);
  });

  it('re-attaches to the server this owner left running instead of starting a second one', async () => {
    const { kernels, launcher, connector } = setup();
    launcher.running = [runningServer(new FakeServer('left-running'))];
    connector.kernels = [{ id: 'k-py', name: 'python3', executionState: 'idle' }];
    await kernels.prestart(KEY, source);
    assert.equal(launcher.servers.length, 0);
    assert.deepEqual(connector.connected, ['k-py']);
    assert.equal(kernels.get(KEY)?.resourceId, 'left-running');
    assert.equal(kernels.get(KEY)?.unused, false, 'a kernel left running holds the variables of earlier runs');
    assert.equal(await kernels.session(KEY, source), connector.sessions[0]);
  });

  it('removes the server when the notebook is shut down during the pre-start', async () => {
    const { kernels, launcher, connector, tokens } = setup();
    const gate = deferred<void>();
    connector.gate = gate.promise;
    const pre = kernels.prestart(KEY, source);
    await until(() => launcher.servers.length === 1);
    await kernels.shutdown(KEY);
    assert.ok(launcher.lastSignal?.aborted, 'the launch was not told to stop');
    gate.resolve();
    await pre;
    await until(() => launcher.servers[0].disposed > 0);
    assert.equal(tokens.saved.size, 0);
    assert.equal(kernels.get(KEY), undefined);
  });

  it('shuts an unused kernel down when the notebook is only detached while it starts', async () => {
    const { kernels, launcher, connector, tokens } = setup();
    const gate = deferred<void>();
    tokens.gate = gate.promise;
    const pre = kernels.prestart(KEY, source);
    await until(() => connector.sessions.length === 1);
    kernels.detach(KEY);
    gate.resolve();
    await pre;
    await until(() => launcher.servers[0].disposed > 0);
    assert.equal(connector.sessions[0].shutdowns, 1);
  });

  it('shuts the pre-started kernel down when another kernel is picked, before it starts that one', async () => {
    const { kernels, launcher, connector } = setup();
    await kernels.prestart(KEY, source);
    await kernels.prestart(KEY, other);
    assert.equal(connector.sessions[0].shutdowns, 1);
    assert.ok(launcher.servers[0].disposed > 0);
    assert.equal(launcher.servers.length, 2);
    assert.equal(kernels.get(KEY)?.source, other);
  });

  it('leaves a kernel that runs for the source alone, and starts once when asked twice', async () => {
    const { kernels, launcher } = setup();
    await kernels.session(KEY, source);
    await Promise.all([kernels.prestart(KEY, source), kernels.prestart(KEY, source)]);
    assert.equal(launcher.servers.length, 1);
    assert.equal(kernels.get(KEY)?.unused, false);
    const { kernels: fresh, launcher: freshLauncher } = setup();
    await Promise.all([fresh.prestart(KEY, source), fresh.prestart(KEY, source)]);
    assert.equal(freshLauncher.servers.length, 1);
  });
});

/** Waits for a condition the fakes reach within a few turns of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((r) => setImmediate(r));
  assert.ok(condition(), 'the condition never held');
}
