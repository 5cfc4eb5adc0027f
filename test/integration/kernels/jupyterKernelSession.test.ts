// KernelSession on a real Jupyter server in a real container: outputs, stdin, interrupt, restart, death of
// the kernel or of the container, re-attach.
import { strict as assert } from 'assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExecuteHandlers, KernelSession, KernelStatus, OutputAction } from '../../../src/core/kernels/api';
import { KernelDiedError, ServerGoneError } from '../../../src/core/kernels/errors';
import { launchKernel, reattachKernel } from '../../../src/core/kernels/launchKernel';
import { NotebookOutputs } from '../../../src/core/kernels/notebookOutputs';
import { containersOf, docker, kernelStack, launchOptions, removeContainersOf, target, testOwner, waitFor, withDeadline } from './helpers';

describe('JupyterKernelSession (real kernel in a container)', function () {
  this.timeout(120_000);
  const owner = testOwner('session');
  const stack = kernelStack();
  let workspace: string;
  let session: KernelSession;

  const start = (over = {}) =>
    launchKernel(stack, target, launchOptions(owner, { workspaceFolder: workspace, notebookPath: join(workspace, 'sub', 'n.ipynb'), ...over }), new AbortController().signal, () => {});

  /**
   * Runs code and returns the cell's outputs as a frontend would show them, plus the result. Without
   * stop_on_error, so a cell sent right after a failing one is not aborted by the kernel (one test checks that).
   */
  async function run(code: string, extra: Partial<ExecuteHandlers> = {}, s: KernelSession = session, stopOnError = false) {
    const outputs = new NotebookOutputs();
    const actions: OutputAction[] = [];
    const result = await s.execute(code, {
      onAction: (a) => {
        actions.push(a);
        outputs.apply('cell', a);
      },
      ...extra,
    }, undefined, { stopOnError });
    return { result, actions, outputs: outputs.outputs('cell') };
  }

  before(async () => {
    workspace = mkdtempSync(join(tmpdir(), 'berth-it-session-'));
    mkdirSync(join(workspace, 'sub'));
    writeFileSync(join(workspace, 'sub', 'data.txt'), 'relative paths work');
    session = await start();
  });
  after(async () => {
    await session?.shutdown().catch(() => undefined);
    await removeContainersOf(owner);
    rmSync(workspace, { recursive: true, force: true });
  });

  it('returns an execute_result with the execution count', async () => {
    const { result, outputs, actions } = await run('1 + 1');
    assert.equal(result.status, 'ok');
    assert.ok(result.executionCount && result.executionCount >= 1);
    assert.deepEqual(actions[0], { type: 'execution-count', count: result.executionCount });
    assert.deepEqual(outputs, [{ kind: 'display', outputType: 'execute_result', data: { 'text/plain': '2' }, metadata: {}, executionCount: result.executionCount }]);
  });

  it('streams stdout and stderr as they are written', async () => {
    const { outputs } = await run('import sys, time\nprint("one", flush=True)\ntime.sleep(0.3)\nprint("err", file=sys.stderr, flush=True)\nprint("two")');
    assert.deepEqual(outputs, [
      { kind: 'stream', name: 'stdout', text: 'one\n' },
      { kind: 'stream', name: 'stderr', text: 'err\n' },
      { kind: 'stream', name: 'stdout', text: 'two\n' },
    ]);
  });

  it('delivers display_data with every MIME type and its metadata', async () => {
    const { outputs } = await run(
      [
        'from IPython.display import display, HTML, Markdown, Latex, SVG, JSON, Image',
        'import base64',
        'display(HTML("<b>b</b>")); display(Markdown("# m")); display(Latex("$x$"))',
        'display(SVG(\'<svg xmlns="http://www.w3.org/2000/svg"/>\')); display(JSON({"k": [1]}))',
        'display(Image(data=base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="), format="png", width=10))',
        'display({"application/vnd.berth.test+json": {"x": 1}, "text/plain": "custom"}, raw=True)',
      ].join('\n'),
    );
    const mimes = outputs.map((o) => (o.kind === 'display' ? Object.keys(o.data).filter((m) => m !== 'text/plain')[0] : o.kind));
    assert.deepEqual(mimes, ['text/html', 'text/markdown', 'text/latex', 'image/svg+xml', 'application/json', 'image/png', 'application/vnd.berth.test+json']);
    const png = outputs[5];
    assert.ok(png.kind === 'display');
    assert.match(String(png.data['image/png']), /^iVBORw0KGgo/);
    assert.deepEqual(png.metadata, { 'image/png': { width: 10 } });
    const json = outputs[4];
    assert.ok(json.kind === 'display');
    assert.deepEqual(json.data['application/json'], { k: [1] });
  });

  it('reports an error with its traceback and status error', async () => {
    const { result, outputs } = await run('def f():\n    return 1 / 0\nf()');
    assert.equal(result.status, 'error');
    assert.equal(outputs.length, 1);
    const error = outputs[0];
    assert.ok(error.kind === 'error');
    assert.equal(error.ename, 'ZeroDivisionError');
    assert.equal(error.evalue, 'division by zero');
    const plain = error.traceback.map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''));
    assert.ok(plain.some((l) => l.includes('return 1 / 0')), plain.join('\n'));
  });

  it('clears with wait=True only when the next output arrives', async () => {
    const { outputs, actions } = await run('from IPython.display import clear_output\nfor i in range(3):\n    clear_output(wait=True)\n    print(i)');
    assert.equal(actions.filter((a) => a.type === 'clear' && a.wait).length, 3);
    assert.deepEqual(outputs, [{ kind: 'stream', name: 'stdout', text: '2\n' }]);
  });

  it('updates a display by display_id', async () => {
    const { outputs } = await run('h = display("v1", display_id=True)\nh.update("v2")\nprint("after")');
    assert.equal(outputs.length, 2);
    assert.ok(outputs[0].kind === 'display');
    assert.deepEqual(outputs[0].data, { 'text/plain': "'v2'" });
  });

  it('routes update_display_data from a later cell to the running cell, so the client can update the earlier one', async () => {
    await run('display("first", display_id="berth-x")');
    const { actions } = await run('from IPython.display import update_display\nupdate_display("second", display_id="berth-x")');
    assert.deepEqual(
      actions.filter((a) => a.type === 'update-display').map((a) => a.type === 'update-display' && a.displayId),
      ['berth-x'],
    );
  });

  it('runs in the notebook folder, so relative paths work', async () => {
    const { outputs } = await run('import os\nprint(os.getcwd())\nprint(open("data.txt").read())');
    assert.deepEqual(outputs, [{ kind: 'stream', name: 'stdout', text: '/workspace/sub\nrelative paths work\n' }]);
  });

  it('asks for input() and getpass, telling them apart', async () => {
    const prompts: [string, boolean][] = [];
    const { outputs, result } = await run('import getpass\nname = input("Name: ")\nsecret = getpass.getpass("Secret: ")\nprint(f"hello {name}, {len(secret)} chars")', {
      onInputRequest: async (prompt, password) => {
        prompts.push([prompt, password]);
        return password ? 'hunter2' : 'Ada';
      },
    });
    assert.equal(result.status, 'ok');
    assert.deepEqual(prompts, [
      ['Name: ', false],
      ['Secret: ', true],
    ]);
    assert.ok(outputs.some((o) => o.kind === 'stream' && o.text.includes('hello Ada, 7 chars')), JSON.stringify(outputs));
  });

  it('raises StdinNotImplementedError when the client takes no input', async () => {
    const { result, outputs } = await run('input("x")');
    assert.equal(result.status, 'error');
    assert.ok(outputs[0].kind === 'error' && outputs[0].ename === 'StdinNotImplementedError');
  });

  it('interrupting a dismissed input() prompt raises KeyboardInterrupt', async () => {
    const { result, outputs } = await run('input("x")', { onInputRequest: () => Promise.reject(new Error('dismissed')) });
    assert.equal(result.status, 'error');
    assert.ok(outputs.some((o) => o.kind === 'error' && o.ename === 'KeyboardInterrupt'), JSON.stringify(outputs));
  });

  it('interrupt really stops `while True: pass`', async () => {
    let started!: () => void;
    const busy = new Promise<void>((r) => (started = r));
    const outputs = new NotebookOutputs();
    const running = session.execute('while True: pass', {
      onAction: (a) => {
        outputs.apply('c', a);
        if (a.type === 'execution-count') started();
      },
    });
    await busy;
    await session.interrupt();
    const result = await withDeadline(running, 15_000, 'the loop was not interrupted');
    assert.equal(result.status, 'error');
    assert.ok(outputs.outputs('c').some((o) => o.kind === 'error' && o.ename === 'KeyboardInterrupt'));
    assert.equal((await run('"still alive"')).result.status, 'ok');
  });

  it('aborting the execute signal interrupts the cell', async () => {
    const abort = new AbortController();
    const running = session.execute('import time\nwhile True: time.sleep(0.01)', { onAction: (a) => a.type === 'execution-count' && abort.abort() }, abort.signal);
    assert.equal((await withDeadline(running, 15_000, 'abort did not interrupt')).status, 'error');
  });

  it('aborting the execute signal before the kernel has started the cell still interrupts it', async () => {
    // The kernel ignores SIGINT while idle: an interrupt that overtakes the execute request must not be lost.
    for (let attempt = 0; attempt < 10; attempt++) {
      const abort = new AbortController();
      const running = session.execute('import time\ntime.sleep(60)', { onAction: () => undefined }, abort.signal);
      abort.abort();
      assert.equal((await withDeadline(running, 15_000, 'an early abort was lost: the cell ran on')).status, 'error');
    }
  });

  it('queues cells and aborts the queued ones after an error, as Jupyter does', async () => {
    // The first cell runs a moment before failing, so the second is surely queued in the kernel by then.
    const first = run('import time\ntime.sleep(0.5)\n1/0', {}, session, true);
    const second = run('"never runs"', {}, session, true);
    assert.equal((await first).result.status, 'error');
    assert.equal((await second).result.status, 'aborted');
    // The kernel keeps aborting until it has drained its queue; wait for that before the next check.
    await waitFor(async () => ((await run('0')).result.status === 'ok' ? true : undefined), 10_000, () => 'the kernel kept aborting');
    const [a, b] = await Promise.all([run('"a"'), run('"b"')]);
    assert.equal(a.result.status, 'ok');
    assert.equal(b.result.status, 'ok');
    assert.equal(b.result.executionCount, (a.result.executionCount ?? 0) + 1);
  });

  it('restart keeps the server and container but gives a fresh kernel; a running cell ends as aborted', async () => {
    await run('x = 41');
    const container = session.server.resourceId;
    const running = session.execute('import time\ntime.sleep(30)', { onAction: () => {} });
    await waitFor(() => (session.status === 'busy' ? true : undefined), 10_000, () => `status ${session.status}`);
    await session.restart();
    assert.deepEqual(await withDeadline(running, 15_000, 'the running cell did not settle'), { status: 'aborted' });
    assert.equal(session.server.resourceId, container);
    const { outputs } = await run('x');
    assert.ok(outputs[0].kind === 'error' && outputs[0].ename === 'NameError');
    assert.equal((await docker.getContainer(container).inspect()).State.Running, true);
  });

  it('reports a kernel that dies mid-cell (os._exit) and runs again after Jupyter restarts it', async () => {
    const statuses: KernelStatus[] = [];
    const sub = session.onDidChangeStatus((s) => statuses.push(s));
    try {
      await assert.rejects(withDeadline(run('import os\nos._exit(1)'), 30_000, 'the cell hung on a dead kernel'), (e: unknown) => e instanceof KernelDiedError && /died/.test(e.message));
      assert.ok(statuses.includes('autorestarting'), statuses.join(','));
      await waitFor(() => (session.status === 'idle' ? true : undefined), 30_000, () => `status ${session.status}`);
      assert.equal((await run('"back"')).result.status, 'ok');
    } finally {
      sub.dispose();
    }
  });

  it('re-attaches to the running kernel after a disconnect, with its state intact', async () => {
    await run('kept = 123');
    const server = session.server;
    session.dispose();
    const running = (await stack.launcher.listRunning()).find((r) => r.resourceId === server.resourceId);
    assert.ok(running, 'the container is not listed');
    session = await reattachKernel(stack, running);
    const { outputs } = await run('kept + 1');
    assert.deepEqual(outputs[0].kind === 'display' && outputs[0].data, { 'text/plain': '124' });
  });

  it('reports a container killed from outside on the running cell and in the status', async () => {
    const doomed = await start();
    try {
      const running = doomed.execute('import time\ntime.sleep(60)', { onAction: () => {} });
      await waitFor(() => (doomed.status === 'busy' ? true : undefined), 10_000, () => `status ${doomed.status}`);
      await docker.getContainer(doomed.server.resourceId).kill();
      await assert.rejects(withDeadline(running, 20_000, 'the cell hung on a killed container'), (e: unknown) => e instanceof ServerGoneError && /exit code 137/.test(e.message));
      assert.equal(doomed.status, 'disconnected');
      await assert.rejects(doomed.execute('1', { onAction: () => {} }), ServerGoneError);
    } finally {
      await doomed.shutdown().catch(() => undefined);
    }
  });

  it('never puts the token into the server log, even after websockets, restarts and errors', async () => {
    const log = await session.server.logTail(1000);
    assert.ok(log.includes('Kernel started'), 'the log is not the server log');
    assert.ok(!log.includes(session.server.token));
  });

  it('disposing the session while a cell runs settles the cell as aborted and leaves the container running', async () => {
    const s = await start();
    try {
      const running = s.execute('import time\ntime.sleep(30)', { onAction: () => {} });
      await waitFor(() => (s.status === 'busy' ? true : undefined), 10_000, () => `status ${s.status}`);
      s.dispose();
      assert.deepEqual(await withDeadline(running, 10_000, 'the cell hung after dispose'), { status: 'aborted' });
      assert.equal((await docker.getContainer(s.server.resourceId).inspect()).State.Running, true);
    } finally {
      await s.server.dispose();
    }
  });

  it('cancel while the kernel starts removes the container', async () => {
    const abort = new AbortController();
    const before = new Set((await containersOf(owner)).map((c) => c.Id));
    await assert.rejects(
      launchKernel(stack, target, launchOptions(owner), abort.signal, (p) => p.stage === 'starting-kernel' && abort.abort()),
      (e: unknown) => e instanceof Error && e.name === 'CancelledError',
    );
    assert.deepEqual((await containersOf(owner)).filter((c) => !before.has(c.Id)), []);
  });

  it('shutdown stops and removes the container', async () => {
    const s = await start();
    const id = s.server.resourceId;
    await s.shutdown();
    assert.ok(!(await containersOf(owner)).some((c) => c.Id === id));
  });
});
