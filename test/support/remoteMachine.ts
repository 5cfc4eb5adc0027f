// A "remote" Docker machine built for real on this one, for the remote-engine tests: the CLIENT side runs in its own
// network namespace, joined to the host by a veth pair, so 127.0.0.1 there is not the engine's loopback. The host
// (the "remote") offers its engine only on its veth address: Debian's OpenSSH server with a key made for the run
// (held by an ssh-agent the test starts: Berth only ever sees SSH_AUTH_SOCK), and for tcp:// a socat listener
// relaying to the Docker socket. Fixed names, and set-up first removes what an earlier (killed) run left, so it
// is idempotent; tearDown removes everything and may run any number of times.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';

export const NAMESPACE = 'berth-remote';
const VETH_HOST = 'berth-rh';
const VETH_CLIENT = 'berth-rc';
/** The remote machine's address, as the client sees it. */
export const REMOTE_IP = '10.231.77.1';
export const CLIENT_IP = '10.231.77.2';
export const SSH_PORT = 2222;
export const TCP_PORT = 2375;
const DIR = '/tmp/berth-remote-machine';
/** Present while /run/netns is a bind that our `ip netns add` made (outside DIR: it outlives a killed run). */
const NETNS_BIND_MARK = '/tmp/berth-remote-machine.netns-bind';

export interface RemoteMachine {
  readonly sshHost: string;
  readonly tcpHost: string;
  /** The env a client process gets: the test's agent socket, nothing else of SSH. */
  readonly agentSocket: string;
  /** A HOME for the client whose ~/.ssh/known_hosts lists the remote's host key (as `ssh` once would have). */
  readonly clientHome: string;
  /** What a client process needs in its env: the agent socket and that HOME. */
  readonly clientEnv: { readonly SSH_AUTH_SOCK: string; readonly HOME: string };
  /** The sshd that serves the client; its children are the client's SSH connections. */
  readonly sshdPid: number;
  /** Kills every SSH connection the client has open (sshd's per-connection processes), as a reset would. */
  killSshConnections(): number;
  /** argv that runs `argv` inside the client's namespace. */
  inClient(argv: string[]): string[];
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
const quietly = (fn: () => unknown) => {
  try {
    fn();
  } catch {
    // absent already
  }
};

/** The daemons an earlier run left (its pid files), killed by pid, only when the pid still runs our command line. */
function killLeftovers(): void {
  for (const name of ['sshd', 'agent', 'socat']) {
    const file = join(DIR, `${name}.pid`);
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8').trim());
    let cmdline = '';
    quietly(() => (cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')));
    if (pid > 0 && (cmdline.includes(DIR) || cmdline.includes(`bind=${REMOTE_IP}`))) quietly(() => process.kill(pid, 'SIGKILL'));
  }
}

let started: ChildProcess[] = [];

export async function tearDownRemote(): Promise<void> {
  const exits = started.map((child) => {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    quietly(() => child.kill('SIGKILL'));
    return exited;
  });
  started = [];
  await Promise.all(exits);
  killLeftovers();
  quietly(() => ip('netns', 'del', NAMESPACE));
  quietly(() => ip('link', 'del', VETH_HOST));
  // `ip netns add` bound /run/netns on itself when it was not a mount point; undo that, but never lazily: while
  // other namespaces (the cluster's pods) are mounted on the bind it stays, and the cluster's down removes it.
  if (existsSync(NETNS_BIND_MARK)) {
    quietly(() => execFileSync('umount', ['/run/netns'], { stdio: ['ignore', 'ignore', 'pipe'] }));
    if (!isMountPoint('/run/netns')) rmSync(NETNS_BIND_MARK, { force: true });
  }
  rmSync(DIR, { recursive: true, force: true });
}

function isMountPoint(path: string): boolean {
  return readFileSync('/proc/self/mounts', 'utf8').split('\n').some((line) => line.split(' ')[1] === path);
}

function daemon(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): ChildProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM') process.stderr.write(`[remote machine] ${name} exited (${code ?? signal}): ${stderr}\n`);
  });
  writeFileSync(join(DIR, `${name}.pid`), String(child.pid));
  started.push(child);
  return child;
}

async function waitForPort(host: string, port: number, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, host);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${what} did not listen on ${host}:${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function setUpRemote(): Promise<RemoteMachine> {
  if (process.getuid?.() !== 0) throw new Error('the remote-engine tests build a network namespace: they need root');
  if (!existsSync('/usr/sbin/sshd')) throw new Error('no /usr/sbin/sshd: run scripts/provision/remote.sh');
  await tearDownRemote();
  mkdirSync(DIR, { recursive: true, mode: 0o700 });

  // The client's network: its own loopback, and a veth to the host. No default route: nothing but REMOTE_IP.
  if (!isMountPoint('/run/netns')) writeFileSync(NETNS_BIND_MARK, '');
  ip('netns', 'add', NAMESPACE);
  ip('link', 'add', VETH_HOST, 'type', 'veth', 'peer', 'name', VETH_CLIENT);
  ip('link', 'set', VETH_CLIENT, 'netns', NAMESPACE);
  ip('addr', 'add', `${REMOTE_IP}/30`, 'dev', VETH_HOST);
  ip('link', 'set', VETH_HOST, 'up');
  ip('netns', 'exec', NAMESPACE, 'ip', 'addr', 'add', `${CLIENT_IP}/30`, 'dev', VETH_CLIENT);
  ip('netns', 'exec', NAMESPACE, 'ip', 'link', 'set', VETH_CLIENT, 'up');
  ip('netns', 'exec', NAMESPACE, 'ip', 'link', 'set', 'lo', 'up');

  // A host key and a client key made for this run; the client key goes into the agent and its file is removed.
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(DIR, 'host_key')]);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'berth-remote-test', '-f', join(DIR, 'client_key')]);
  writeFileSync(join(DIR, 'authorized_keys'), readFileSync(join(DIR, 'client_key.pub')), { mode: 0o600 });
  const clientHome = join(DIR, 'home');
  mkdirSync(join(clientHome, '.ssh'), { recursive: true, mode: 0o700 });
  const [keyType, keyBlob] = readFileSync(join(DIR, 'host_key.pub'), 'utf8').trim().split(/\s+/);
  writeFileSync(join(clientHome, '.ssh', 'known_hosts'), `[${REMOTE_IP}]:${SSH_PORT} ${keyType} ${keyBlob}\n`, { mode: 0o600 });
  writeFileSync(
    join(DIR, 'sshd_config'),
    [
      `ListenAddress ${REMOTE_IP}:${SSH_PORT}`,
      `HostKey ${DIR}/host_key`,
      `AuthorizedKeysFile ${DIR}/authorized_keys`,
      `PidFile ${DIR}/sshd.pidfile`,
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'UsePAM no',
      'StrictModes no',
      'AllowTcpForwarding local',
      'X11Forwarding no',
      'PrintMotd no',
      '',
    ].join('\n'),
  );
  mkdirSync('/run/sshd', { recursive: true });
  const sshd = daemon('sshd', '/usr/sbin/sshd', ['-D', '-e', '-f', join(DIR, 'sshd_config')]);

  const agentSocket = join(DIR, 'agent.sock');
  daemon('agent', 'ssh-agent', ['-D', '-a', agentSocket]);
  const deadline = Date.now() + 10_000;
  while (!existsSync(agentSocket)) {
    if (Date.now() > deadline) throw new Error('ssh-agent made no socket');
    await new Promise((r) => setTimeout(r, 20));
  }
  execFileSync('ssh-add', ['-q', join(DIR, 'client_key')], { env: { ...process.env, SSH_AUTH_SOCK: agentSocket }, stdio: ['ignore', 'ignore', 'pipe'] });
  rmSync(join(DIR, 'client_key'));

  // tcp:// for the test only: the Docker socket, unauthenticated, on the veth address.
  daemon('socat', 'socat', [`TCP-LISTEN:${TCP_PORT},bind=${REMOTE_IP},reuseaddr,fork`, 'UNIX-CONNECT:/var/run/docker.sock']);

  await waitForPort(REMOTE_IP, SSH_PORT, 'sshd');
  await waitForPort(REMOTE_IP, TCP_PORT, 'socat');
  return {
    sshHost: `ssh://root@${REMOTE_IP}:${SSH_PORT}`,
    tcpHost: `tcp://${REMOTE_IP}:${TCP_PORT}`,
    agentSocket,
    clientHome,
    clientEnv: { SSH_AUTH_SOCK: agentSocket, HOME: clientHome },
    sshdPid: sshd.pid!,
    killSshConnections() {
      let out = '';
      quietly(() => (out = execFileSync('pgrep', ['-P', String(sshd.pid)], { encoding: 'utf8' })));
      const pids = out.split('\n').filter(Boolean).map(Number);
      for (const pid of pids) quietly(() => process.kill(pid, 'SIGKILL'));
      return pids.length;
    },
    inClient: (argv) => ['ip', 'netns', 'exec', NAMESPACE, ...argv],
  };
}
