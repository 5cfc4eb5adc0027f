// Kernels on a remote Docker engine, against a real "remote" (test/support/remoteMachine.ts): the client runs in its
// own network namespace, so its 127.0.0.1 is NOT the engine's loopback, and reaches the engine over ssh:// (Debian's
// OpenSSH server, a key in an ssh-agent) or tcp:// (socat in front of the Docker socket). First: the kernel's
// published port cannot be reached from there; then everything a user does runs through the tunnel.
import { strict as assert } from 'assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { CLI, type Json, normalise, ROOT } from '../kernels/cliHelpers';
import { docker, kernelStack, launchOptions, target, testOwner, withDeadline } from '../kernels/helpers';
import { launchKernel } from '../../../src/core/kernels/launchKernel';
import { REMOTE_IP, setUpRemote, tearDownRemote, type RemoteMachine } from '../../support/remoteMachine';
import type { DriverOp } from './clientDriver';

const FIXTURE = join(ROOT, 'test/fixtures/notebooks/all-outputs.ipynb');
const DRIVER = join(__dirname, 'clientDriver.js');

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runProcess(argv: string[], env: Record<string, string>, ms = 150_000): Promise<Exit> {
  const child = spawn(argv[0], argv.slice(1), { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Exit>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return withDeadline(done, ms, `${argv.join(' ')} did not finish`).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
}

/** The client driver (clientDriver.ts) in the namespace: one request at a time or several at once. */
class Driver {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly waiting = new Map<number, (reply: Json) => void>();
  private next = 1;
  private stderr = '';

  constructor(remote: RemoteMachine, dockerHost: string) {
    const argv = remote.inClient([process.execPath, DRIVER]);
    this.child = spawn(argv[0], argv.slice(1), { cwd: ROOT, env: { ...process.env, DOCKER_HOST: dockerHost, ...remote.clientEnv, BERTH_DRIVER_VERBOSE: '1' } });
    this.child.stderr.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-8000)));
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const reply = JSON.parse(line) as Json;
      this.waiting.get(reply.id as number)?.(reply);
    });
  }

  async send(request: DriverOp, ms = 120_000): Promise<Json> {
    const id = this.next++;
    const reply = await withDeadline(new Promise<Json>((resolve) => this.waiting.set(id, resolve) && this.child.stdin.write(`${JSON.stringify({ ...request, id })}\n`)), ms, `${request.op} got no answer; the driver's log:\n${this.stderr}`);
    if (!reply.ok) throw new Error(`${request.op} failed: ${String(reply.error)}\nthe driver's log:\n${this.stderr}`);
    return reply;
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('close', resolve));
    this.child.stdin.end();
    await withDeadline(exited, 30_000, 'the driver did not exit').catch(() => this.child.kill('SIGKILL'));
  }
}

/** Connects from inside the namespace; resolves with the error code ('' when the connection was made). */
async function connectFromClient(remote: RemoteMachine, host: string, port: number): Promise<string> {
  const script = `const s=require('net').connect(${port},'${host}');s.setTimeout(5000,()=>{console.log('ETIMEDOUT');process.exit(0)});s.on('connect',()=>{console.log('');process.exit(0)});s.on('error',(e)=>{console.log(e.code);process.exit(0)})`;
  const r = await runProcess(remote.inClient([process.execPath, '-e', script]), {}, 30_000);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

describe('Remote Docker engines: kernels through a tunnel (client in a network namespace; ssh:// and tcp://)', function () {
  this.timeout(300_000);
  let remote: RemoteMachine;
  const owner = testOwner('remote');
  const dirs: string[] = [];
  const drivers: Driver[] = [];
  const hosts = () => ({ 'ssh://': remote.sshHost, 'tcp://': remote.tcpHost });
  const clientEnv = (dockerHost: string) => ({ DOCKER_HOST: dockerHost, ...remote.clientEnv });
  const driver = (dockerHost: string) => {
    const d = new Driver(remote, dockerHost);
    drivers.push(d);
    return d;
  };
  const ourContainers = async () => {
    const all = await docker.listContainers({ all: true, filters: { label: ['berth.kernel'] } });
    return all.filter((c) => c.Labels['berth.owner'] === owner || dirs.some((d) => (c.Labels['berth.notebook'] ?? '').startsWith(`file://${d}`)));
  };

  before(async () => {
    remote = await setUpRemote();
  });

  afterEach(async () => {
    for (const d of drivers.splice(0)) await d.close();
  });

  after(async () => {
    // Whatever happened above: the namespace, the veth pair and the daemons go, and so does every container.
    await tearDownRemote();
    for (const c of await ourContainers()) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('from the client\'s namespace, a kernel\'s published port cannot be reached (so a pass below went through the tunnel)', async () => {
    const { launcher, connector } = kernelStack();
    const session = await launchKernel({ launcher, connector }, target, launchOptions(owner), new AbortController().signal, () => {});
    try {
      const port = Number(new URL(session.server.baseUrl).port);
      assert.equal(await connectFromClient(remote, '127.0.0.1', port), 'ECONNREFUSED');
      assert.equal(await connectFromClient(remote, REMOTE_IP, port), 'ECONNREFUSED');
      // While the same port answers on the engine's machine, and the engine's endpoints answer the client.
      assert.equal((await fetch(`${session.server.baseUrl}/api/status`, { headers: { Authorization: `token ${session.server.token}` } })).status, 200);
      assert.equal(await connectFromClient(remote, REMOTE_IP, 2222), '');
    } finally {
      await session.shutdown();
    }
  });

  for (const scheme of ['ssh://', 'tcp://'] as const) {
    it(`berth run over ${scheme} writes the same outputs as a local run`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'berth-it-remote-'));
      dirs.push(dir);
      copyFileSync(FIXTURE, join(dir, 'all-outputs.ipynb'));
      const args = ['run', join(dir, 'all-outputs.ipynb'), '--image', target.image, '--allow-errors'];
      const local = await runProcess([process.execPath, CLI, ...args, '--out', join(dir, 'local.ipynb')], {});
      assert.equal(local.code, 0, local.stderr);
      const remoteRun = await runProcess(remote.inClient([process.execPath, CLI, ...args, '--out', join(dir, 'remote.ipynb')]), clientEnv(hosts()[scheme]));
      assert.equal(remoteRun.code, 0, remoteRun.stderr);
      assert.doesNotMatch(remoteRun.stderr, /DeprecationWarning/, 'a warning of the Docker client reached the run\'s output');
      const read = (f: string) => normalise(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Json);
      assert.deepEqual(read('remote.ipynb'), read('local.ipynb'));
      assert.ok(((read('remote.ipynb').cells as Json[])[1].outputs as Json[]).length > 0, 'the run wrote no outputs');
      assert.deepEqual(await ourContainers(), []);
    });
  }

  it('an SSH connection killed mid-session: the next cell runs with the kernel\'s state intact', async () => {
    const d = driver(remote.sshHost);
    await d.send({ op: 'start', owner });
    assert.equal((await d.send({ op: 'run', code: 'x = 41' })).status, 'ok');
    const before = await d.send({ op: 'tunnel' });
    assert.ok(remote.killSshConnections() > 0, 'the client had no SSH connection to kill');
    // The next cell once the client has seen the connection go (as a user's next cell comes after the reset). A cell
    // sent in the instant between the reset and the client noticing it is written into the dead connection.
    await d.send({ op: 'dropped', after: before.drops as number });
    const r = await d.send({ op: 'run', code: 'x + 1' });
    assert.deepEqual([r.status, r.text], ['ok', '42']);
    const after = await d.send({ op: 'tunnel' });
    assert.ok((after.sshConnections as number) > (before.sshConnections as number), `the tunnel did not connect again (${JSON.stringify([before, after])})`);
    await d.send({ op: 'shutdown' });
    assert.deepEqual(await ourContainers(), []);
  });

  it('a cell sent in the instant of an SSH kill, before or after it, ends: it runs, or it says it did not and why', async () => {
    const d = driver(remote.sshHost);
    await d.send({ op: 'start', owner });
    assert.equal((await d.send({ op: 'run', code: 'x = 41' })).status, 'ok');
    const turn = () => new Promise((resolve) => setImmediate(resolve));
    // Kill then send, send then kill, and each with one turn of the event loop between (the request is written into
    // the dead connection before the client notices, or the reply is lost with it). No order may leave a cell waiting.
    const orders: [string, () => Promise<Json>][] = [
      ['kill, send', async () => (remote.killSshConnections(), d.send({ op: 'run', code: 'x + 1' }, 60_000))],
      ['send, kill', async () => { const r = d.send({ op: 'run', code: 'x + 1' }, 60_000); remote.killSshConnections(); return r; }],
      ['kill, turn, send', async () => { remote.killSshConnections(); await turn(); return d.send({ op: 'run', code: 'x + 1' }, 60_000); }],
      ['send, turn, kill', async () => { const r = d.send({ op: 'run', code: 'x + 1' }, 60_000); await turn(); remote.killSshConnections(); return r; }],
    ];
    for (const [order, attempt] of orders) {
      const before = await d.send({ op: 'tunnel' });
      const outcome = await attempt().then((r) => `${String(r.status)} ${String(r.text)}`, (e: unknown) => String(e));
      assert.match(outcome, /^ok 42$|^Error: run failed: The connection to the kernel dropped (as this cell was sent: the kernel never answered it, so it did not run .* Run it again|while this cell ran: the cell finished, but its result was lost with the connection .*)[.;] the kernel's state is intact\./i, `${order}: ${outcome}`);
      await d.send({ op: 'dropped', after: before.drops as number }, 60_000);
    }
    assert.deepEqual((await d.send({ op: 'run', code: 'x + 1' })).text, '42');
    await d.send({ op: 'shutdown' });
    assert.deepEqual(await ourContainers(), []);
  });

  for (const scheme of ['ssh://', 'tcp://'] as const) {
    it(`over ${scheme}: interrupt, re-attach after a reload (a new tunnel to the same container), restart and shutdown`, async () => {
      const d = driver(hosts()[scheme]);
      const started = await d.send({ op: 'start', owner });
      assert.equal((await d.send({ op: 'run', code: 'y = 7' })).status, 'ok');
      // A cell that would outlast the test; the interrupt goes once its code runs (it printed), so what ends it is the
      // interrupt stopping running code (one sent earlier is ignored by an idle kernel, or ends the request before the
      // code starts).
      const sleeping = d.send({ op: 'run', code: 'import time\nprint("sleeping", flush=True)\ntime.sleep(600)' });
      await d.send({ op: 'started' });
      await d.send({ op: 'interrupt' });
      const interrupted = await sleeping;
      assert.equal(interrupted.status, 'error');
      assert.match(String(interrupted.text), /^sleeping\n?KeyboardInterrupt/);
      await d.send({ op: 'detach' });
      await d.close();
      // A reloaded window: a new process, a new tunnel, the same container and kernel.
      const again = driver(hosts()[scheme]);
      const attached = await again.send({ op: 'attach', resourceId: String(started.resourceId) });
      assert.notEqual(attached.baseUrl, started.baseUrl);
      assert.equal((await again.send({ op: 'run', code: 'y' })).text, '7');
      await again.send({ op: 'restart' });
      assert.match(String((await again.send({ op: 'run', code: 'y' })).text), /NameError/);
      await again.send({ op: 'shutdown' });
      assert.deepEqual(await ourContainers(), []);
    });
  }

  for (const [scheme, address] of [['ssh://', `ssh://root@${REMOTE_IP}:2223`], ['tcp://', `tcp://${REMOTE_IP}:2376`]] as const) {
    it(`an unreachable ${scheme} host is a clear error naming the address`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'berth-it-remote-'));
      dirs.push(dir);
      copyFileSync(FIXTURE, join(dir, 'n.ipynb'));
      const r = await runProcess(remote.inClient([process.execPath, CLI, 'run', join(dir, 'n.ipynb'), '--image', target.image]), clientEnv(address));
      assert.equal(r.code, 2, r.stderr);
      assert.ok(r.stderr.includes(address), r.stderr);
      assert.match(r.stderr, /^berth: No Docker Engine answers at /m);
    });
  }

  // The host key is checked as `ssh` checks it (ssh2 alone takes any key): a HOME whose known_hosts does not list
  // the remote's key, or lists another key for it, must stop the run before anything is sent to the engine.
  for (const [what, knownHosts, expected] of [
    ['not in known_hosts', '', /SSH host key of \[10\.231\.77\.1\]:2222 \(ssh-ed25519\) is not in known_hosts, and Berth does not accept unknown host keys\. Check it and accept it once with `ssh root@10\.231\.77\.1 -p 2222`/],
    ['another key in known_hosts', `[${REMOTE_IP}]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGaBXzn1HVvFFq6Bv7tLO8Bmh7Nc2nqHNlvKdMM8Gk3A\n`, /SSH host key of \[10\.231\.77\.1\]:2222 does not match the ssh-ed25519 key in .*known_hosts line 1: .*intercepting the connection\. Berth will not connect/],
  ] as const) {
    it(`an ssh:// host whose key is ${what} is refused, saying why and what to do`, async () => {
      const home = mkdtempSync(join(tmpdir(), 'berth-it-remote-home-'));
      dirs.push(home);
      mkdirSync(join(home, '.ssh'), { mode: 0o700 });
      writeFileSync(join(home, '.ssh', 'known_hosts'), knownHosts);
      copyFileSync(FIXTURE, join(home, 'n.ipynb'));
      const r = await runProcess(remote.inClient([process.execPath, CLI, 'run', join(home, 'n.ipynb'), '--image', target.image]), { ...clientEnv(remote.sshHost), HOME: home });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, expected);
      assert.equal(readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8'), knownHosts, 'Berth wrote known_hosts');
      assert.deepEqual(await ourContainers(), []);
    });
  }

  // The client gets its own mount namespace with a tmpfs over `mountPoint`: what it puts there, the engine's machine
  // does not have (as a laptop's workspace is not on the GPU box). The notebook reads a file of its folder; the
  // run's output notebook is printed, since only the client's namespace sees it.
  const clientOnly = (mountPoint: string, notebookDir: string, dockerHost: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-it-remote-src-'));
    dirs.push(dir);
    const source = join(dir, 'n.ipynb');
    writeFileSync(source, JSON.stringify({ cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: "print(open('data.txt').read())" }], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
    return runProcess(
      remote.inClient([
        'unshare', '--mount', '--propagation', 'private', 'sh', '-c',
        'mount -t tmpfs berth-client-only "$0" && mkdir -p "$1" && cp "$2" "$1/n.ipynb" && echo "from the laptop" > "$1/data.txt" && "$3" "$4" run "$1/n.ipynb" --image "$5" && cat "$1/n.ipynb"',
        mountPoint, notebookDir, source, process.execPath, CLI, target.image,
      ]),
      clientEnv(dockerHost),
    );
  };
  const printed = (stdout: string) => (((JSON.parse(stdout) as Json).cells as Json[])[0].outputs as Json[]).map((o) => (Array.isArray(o.text) ? o.text.join('') : String(o.text))).join('');

  it('a workspace that is not on the engine\'s machine: said so, naming the folder and the host, and the notebook\'s folder is copied in', async () => {
    const r = await clientOnly('/mnt', '/mnt/berth-remote-ws', remote.sshHost);
    assert.equal(r.code, 0, r.stderr);
    const escaped = remote.sshHost.replace(/[/.]/g, '\\$&');
    assert.match(r.stderr, new RegExp(`^berth \\[warn\\] The folder /mnt/berth-remote-ws is not on the Docker host ${escaped}: .* Copying the notebook's folder into the kernel instead; nothing is copied back\\.$`, 'm'));
    assert.equal(printed(r.stdout), 'from the laptop\n\n');
    assert.deepEqual((await docker.listContainers({ all: true, filters: { label: ['berth.check'] } })).length, 0);
  });

  it('a folder of the same path on the engine\'s machine that lacks the notebook: said so, and the notebook runs in a copy of its own folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-it-remote-'));
    dirs.push(dir);
    const r = await clientOnly(dir, dir, remote.tcpHost);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /does not hold n\.ipynb: a folder of that path exists there, but not this workspace\. Copying the notebook's folder into the kernel instead/);
    assert.equal(printed(r.stdout), 'from the laptop\n\n');
  });

  it('leaves no kernel container behind', async () => {
    assert.deepEqual(await ourContainers(), []);
  });
});
