// The project's single-node Kubernetes cluster and its container registry, for the cluster tests and the demo.
// Everything runs on 127.0.0.1 from binaries that scripts/provision/kubernetes.sh built or unpacked into
// $BERTH_CACHE/kubernetes; the cluster's state lives in $BERTH_CACHE/cluster, the registry's in $BERTH_CACHE/registry.
//
//   up()      PKI (openssl), etcd, kube-apiserver, kube-controller-manager, kube-scheduler, a private containerd
//             (own socket, root and state) with the CNI bridge, the kubelet, and Debian's docker-registry; waits for a
//             Ready node and the `default` service account. A no-op when all of it already runs. A previous instance
//             that was killed (SIGKILL, no `down`) is cleaned up first: its leftover processes, mounts, network
//             namespaces, bridge and cgroups go, and the cluster starts with fresh etcd data.
//   down()    deletes every pod, stops exactly the processes up() started (by recorded pid, checked against their
//             command line), removes what they left, restores the sysctls the kubelet changes, and verifies that
//             nothing is left.
//   status()  what runs, what answers, and (when down) what was left behind.
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import https from 'node:https';
import { join } from 'node:path';

export const CACHE = process.env.BERTH_CACHE || '/var/cache/berth';
const BUILD = join(CACHE, 'kubernetes');
const BIN = join(BUILD, 'bin');
const TOOLS = join(BUILD, 'root', 'usr');
export const KUBECTL = join(TOOLS, 'bin', 'kubectl');
export const PAUSE_TAR = join(BUILD, 'images', 'pause.tar');
export const DIR = join(CACHE, 'cluster');
export const KUBECONFIG = join(DIR, 'admin.kubeconfig');
const REGISTRY_DIR = join(CACHE, 'registry');
export const REGISTRY = '127.0.0.1:5000';

/** Every port is on 127.0.0.1; the range 16xxx is the project's own (the feasibility run used 17xxx). */
export const PORTS = {
  etcd: 16379,
  etcdPeer: 16380,
  apiserver: 16443,
  controllerManager: 16257,
  scheduler: 16259,
  kubelet: 16250,
  kubeletHealthz: 16248,
  containerdStream: 16010,
  registry: 5000,
};
export const NODE = 'localhost';
export const BRIDGE = 'berthcni0';
const POD_CIDR = '100.72.0.0/24';
const SERVICE_CIDR = '100.73.0.0/24';
const SERVICE_IP = '100.73.0.1';
// The apiserver publishes its advertise address as the `kubernetes` service's endpoint, and endpoints may not be
// loopback: it advertises the machine's own address, where it does not listen (it binds 127.0.0.1 only), as the
// kubelet reports that address for the node. Nothing in a pod talks to the API that way (there is no kube-proxy).
function advertiseAddress() {
  const addresses = Object.entries(os.networkInterfaces())
    .filter(([name]) => name !== BRIDGE && name !== 'docker0')
    .flatMap(([, list]) => list ?? [])
    .filter((a) => a.family === 'IPv4' && !a.internal);
  return addresses[0]?.address ?? '192.0.2.10';
}
const SANDBOX_IMAGE = 'registry.k8s.io/pause:3.6';
// The kubelet rewrites these (protectKernelDefaults=false); down() puts back what was there before.
const KUBELET_SYSCTLS = ['vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops', 'kernel/keys/root_maxkeys', 'kernel/keys/root_maxbytes'];

const pki = (f) => join(DIR, 'pki', f);
const run = (f) => join(DIR, 'run', f);
const logFile = (name) => join(DIR, 'logs', `${name}.log`);
const SOCK = join(DIR, 'containerd', 'containerd.sock');
const RUNC_ROOT = join(DIR, 'containerd', 'runc');
const INSTANCE = run('instance.json');
const SYSCTL_RECORD = run('sysctl-before.json');
// What was on the host before up(): network namespaces, pod log folders, CNI's result cache.
const HOST_BASELINE = run('host-before.json');
const POD_LOGS = '/var/log/pods';
const CONTAINER_LOGS = '/var/log/containers';
const CNI_RESULTS = '/var/lib/cni/results';

// ---------------------------------------------------------------------------------------------------------------
// Logging in the shape of scripts/provision/common.sh: `[berth HH:MM:SS] what`, and `what done in N s`.

const clock = () => new Date().toTimeString().slice(0, 8);
export const defaultSay = (msg) => process.stderr.write(`[berth ${clock()}] ${msg}\n`);
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);

async function step(say, name, fn) {
  const t0 = Date.now();
  say(`${name} ...`);
  try {
    const value = await fn();
    say(`${name} done in ${seconds(t0)} s`);
    return value;
  } catch (error) {
    throw new Error(`${name} failed after ${seconds(t0)} s: ${error.message}`, { cause: error });
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------
// The processes.

function components() {
  const kubeconfig = (f) => join(DIR, f);
  return [
    {
      name: 'registry', bin: join(TOOLS, 'bin', 'docker-registry'), marker: REGISTRY_DIR, address: `http://${REGISTRY}`,
      args: ['serve', join(REGISTRY_DIR, 'config.yml')],
      ready: () => registryAnswers(),
    },
    {
      name: 'etcd', bin: join(TOOLS, 'bin', 'etcd'), marker: DIR, address: `https://127.0.0.1:${PORTS.etcd}`,
      args: ['--name', 'berth', '--data-dir', join(DIR, 'etcd'),
        '--listen-client-urls', `https://127.0.0.1:${PORTS.etcd}`, '--advertise-client-urls', `https://127.0.0.1:${PORTS.etcd}`,
        '--listen-peer-urls', `http://127.0.0.1:${PORTS.etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${PORTS.etcdPeer}`,
        '--initial-cluster', `berth=http://127.0.0.1:${PORTS.etcdPeer}`,
        '--cert-file', pki('etcd.crt'), '--key-file', pki('etcd.key'), '--client-cert-auth', '--trusted-ca-file', pki('ca.crt')],
      ready: async () => {
        const r = await request(`https://127.0.0.1:${PORTS.etcd}/health`, { tls: clientTls('apiserver-etcd-client') });
        return r.status === 200 && JSON.parse(r.body).health === 'true';
      },
    },
    {
      name: 'kube-apiserver', bin: join(BIN, 'kube-apiserver'), marker: DIR, address: `https://127.0.0.1:${PORTS.apiserver}`,
      args: [`--etcd-servers=https://127.0.0.1:${PORTS.etcd}`, `--etcd-cafile=${pki('ca.crt')}`,
        `--etcd-certfile=${pki('apiserver-etcd-client.crt')}`, `--etcd-keyfile=${pki('apiserver-etcd-client.key')}`,
        '--bind-address=127.0.0.1', `--secure-port=${PORTS.apiserver}`, '--insecure-port=0', `--advertise-address=${advertiseAddress()}`,
        `--tls-cert-file=${pki('apiserver.crt')}`, `--tls-private-key-file=${pki('apiserver.key')}`, `--client-ca-file=${pki('ca.crt')}`,
        '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction',
        `--service-account-key-file=${pki('sa.pub')}`, `--service-account-signing-key-file=${pki('sa.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-cluster-ip-range=${SERVICE_CIDR}`, '--allow-privileged=true',
        '--kubelet-preferred-address-types=Hostname', `--kubelet-certificate-authority=${pki('ca.crt')}`,
        `--kubelet-client-certificate=${pki('apiserver-kubelet-client.crt')}`, `--kubelet-client-key=${pki('apiserver-kubelet-client.key')}`,
        '--profiling=false'],
      ready: async () => (await kube('GET', '/readyz')).status === 200,
    },
    {
      name: 'kube-controller-manager', bin: join(BIN, 'kube-controller-manager'), marker: DIR, address: `https://127.0.0.1:${PORTS.controllerManager}`,
      args: [`--kubeconfig=${kubeconfig('controller-manager.kubeconfig')}`,
        `--authentication-kubeconfig=${kubeconfig('controller-manager.kubeconfig')}`, `--authorization-kubeconfig=${kubeconfig('controller-manager.kubeconfig')}`,
        '--bind-address=127.0.0.1', `--secure-port=${PORTS.controllerManager}`, '--port=0', '--leader-elect=false',
        `--service-account-private-key-file=${pki('sa.key')}`, `--root-ca-file=${pki('ca.crt')}`, '--use-service-account-credentials=true',
        // No cloud, no kube-proxy, and the kubelet is given its pod CIDR: these controllers have nothing to do.
        '--controllers=*,-nodeipam,-cloud-node-lifecycle,-route,-service',
        `--cluster-signing-cert-file=${pki('ca.crt')}`, `--cluster-signing-key-file=${pki('ca.key')}`,
        '--profiling=false'],
      ready: async () => (await request(`https://127.0.0.1:${PORTS.controllerManager}/healthz`, { tls: { rejectUnauthorized: false } })).status === 200,
    },
    {
      name: 'kube-scheduler', bin: join(BIN, 'kube-scheduler'), marker: DIR, address: `https://127.0.0.1:${PORTS.scheduler}`,
      args: [`--kubeconfig=${kubeconfig('scheduler.kubeconfig')}`,
        `--authentication-kubeconfig=${kubeconfig('scheduler.kubeconfig')}`, `--authorization-kubeconfig=${kubeconfig('scheduler.kubeconfig')}`,
        '--bind-address=127.0.0.1', `--secure-port=${PORTS.scheduler}`, '--port=0', '--leader-elect=false', '--profiling=false'],
      ready: async () => (await request(`https://127.0.0.1:${PORTS.scheduler}/healthz`, { tls: { rejectUnauthorized: false } })).status === 200,
    },
    {
      name: 'containerd', bin: '/usr/bin/containerd', marker: DIR, address: `unix://${SOCK}`,
      args: ['--config', join(DIR, 'containerd', 'config.toml')],
      ready: async () => fs.existsSync(SOCK) && ctr(['version']).status === 0,
    },
    {
      name: 'kubelet', bin: join(BIN, 'kubelet'), marker: DIR, address: `https://127.0.0.1:${PORTS.kubelet}`,
      args: [`--config=${join(DIR, 'kubelet', 'config.yaml')}`, `--kubeconfig=${kubeconfig('kubelet.kubeconfig')}`,
        '--container-runtime=remote', `--container-runtime-endpoint=unix://${SOCK}`, `--image-service-endpoint=unix://${SOCK}`,
        '--runtime-request-timeout=5m', `--root-dir=${join(DIR, 'kubelet', 'root')}`, `--cert-dir=${join(DIR, 'kubelet', 'pki')}`,
        `--hostname-override=${NODE}`, '--v=1'],
      ready: async () => (await request(`http://127.0.0.1:${PORTS.kubeletHealthz}/healthz`)).body === 'ok',
    },
  ];
}
const component = (name) => components().find((c) => c.name === name);
const CLUSTER_COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'containerd', 'kubelet'];

/** A live process's argv; undefined for a process that is gone or a zombie (whose cmdline reads empty). */
function cmdlineOf(pid) {
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    return argv.length ? argv : undefined;
  } catch {
    return undefined;
  }
}

/** The pid recorded for `c`, if that process still runs and is ours (same binary, our config): pids get reused. */
function ownPid(c) {
  let pid;
  try {
    pid = Number(fs.readFileSync(run(`${c.name}.pid`), 'utf8').trim());
  } catch {
    return undefined;
  }
  const argv = pid > 0 ? cmdlineOf(pid) : undefined;
  if (!argv || argv[0] !== c.bin || !argv.join(' ').includes(c.marker)) return undefined;
  return pid;
}

const children = new Map();

function startProcess(c) {
  fs.mkdirSync(join(DIR, 'logs'), { recursive: true });
  const log = logFile(c.name);
  if (fs.existsSync(log)) fs.renameSync(log, `${log}.previous`);
  const out = fs.openSync(log, 'a');
  // Its own session: a Ctrl-C in the terminal that ran `up` does not reach the cluster.
  const child = spawn(c.bin, c.args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: { ...process.env, PATH: `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` },
  });
  fs.closeSync(out);
  const state = { exited: undefined };
  child.on('exit', (code, signal) => (state.exited = signal ?? `exit ${code}`));
  child.on('error', (e) => (state.exited = e.message));
  child.unref();
  fs.writeFileSync(run(`${c.name}.pid`), `${child.pid}\n`);
  children.set(c.name, state);
}

function tail(file, lines = 15) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls `probe` (each try bounded by its own timeout) until it holds; fails early when `c`'s process exits. */
async function waitFor(what, probe, { timeoutMs = 60000, c, signal } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal?.throwIfAborted();
    if (await probe().catch(() => false)) return;
    const exited = c && children.get(c.name)?.exited;
    if (exited) throw new Error(`${c.name} exited (${exited}) before ${what}; last lines of ${logFile(c.name)}:\n${tail(logFile(c.name))}`);
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${c ? `; last lines of ${logFile(c.name)}:\n${tail(logFile(c.name))}` : ''}`);
    }
    await sleep(200);
  }
}

async function stopProcess(c, say, { graceMs = 10000 } = {}) {
  const pid = ownPid(c);
  fs.rmSync(run(`${c.name}.pid`), { force: true });
  if (!pid) return false;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false;
  }
  const deadline = Date.now() + graceMs;
  while (cmdlineOf(pid) && Date.now() < deadline) await sleep(100);
  if (cmdlineOf(pid)) {
    say(`${c.name} (pid ${pid}) did not stop within ${graceMs / 1000} s: SIGKILL`);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
    while (cmdlineOf(pid)) await sleep(50);
  }
  say(`stopped ${c.name} (pid ${pid})`);
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Requests: plain http(s) with the admin client certificate. No client library: the scripts that run the cluster
// stay independent of the extension's dependencies.

const tlsCache = new Map();
function clientTls(name) {
  if (!tlsCache.has(name)) {
    tlsCache.set(name, { ca: fs.readFileSync(pki('ca.crt')), cert: fs.readFileSync(pki(`${name}.crt`)), key: fs.readFileSync(pki(`${name}.key`)) });
  }
  return tlsCache.get(name);
}

function request(url, { method = 'GET', body, tls, timeoutMs = 3000, headers = {} } = {}) {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = lib.request(u, {
      method, ...(tls ?? {}), timeout: timeoutMs,
      headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}), ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8'), headers: res.headers }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${u.host} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A request to the apiserver as the cluster admin. */
export function kube(method, path, body, timeoutMs = 5000) {
  return request(`https://127.0.0.1:${PORTS.apiserver}${path}`, { method, body, tls: clientTls('admin'), timeoutMs });
}
const kubeJson = async (method, path, body) => {
  const r = await kube(method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body);
};

async function registryAnswers() {
  const r = await request(`http://${REGISTRY}/v2/`, { timeoutMs: 2000 });
  return r.status === 200 && r.headers['docker-distribution-api-version'] === 'registry/2.0';
}

/** The node reports Ready; with `sinceMs`, in a heartbeat from after that time (etcd keeps the last run's status). */
async function nodeReady(sinceMs = 0) {
  const r = await kube('GET', `/api/v1/nodes/${NODE}`);
  if (r.status !== 200) return false;
  // Heartbeat times have a resolution of one second.
  return (JSON.parse(r.body).status?.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True' && Date.parse(c.lastHeartbeatTime) >= sinceMs - 1000);
}

async function defaultServiceAccountReady() {
  const r = await kube('GET', '/api/v1/namespaces/default/serviceaccounts/default');
  // Kubernetes 1.20 gives each service account a token Secret; pods that mount a token need it.
  return r.status === 200 && (JSON.parse(r.body).secrets ?? []).length > 0;
}

/** Tasks (container processes) our containerd still runs. */
function runningTasks() {
  const r = ctr(['tasks', 'ls']);
  if (r.status !== 0) return [];
  return r.stdout.split('\n').slice(1).map((l) => l.trim().split(/\s+/)).filter((cols) => cols[2] === 'RUNNING').map((cols) => cols[0]);
}

function ctr(args) {
  return spawnSync('/usr/bin/ctr', ['--address', SOCK, '--namespace', 'k8s.io', ...args], { encoding: 'utf8', timeout: 30000 });
}

// ---------------------------------------------------------------------------------------------------------------
// Configuration: PKI, kubeconfigs, containerd, CNI, kubelet, registry. Each file is written when missing
// (keys and certificates) or rewritten with the same content (configs), so `up` stays a no-op on a working cluster.

function openssl(args) {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout;
}

function ensureKey(name) {
  const key = pki(`${name}.key`);
  if (!fs.existsSync(key)) {
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
    fs.chmodSync(key, 0o600);
  }
  return key;
}

const CERTS = [
  { name: 'apiserver', cn: 'kube-apiserver', usage: 'serverAuth',
    sans: ['DNS:localhost', 'DNS:kubernetes', 'DNS:kubernetes.default', 'DNS:kubernetes.default.svc', 'DNS:kubernetes.default.svc.cluster.local', 'IP:127.0.0.1', `IP:${SERVICE_IP}`] },
  // etcd's gRPC gateway dials etcd itself with the server certificate, so it is a client certificate too.
  { name: 'etcd', cn: 'etcd', usage: 'serverAuth,clientAuth', sans: ['DNS:localhost', 'IP:127.0.0.1'] },
  { name: 'apiserver-etcd-client', cn: 'kube-apiserver-etcd-client', usage: 'clientAuth' },
  { name: 'apiserver-kubelet-client', cn: 'kube-apiserver-kubelet-client', o: 'system:masters', usage: 'clientAuth' },
  { name: 'admin', cn: 'berth-admin', o: 'system:masters', usage: 'clientAuth' },
  { name: 'controller-manager', cn: 'system:kube-controller-manager', usage: 'clientAuth' },
  { name: 'scheduler', cn: 'system:kube-scheduler', usage: 'clientAuth' },
  { name: 'kubelet-client', cn: `system:node:${NODE}`, o: 'system:nodes', usage: 'clientAuth' },
  { name: 'kubelet-serving', cn: NODE, usage: 'serverAuth', sans: ['DNS:localhost', 'IP:127.0.0.1'] },
];

function ensurePki() {
  fs.mkdirSync(join(DIR, 'pki'), { recursive: true, mode: 0o700 });
  ensureKey('ca');
  if (!fs.existsSync(pki('ca.crt'))) {
    openssl(['req', '-x509', '-new', '-key', pki('ca.key'), '-subj', '/CN=berth-cluster-ca', '-days', '3650', '-out', pki('ca.crt'),
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign,digitalSignature']);
  }
  for (const cert of CERTS) {
    const crt = pki(`${cert.name}.crt`);
    if (fs.existsSync(crt)) continue;
    const key = ensureKey(cert.name);
    const ext = pki(`${cert.name}.ext`);
    fs.writeFileSync(ext, ['basicConstraints=critical,CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', `extendedKeyUsage=${cert.usage}`,
      ...(cert.sans ? [`subjectAltName=${cert.sans.join(',')}`] : [])].join('\n') + '\n');
    const csr = pki(`${cert.name}.csr`);
    openssl(['req', '-new', '-key', key, '-subj', `${cert.o ? `/O=${cert.o}` : ''}/CN=${cert.cn}`, '-out', csr]);
    openssl(['x509', '-req', '-in', csr, '-CA', pki('ca.crt'), '-CAkey', pki('ca.key'), '-set_serial', `0x${randomBytes(12).toString('hex')}`,
      '-days', '3650', '-extfile', ext, '-out', crt]);
    fs.rmSync(csr);
    fs.rmSync(ext);
  }
  // The service-account token signing key pair.
  ensureKey('sa');
  if (!fs.existsSync(pki('sa.pub'))) openssl(['pkey', '-in', pki('sa.key'), '-pubout', '-out', pki('sa.pub')]);
}

const b64 = (file) => fs.readFileSync(file).toString('base64');
function kubeconfigText(user, certName) {
  return `# Written by Berth's scripts/lib/cluster.mjs for the project's local test and demo cluster.
apiVersion: v1
kind: Config
clusters:
- name: berth
  cluster:
    server: https://127.0.0.1:${PORTS.apiserver}
    certificate-authority-data: ${b64(pki('ca.crt'))}
users:
- name: ${user}
  user:
    client-certificate-data: ${b64(pki(`${certName}.crt`))}
    client-key-data: ${b64(pki(`${certName}.key`))}
contexts:
- name: berth
  context:
    cluster: berth
    user: ${user}
    namespace: default
current-context: berth
`;
}

function writeIfChanged(file, text, mode = 0o644) {
  let old;
  try {
    old = fs.readFileSync(file, 'utf8');
  } catch {
    // new file
  }
  if (old !== text) fs.writeFileSync(file, text, { mode });
}

function writeConfigs() {
  for (const d of ['run', 'logs', 'etcd', 'containerd/certs.d/127.0.0.1:5000', 'cni/net.d', 'cni/ipam', 'kubelet/root', 'kubelet/pki', 'kubelet/volume-plugins']) {
    fs.mkdirSync(join(DIR, d), { recursive: true });
  }
  fs.chmodSync(join(DIR, 'etcd'), 0o700);
  writeIfChanged(KUBECONFIG, kubeconfigText('berth-admin', 'admin'), 0o600);
  writeIfChanged(join(DIR, 'controller-manager.kubeconfig'), kubeconfigText('system:kube-controller-manager', 'controller-manager'), 0o600);
  writeIfChanged(join(DIR, 'scheduler.kubeconfig'), kubeconfigText('system:kube-scheduler', 'scheduler'), 0o600);
  writeIfChanged(join(DIR, 'kubelet.kubeconfig'), kubeconfigText(`system:node:${NODE}`, 'kubelet-client'), 0o600);

  writeIfChanged(join(DIR, 'containerd', 'config.toml'), `# Berth's private containerd for the local cluster: its own socket, root and state (not Docker's).
version = 2
root = "${join(DIR, 'containerd', 'root')}"
state = "${join(DIR, 'containerd', 'state')}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "${SOCK}"
[ttrpc]
  address = "${SOCK}.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""
[plugins."io.containerd.internal.v1.opt"]
  path = "${join(DIR, 'containerd', 'opt')}"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "${SANDBOX_IMAGE}"
  stream_server_address = "127.0.0.1"
  stream_server_port = "${PORTS.containerdStream}"
  enable_selinux = false
  # This machine kind lacks CAP_SYS_RESOURCE: without this every pod sandbox fails to start
  # ("can't get final child's PID from pipe: EOF" from runc, which cannot lower oom_score_adj).
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        Root = "${RUNC_ROOT}"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "${join(TOOLS, 'lib', 'cni')}"
    conf_dir = "${join(DIR, 'cni', 'net.d')}"
  [plugins."io.containerd.grpc.v1.cri".registry]
    # hosts.toml per registry: 127.0.0.1:5000 is the project's registry, over plain http.
    config_path = "${join(DIR, 'containerd', 'certs.d')}"
`);
  writeIfChanged(join(DIR, 'containerd', 'certs.d', '127.0.0.1:5000', 'hosts.toml'), `server = "http://${REGISTRY}"

[host."http://${REGISTRY}"]
  capabilities = ["pull", "resolve"]
`);
  writeIfChanged(join(DIR, 'cni', 'net.d', '10-berth.conflist'), JSON.stringify({
    cniVersion: '0.4.0',
    name: 'berth-pods',
    plugins: [{
      type: 'bridge', bridge: BRIDGE, isGateway: true, hairpinMode: true,
      // No masquerading and no default route: pods reach the node and each other, nothing outside.
      ipMasq: false,
      ipam: { type: 'host-local', dataDir: join(DIR, 'cni', 'ipam'), ranges: [[{ subnet: POD_CIDR }]], routes: [{ dst: POD_CIDR }] },
    }],
  }, null, 2) + '\n');
  writeIfChanged(join(DIR, 'kubelet', 'config.yaml'), `apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: ${PORTS.kubelet}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${PORTS.kubeletHealthz}
tlsCertFile: ${pki('kubelet-serving.crt')}
tlsPrivateKeyFile: ${pki('kubelet-serving.key')}
# Only the apiserver (its kubelet client certificate) and others the apiserver authorizes may use the kubelet API.
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: ${pki('ca.crt')}}
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
failSwapOn: false
# The kubelet leaves iptables alone (no kube-proxy here).
makeIPTablesUtilChains: false
volumePluginDir: ${join(DIR, 'kubelet', 'volume-plugins')}
podCIDR: ${POD_CIDR}
clusterDomain: cluster.local
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "1%"
  imagefs.available: "1%"
  nodefs.inodesFree: "1%"
# The sandbox image is imported, not pulled: image garbage collection must not remove it.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
serializeImagePulls: false
`);
  fs.mkdirSync(join(REGISTRY_DIR, 'data'), { recursive: true });
  writeIfChanged(join(REGISTRY_DIR, 'config.yml'), `# Berth's local registry (Debian's docker-registry, distribution 2.8): loopback only, no auth, storage in the cache.
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${join(REGISTRY_DIR, 'data')}
  delete:
    enabled: true
http:
  addr: ${REGISTRY}
  headers:
    X-Content-Type-Options: [nosniff]
`);
}

// ---------------------------------------------------------------------------------------------------------------
// Host state the kubelet, containerd and CNI change: sysctls, network namespaces, the bridge, mounts, cgroups.

function readSysctls() {
  return Object.fromEntries(KUBELET_SYSCTLS.map((k) => [k, fs.readFileSync(`/proc/sys/${k}`, 'utf8').trim()]));
}

function recordHostBaseline() {
  // Recorded once per instance: after a kill, the record still holds the values from before the kubelet.
  if (!fs.existsSync(SYSCTL_RECORD)) fs.writeFileSync(SYSCTL_RECORD, JSON.stringify(readSysctls(), null, 2));
  if (!fs.existsSync(HOST_BASELINE)) {
    const list = (d) => (fs.existsSync(d) ? fs.readdirSync(d) : null);
    fs.writeFileSync(HOST_BASELINE, JSON.stringify({ netns: list('/run/netns'), netnsMounted: isMountPoint('/run/netns'), podLogs: list(POD_LOGS), containerLogs: list(CONTAINER_LOGS), cniResults: list(CNI_RESULTS), cni: fs.existsSync('/var/lib/cni') }));
  }
}

function restoreSysctls(say) {
  let before;
  try {
    before = JSON.parse(fs.readFileSync(SYSCTL_RECORD, 'utf8'));
  } catch {
    return;
  }
  const now = readSysctls();
  const changed = Object.keys(before).filter((k) => before[k] !== now[k]);
  for (const k of changed) fs.writeFileSync(`/proc/sys/${k}`, before[k]);
  if (changed.length) say(`restored sysctls ${changed.map((k) => `${k.replaceAll('/', '.')}=${before[k]}`).join(' ')}`);
  fs.rmSync(SYSCTL_RECORD);
}

function hostBaseline() {
  try {
    return JSON.parse(fs.readFileSync(HOST_BASELINE, 'utf8'));
  } catch {
    // No record: assume everything that is there was there before (remove nothing we cannot tell is ours).
    const list = (d) => (fs.existsSync(d) ? fs.readdirSync(d) : null);
    return { netns: list('/run/netns'), netnsMounted: isMountPoint('/run/netns'), podLogs: list(POD_LOGS), containerLogs: list(CONTAINER_LOGS), cniResults: list(CNI_RESULTS), cni: true };
  }
}

/** Network namespaces containerd made for our pods: cni-* in /run/netns that were not there before up(). */
function ourNetns() {
  if (!fs.existsSync('/run/netns')) return [];
  const before = new Set(hostBaseline().netns ?? []);
  return fs.readdirSync('/run/netns').filter((n) => n.startsWith('cni-') && !before.has(n));
}

/** The kubelet's log folders (/var/log/pods/NS_POD_UID, /var/log/containers/*.log) that appeared since up(). */
function ourPodLogs() {
  const base = hostBaseline();
  const since = (dir, before) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => !(before ?? []).includes(n)).map((n) => join(dir, n)) : []);
  return [...since(POD_LOGS, base.podLogs), ...since(CONTAINER_LOGS, base.containerLogs)];
}

/**
 * CNI's cached results for our sandboxes that appeared since up(): `berth-pods-ID-eth0` (our network; left when a
 * sandbox was never torn down) and `cni-loopback-ID-lo` (containerd never removes those).
 */
function ourCniResults() {
  if (!fs.existsSync(CNI_RESULTS)) return [];
  const before = new Set(hostBaseline().cniResults ?? []);
  return fs.readdirSync(CNI_RESULTS).filter((n) => /^(berth-pods|cni-loopback)-/.test(n) && !before.has(n)).map((n) => join(CNI_RESULTS, n));
}

/** containerd 1.6 puts each shim's socket at /run/containerd/s/sha256(address/namespace/id), for any instance. */
function shimSocket(id) {
  return join('/run/containerd/s', createHash('sha256').update(join(SOCK, 'k8s.io', id)).digest('hex'));
}

function mountsUnder(prefixes) {
  return fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter(Boolean)
    .map((m) => m.replace(/\\040/g, ' '))
    .filter((m) => prefixes.some((p) => m === p || m.startsWith(`${p}/`)));
}

function isMountPoint(path) {
  return mountsUnder([path]).includes(path);
}

/**
 * /run/netns can become a mount point (bound on itself, as `ip netns add` and some CNI code do) while the cluster
 * runs, and nothing undoes it. A CI run on a fresh machine ended with one. That mount is ours only when /run/netns
 * was not a mount point before up(); one that was there before is left alone and not reported.
 */
function ourNetnsMount() {
  return isMountPoint('/run/netns') && hostBaseline().netnsMounted === false;
}

function bridgeExists() {
  return fs.existsSync(`/sys/class/net/${BRIDGE}`);
}

const cgroupRoots = () => {
  try {
    return fs.readdirSync('/sys/fs/cgroup').map((d) => join('/sys/fs/cgroup', d, 'kubepods')).filter((d) => fs.existsSync(d));
  } catch {
    return [];
  }
};

function pidsInCgroups() {
  const pids = new Set();
  const walk = (dir) => {
    for (const f of ['cgroup.procs', 'tasks']) {
      try {
        fs.readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).forEach((p) => pids.add(Number(p)));
      } catch {
        // not in this hierarchy
      }
    }
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(join(dir, e.name));
  };
  cgroupRoots().forEach((d) => {
    try {
      walk(d);
    } catch {
      // removed meanwhile
    }
  });
  return [...pids];
}

/** Processes of ours that run without a pid file: shims of our containerd, anything started from our folders. */
function strayProcesses() {
  const bins = new Set(components().map((c) => c.bin).filter((b) => b !== '/usr/bin/containerd'));
  const found = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    const argv = cmdlineOf(e);
    if (!argv?.length) continue;
    const line = argv.join(' ');
    const shim = argv[0].endsWith('containerd-shim-runc-v2') && line.includes(`-address ${SOCK}`);
    if (bins.has(argv[0]) || shim || (argv[0] === '/usr/bin/containerd' && line.includes(join(DIR, 'containerd', 'config.toml')))) {
      found.push({ pid: Number(e), command: line.slice(0, 160) });
    }
  }
  for (const pid of pidsInCgroups()) {
    if (!found.some((p) => p.pid === pid)) found.push({ pid, command: `${(cmdlineOf(pid) ?? ['?']).join(' ').slice(0, 120)} (in a kubepods cgroup)` });
  }
  return found;
}

function listening() {
  const ports = new Set(Object.values(PORTS));
  const found = [];
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let lines = [];
    try {
      lines = fs.readFileSync(f, 'utf8').split('\n').slice(1);
    } catch {
      continue;
    }
    for (const l of lines) {
      const cols = l.trim().split(/\s+/);
      if (cols[3] !== '0A') continue; // LISTEN
      const port = parseInt(cols[1].split(':')[1], 16);
      if (ports.has(port)) found.push(port);
    }
  }
  return [...new Set(found)];
}

/** What a stopped cluster must not leave behind. Empty when clean. */
export function leftovers() {
  const out = [];
  for (const p of strayProcesses()) out.push(`process ${p.pid}: ${p.command}`);
  for (const m of mountsUnder([DIR, '/run/netns'])) if (m !== '/run/netns' || ourNetnsMount()) out.push(`mount ${m}`);
  for (const n of ourNetns()) out.push(`network namespace ${n}`);
  const runcRoot = join(RUNC_ROOT, 'k8s.io');
  for (const id of fs.existsSync(runcRoot) ? fs.readdirSync(runcRoot) : []) out.push(`container ${id.slice(0, 12)} (runc state)`);
  for (const f of [...ourPodLogs(), ...ourCniResults()]) out.push(`file ${f}`);
  if (bridgeExists()) out.push(`bridge ${BRIDGE}`);
  for (const port of listening()) out.push(`listening on 127.0.0.1:${port}`);
  if (fs.existsSync(SYSCTL_RECORD)) {
    const before = JSON.parse(fs.readFileSync(SYSCTL_RECORD, 'utf8'));
    const now = readSysctls();
    for (const k of Object.keys(before)) if (before[k] !== now[k]) out.push(`sysctl ${k.replaceAll('/', '.')}=${now[k]} (was ${before[k]})`);
  }
  for (const d of cgroupRoots()) out.push(`cgroup ${d}`);
  return out;
}

/** `12 mounts, 2 network namespaces, bridge berthcni0, …` for a log line. */
function summarize(items) {
  const counts = new Map();
  for (const item of items) {
    const kind = /^(process|mount|network namespace|bridge|listening|sysctl|cgroup)/.exec(item)?.[1] ?? item;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts].map(([kind, n]) => `${n} × ${kind}`).join(', ');
}

function killPid(pid, signal = 'SIGKILL') {
  try {
    process.kill(pid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Deletes one of our pods' network namespaces; false when its file cannot be removed (reported by leftovers()). */
function deleteNetns(name, say) {
  const file = join('/run/netns', name);
  if (spawnSync('ip', ['netns', 'delete', name], { encoding: 'utf8' }).status !== 0) {
    if (isMountPoint(file)) spawnSync('umount', ['-l', file]);
    try {
      fs.rmSync(file, { force: true });
    } catch (error) {
      if (error.code !== 'EBUSY') throw error;
      return false;
    }
  }
  say(`deleted network namespace ${name}`);
  return true;
}

/**
 * Undoes the bind of /run/netns on itself that appeared while the cluster ran (stacked when more than one
 * namespace was made at once). Without MNT_DETACH: a namespace still mounted on it keeps it, and says so.
 */
function unmountNetnsBind(say) {
  for (let i = 0; i < 10 && isMountPoint('/run/netns'); i++) {
    if (spawnSync('umount', ['/run/netns']).status !== 0) break;
  }
  if (isMountPoint('/run/netns')) say('could not unmount /run/netns; the next down tries again');
  else say('unmounted /run/netns (it became a mount point while the cluster ran)');
}

/**
 * Removes everything a cluster instance can leave when it was killed instead of stopped: containers still running
 * (runc state under our runc root), shims, processes in the kubelet's cgroups, mounts under our folder, our pods'
 * network namespaces, the bridge, the kubelet's cgroups and stale IP reservations. Safe to run when nothing is left.
 */
async function removeLeftovers(say) {
  const runcRoot = join(RUNC_ROOT, 'k8s.io');
  const ids = fs.existsSync(runcRoot) ? fs.readdirSync(runcRoot) : [];
  for (const id of ids) {
    const r = spawnSync('runc', ['--root', runcRoot, 'delete', '--force', id], { encoding: 'utf8', timeout: 20000 });
    if (r.status === 0) say(`removed container ${id.slice(0, 12)} (runc)`);
    // The socket of its shim, if the shim was killed before it could remove it.
    fs.rmSync(shimSocket(id), { force: true });
  }
  for (let round = 0; round < 20; round++) {
    const stray = strayProcesses();
    if (stray.length === 0) break;
    for (const p of stray) if (killPid(p.pid) && round === 0) say(`killed ${p.command.slice(0, 100)} (pid ${p.pid})`);
    await sleep(100);
  }
  const busy = ourNetns().filter((n) => !deleteNetns(n, say));
  if (busy.length && ourNetnsMount()) {
    // A namespace made before /run/netns was bound on itself (by `ip netns add`, say) is mounted on the folder
    // underneath that bind: the path shows the bare file, which no one can unlink (EBUSY) while the hidden mount
    // stands. With our other namespaces gone the bind has nothing on it: unmount it (never lazily), then retry.
    unmountNetnsBind(say);
    for (const n of busy) deleteNetns(n, say);
  }
  // Deepest first: rootfs overlays, shm, the kubelet's volume tmpfs.
  const mounts = mountsUnder([DIR]).sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    const r = spawnSync('umount', [m], { encoding: 'utf8' });
    if (r.status !== 0) spawnSync('umount', ['-l', m]);
  }
  if (mounts.length) say(`unmounted ${mounts.length} mount(s) under ${DIR}`);
  if (bridgeExists()) {
    spawnSync('ip', ['link', 'delete', BRIDGE]);
    say(`deleted bridge ${BRIDGE}`);
  }
  for (const root of cgroupRoots()) {
    const dirs = [];
    const walk = (d) => {
      dirs.push(d);
      for (const e of fs.readdirSync(d, { withFileTypes: true })) if (e.isDirectory()) walk(join(d, e.name));
    };
    try {
      walk(root);
    } catch {
      continue;
    }
    for (const d of dirs.sort((a, b) => b.length - a.length)) {
      try {
        fs.rmdirSync(d);
      } catch {
        // busy; reported by leftovers()
      }
    }
  }
  // Every pod is gone, so every IP reservation and cached CNI result is stale, and their logs are ours to remove
  // (a killed instance released nothing; the kubelet removes logs only a while after a pod goes).
  fs.rmSync(join(DIR, 'cni', 'ipam'), { recursive: true, force: true });
  const files = [...ourPodLogs(), ...ourCniResults()];
  for (const f of files) fs.rmSync(f, { recursive: true, force: true });
  if (files.length) say(`removed ${files.length} pod log folder(s), log link(s) and CNI result(s)`);
  const base = hostBaseline();
  if (ourNetnsMount() && fs.readdirSync('/run/netns').length === 0) unmountNetnsBind(say);
  const removeIfEmpty = (d) => {
    if (fs.existsSync(d) && fs.readdirSync(d).length === 0 && mountsUnder([d]).length === 0) fs.rmdirSync(d);
  };
  if (base.netns === null) removeIfEmpty('/run/netns');
  if (base.podLogs === null) removeIfEmpty(POD_LOGS);
  if (base.containerLogs === null) removeIfEmpty(CONTAINER_LOGS);
  if (!base.cni) {
    removeIfEmpty(CNI_RESULTS);
    removeIfEmpty('/var/lib/cni');
  }
  // Kept while /run/netns is still a mount of ours: without the record it would pass for the host's own, unreported.
  if (!ourNetnsMount()) fs.rmSync(HOST_BASELINE, { force: true });
  restoreSysctls(say);
}

// ---------------------------------------------------------------------------------------------------------------
// A lock, so that `npm start`'s background `up` and an `npm test` never start two instances at once.

async function withLock(say, fn) {
  const lock = run('lock');
  fs.mkdirSync(run(''), { recursive: true });
  const deadline = Date.now() + 10 * 60 * 1000;
  let said = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      const holder = Number(fs.readFileSync(lock, 'utf8').trim() || 0);
      if (!holder || !cmdlineOf(holder)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (!said) say(`waiting for another cluster command (pid ${holder}) to finish`);
      said = true;
      if (Date.now() > deadline) throw new Error(`another cluster command (pid ${holder}) still holds ${lock}`);
      await sleep(250);
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// status / up / down

function checkBinaries() {
  const missing = components().map((c) => c.bin).concat([PAUSE_TAR, '/usr/bin/ctr', join(TOOLS, 'lib', 'cni', 'bridge')]).filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`missing ${missing.join(', ')}: run scripts/provision/kubernetes.sh first (it builds and caches them)`);
}

async function probe(c) {
  const pid = ownPid(c);
  const ready = pid ? await c.ready().catch(() => false) : false;
  return { name: c.name, pid, ready, address: c.address };
}

/** What runs and answers. `up` is true when every component runs, answers, and the node is Ready. */
export async function status() {
  const rows = await Promise.all(components().map(probe));
  const node = rows.every((r) => r.ready) ? await nodeReady().catch(() => false) : false;
  const anyAlive = rows.some((r) => r.pid);
  return {
    up: rows.every((r) => r.ready) && node,
    nodeReady: node,
    components: rows,
    kubeconfig: KUBECONFIG,
    registry: REGISTRY,
    instanceRecorded: fs.existsSync(INSTANCE),
    leftovers: anyAlive ? [] : leftovers(),
  };
}

export function formatStatus(s) {
  const lines = [];
  if (s.up) {
    lines.push(`cluster: up, node ${NODE} Ready; registry ${REGISTRY} answers`);
    lines.push(`kubeconfig: ${s.kubeconfig}   (e.g. KUBECONFIG=${s.kubeconfig} ${KUBECTL} get pods -A)`);
  } else if (s.components.every((c) => c.pid)) {
    lines.push(`cluster: every process runs, but not everything answers (yet)${s.nodeReady ? '' : `; node ${NODE} not Ready`}`);
  } else if (s.components.some((c) => c.pid)) {
    lines.push('cluster: partly up; `up` restarts it');
  } else {
    lines.push(`cluster: down; ${s.leftovers.length ? `left behind:\n    ${s.leftovers.join('\n    ')}` : 'nothing left behind (checked processes, mounts, network namespaces, bridge, ports, sysctls, cgroups)'}`);
  }
  for (const c of s.components) {
    lines.push(`  ${c.name.padEnd(24)} ${(c.pid ? `pid ${c.pid}` : 'not running').padEnd(12)} ${c.address.padEnd(44)} ${c.pid ? (c.ready ? 'answers' : 'NOT answering') : ''}`);
  }
  return lines.join('\n');
}

async function podsEverywhere() {
  const list = await kubeJson('GET', '/api/v1/pods');
  return list.items.map((p) => `${p.metadata.namespace}/${p.metadata.name}`);
}

async function stopCluster(say) {
  const apiserver = component('kube-apiserver');
  const kubelet = component('kubelet');
  // 1. Pods first, while the kubelet still runs: it stops their containers and sandboxes and CNI releases their IPs.
  if (ownPid(apiserver) && ownPid(kubelet) && (await apiserver.ready().catch(() => false))) {
    const pods = await podsEverywhere().catch(() => []);
    if (pods.length) {
      await step(say, `deleting ${pods.length} pod(s)`, async () => {
        const deleteAll = async (gracePeriodSeconds) => {
          const namespaces = [...new Set((await podsEverywhere()).map((p) => p.split('/')[0]))];
          for (const ns of namespaces) await kube('DELETE', `/api/v1/namespaces/${ns}/pods`, { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds });
        };
        await deleteAll(1);
        // The kubelet removes a pod from the API once its containers, sandbox, volumes and cgroup are gone.
        const graceful = await waitFor('the kubelet to stop every pod', async () => (await podsEverywhere()).length === 0, { timeoutMs: 30000 }).then(() => true, () => false);
        if (!graceful) {
          // Kubernetes 1.20's kubelet can leave a pod Terminating for good (one deleted while it starts, say).
          say(`still terminating after 30 s: ${(await podsEverywhere().catch(() => [])).join(', ')}; deleting them without a grace period`);
          await deleteAll(0);
        }
        await waitFor('the pods\' containers and network namespaces to go', async () => runningTasks().length === 0 && ourNetns().length === 0, { timeoutMs: 30000 })
          .catch((e) => say(`${e.message.split('\n')[0]}; stopping anyway (what is left is removed below)`));
      });
    }
  }
  await stopProcess(kubelet, say);
  // 2. Containers the kubelet did not stop (it was gone, or a pod would not die).
  if (ownPid(component('containerd'))) {
    const tasks = ctr(['tasks', 'ls', '-q']).stdout?.split('\n').filter(Boolean) ?? [];
    for (const t of tasks) ctr(['tasks', 'kill', '-s', 'SIGKILL', t]);
    for (const t of tasks) ctr(['tasks', 'delete', '-f', t]);
    if (tasks.length) say(`killed ${tasks.length} container task(s) the kubelet left`);
  }
  for (const name of ['kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'containerd', 'etcd']) await stopProcess(component(name), say);
}

/**
 * Brings the registry and the cluster up (see the top of this file). Returns { started, kubeconfig, registry, took }:
 * `started` is false when everything already ran, so a caller knows whether it is its own to bring down.
 */
export async function up({ say = defaultSay, signal } = {}) {
  const t0 = Date.now();
  checkBinaries();
  return withLock(say, async () => {
    const before = await status();
    if (before.up) {
      say('the cluster and the registry already run: nothing to do');
      say(formatStatus(before));
      return { started: false, kubeconfig: KUBECONFIG, registry: REGISTRY, took: seconds(t0) };
    }
    let alive = before.components.filter((c) => c.pid).map((c) => c.name);
    if (alive.length === before.components.length) {
      // Every process runs but something does not answer: a slow probe on a loaded machine, or a component
      // being restarted. Give it time before deciding it is broken.
      say(`every process runs but ${before.components.filter((c) => !c.ready).map((c) => c.name).join(', ') || `node ${NODE}`} does not answer yet: waiting up to 60 s`);
      const answered = await waitFor('the cluster to answer', async () => (await status()).up, { signal, timeoutMs: 60000 }).then(() => true, () => false);
      if (answered) {
        say('the cluster and the registry answer: nothing to do');
        return { started: false, kubeconfig: KUBECONFIG, registry: REGISTRY, took: seconds(t0) };
      }
      alive = (await status()).components.filter((c) => c.pid).map((c) => c.name);
    }
    let freshEtcd = false;
    const stopAlive = async () => {
      for (const name of ['kubelet', 'kube-scheduler', 'kube-controller-manager', 'kube-apiserver', 'containerd', 'etcd', 'registry']) {
        if (alive.includes(name)) await stopProcess(component(name), say);
      }
    };
    if (alive.length) {
      // Partly up (a component died or never answered): stop the rest, remove what it left, start it all again.
      // etcd keeps its data: the pods in it belong to whoever made them, and the kubelet starts them again.
      await step(say, `restarting a cluster that is partly up (running: ${alive.join(', ')})`, async () => {
        await stopAlive();
        await removeLeftovers(say);
      });
    } else if (before.instanceRecorded || before.leftovers.length) {
      // Killed without `down`: nothing of it runs, but its mounts, namespaces, bridge, cgroups and containers remain,
      // and its etcd still names the pods it ran (the kubelet would start them again): clean up, start empty.
      await step(say, 'cleaning up after a cluster that was killed (not stopped with down)', async () => {
        if (before.leftovers.length) say(`left behind: ${summarize(before.leftovers)}`);
        await removeLeftovers(say);
        // containerd's root goes too: its metadata names the dead instance's containers and sandboxes. Images come
        // back from the registry (the pause image is imported again).
        for (const d of ['etcd', 'containerd/root', 'containerd/state', 'kubelet/root']) fs.rmSync(join(DIR, d), { recursive: true, force: true });
        freshEtcd = true;
      });
    }
    await step(say, 'certificates, kubeconfigs and configuration', () => {
      ensurePki();
      writeConfigs();
      recordHostBaseline();
      fs.writeFileSync(INSTANCE, JSON.stringify({ startedAt: new Date().toISOString(), by: process.pid, freshEtcd }));
    });
    const taken = listening();
    if (taken.length) throw new Error(`port(s) ${taken.join(', ')} on 127.0.0.1 are taken by processes that are not this cluster's: stop them, then run up again`);

    const start = (name, what, extra) => step(say, what, async () => {
      const c = component(name);
      startProcess(c);
      await waitFor(`${name} to answer on ${c.address}`, c.ready, { c, signal, timeoutMs: 90000 });
      if (extra) await extra();
    });
    const registry = start('registry', `registry on ${REGISTRY}`);
    const node = start('containerd', 'containerd (private instance)', async () => {
      if (!ctr(['images', 'ls', '-q']).stdout.split('\n').includes(SANDBOX_IMAGE)) {
        const r = ctr(['images', 'import', '--all-platforms', PAUSE_TAR]);
        if (r.status !== 0) throw new Error(`importing the pause image failed: ${r.stderr.trim()}`);
      }
    });
    const controlPlane = (async () => {
      await start('etcd', `etcd on 127.0.0.1:${PORTS.etcd}`);
      await start('kube-apiserver', `kube-apiserver on 127.0.0.1:${PORTS.apiserver}`);
    })();
    await Promise.all([controlPlane, node, registry]);
    await Promise.all([
      start('kube-controller-manager', 'kube-controller-manager'),
      start('kube-scheduler', 'kube-scheduler'),
      step(say, `kubelet, node ${NODE} Ready`, async () => {
        const c = component('kubelet');
        const since = Date.now();
        startProcess(c);
        await waitFor('the kubelet to answer', c.ready, { c, signal, timeoutMs: 90000 });
        await waitFor(`node ${NODE} to be Ready`, () => nodeReady(since), { c, signal, timeoutMs: 120000 });
      }),
    ]);
    await step(say, 'the default service account and its token', () => waitFor('the default service account', defaultServiceAccountReady, { signal, timeoutMs: 60000 }));
    const after = await status();
    if (!after.up) throw new Error(`the cluster did not come up:\n${formatStatus(after)}`);
    say(`cluster up in ${seconds(t0)} s`);
    say(formatStatus(after));
    return { started: true, kubeconfig: KUBECONFIG, registry: REGISTRY, took: seconds(t0) };
  });
}

/** Stops the cluster and the registry and verifies nothing is left; throws with the list when something is. */
export async function down({ say = defaultSay } = {}) {
  const t0 = Date.now();
  return withLock(say, async () => {
    await stopCluster(say);
    await stopProcess(component('registry'), say);
    await removeLeftovers(say);
    const left = leftovers();
    if (left.length) throw new Error(`down left behind:\n  ${left.join('\n  ')}`);
    fs.rmSync(INSTANCE, { force: true });
    say(`cluster and registry down in ${seconds(t0)} s; nothing left behind (checked processes, mounts, network namespaces, bridge ${BRIDGE}, ports, sysctls, cgroups)`);
  });
}

/** Restarts one component in place (for tests: a watch must survive an apiserver restart). */
export async function restart(name, { say = defaultSay } = {}) {
  const c = component(name);
  if (!c) throw new Error(`no component ${name}; one of: ${components().map((x) => x.name).join(', ')}`);
  return withLock(say, async () => {
    if (!ownPid(c)) throw new Error(`${name} does not run: bring the cluster up first`);
    await stopProcess(c, say);
    await step(say, `starting ${name}`, async () => {
      startProcess(c);
      await waitFor(`${name} to answer on ${c.address}`, c.ready, { c, timeoutMs: 90000 });
    });
  });
}
