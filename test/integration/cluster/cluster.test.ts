// The project's local cluster and registry (scripts/lib/cluster.mjs, brought up by scripts/test.mjs), checked from
// outside with plain HTTPS and the Docker Engine: the node is Ready, every port is on 127.0.0.1 only, the registry
// answers, and an image pushed with Docker reaches a pod by a pull from the registry (not by an import).
import { strict as assert } from 'assert';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as https from 'https';
import * as yaml from 'js-yaml';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

const KUBECONFIG = process.env.BERTH_TEST_KUBECONFIG;
const REGISTRY = process.env.BERTH_TEST_REGISTRY ?? '127.0.0.1:5000';
const CACHE = process.env.BERTH_CACHE ?? '/var/cache/berth';
// The static pause binary scripts/provision/kubernetes.sh keeps: `pause -v` prints its version and exits.
const PAUSE = path.join(CACHE, 'kubernetes', 'images', 'pause');
const RUN_ID = `${process.pid}-${Date.now()}`;
const LABEL = 'berth.test.cluster';

interface Kube {
  readonly server: URL;
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: string }>;
  json<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T>;
}

/** Just enough of a client for a smoke test: the kubeconfig's current context, client-certificate auth. */
function kubeFrom(file: string): Kube {
  type Named<T> = { name: string } & T;
  const config = yaml.load(fs.readFileSync(file, 'utf8')) as {
    'current-context': string;
    contexts: Named<{ context: { cluster: string; user: string } }>[];
    clusters: Named<{ cluster: { server: string; 'certificate-authority-data': string } }>[];
    users: Named<{ user: { 'client-certificate-data': string; 'client-key-data': string } }>[];
  };
  const context = config.contexts.find((c) => c.name === config['current-context'])!.context;
  const cluster = config.clusters.find((c) => c.name === context.cluster)!.cluster;
  const user = config.users.find((u) => u.name === context.user)!.user;
  const b64 = (s: string) => Buffer.from(s, 'base64');
  const tls = { ca: b64(cluster['certificate-authority-data']), cert: b64(user['client-certificate-data']), key: b64(user['client-key-data']) };
  const server = new URL(cluster.server);
  const request = (method: string, p: string, body?: unknown) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
      const req = https.request(new URL(p, server), { method, ...tls, timeout: 10000, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${p}: no answer within 10 s`)));
      req.on('error', reject);
      req.end(payload);
    });
  return {
    server,
    request,
    async json(method, p, body) {
      const r = await request(method, p, body);
      if (r.status >= 300) throw new Error(`${method} ${p}: ${r.status} ${r.body.slice(0, 400)}`);
      return JSON.parse(r.body);
    },
  };
}

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 120000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether something accepts TCP connections on host:port. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 2000 });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
  });
}

describe('Local cluster and registry (real Kubernetes, real registry)', function () {
  this.timeout(180000);
  let kube: Kube;
  before(() => {
    // Never a skip: without a cluster, the cluster tests fail and say why.
    if (!KUBECONFIG) {
      throw new Error(`no cluster for the tests: ${process.env.BERTH_TEST_CLUSTER_ERROR ?? 'BERTH_TEST_KUBECONFIG is not set (npm test sets it; or run `npm run cluster -- up` and set it to the kubeconfig it prints)'}`);
    }
    kube = kubeFrom(KUBECONFIG);
  });
  before(async () => {
    // A run that was killed could not delete its namespace: remove those whose process is gone.
    const list = await kube.json<{ items: { metadata: { name: string } }[] }>('GET', '/api/v1/namespaces');
    for (const name of list.items.map((n) => n.metadata.name)) {
      const pid = Number(/^berth-smoke-(\d+)-\d+$/.exec(name)?.[1]);
      if (pid && !isAlive(pid)) await kube.request('DELETE', `/api/v1/namespaces/${name}`);
    }
  });

  it('has a Ready node', async () => {
    const nodes = await kube.json<{ items: { metadata: { name: string }; status: { conditions: { type: string; status: string }[] } }[] }>('GET', '/api/v1/nodes');
    assert.deepEqual(nodes.items.map((n) => [n.metadata.name, n.status.conditions.find((c) => c.type === 'Ready')?.status]), [['localhost', 'True']]);
  });

  it('answers the registry API on 127.0.0.1:5000', async () => {
    const res = await fetch(`http://${REGISTRY}/v2/`, { signal: AbortSignal.timeout(5000) });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('docker-distribution-api-version'), 'registry/2.0');
  });

  it('listens on loopback only: the apiserver, the kubelet and the registry refuse the machine\'s other addresses', async () => {
    const others = Object.values(os.networkInterfaces()).flat().filter((a) => a && !a.internal && a.family === 'IPv4').map((a) => a!.address);
    assert.ok(others.length > 0, 'this machine has no non-loopback IPv4 address to try');
    const ports = [Number(kube.server.port), 16250, Number(REGISTRY.split(':')[1])];
    assert.deepEqual(await Promise.all(ports.map((p) => accepts('127.0.0.1', p))), [true, true, true], 'the ports do not answer on 127.0.0.1');
    const open: string[] = [];
    for (const address of others) for (const port of ports) if (await accepts(address, port)) open.push(`${address}:${port}`);
    assert.deepEqual(open, []);
  });

  describe('an image pushed with Docker', () => {
    const docker = new Docker();
    const namespace = `berth-smoke-${RUN_ID}`;
    // One tag for every run (each run's image differs by its label, so the digest check still tells them apart):
    // the node keeps what it pulled, and a tag per run would pile up there.
    const ref = `${REGISTRY}/berth-test/smoke:latest`;
    let dir: string | undefined;
    let digest: string | undefined;

    after(async () => {
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
      await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
      if (digest) await fetch(`http://${REGISTRY}/v2/berth-test/smoke/manifests/${digest}`, { method: 'DELETE' }).catch(() => undefined);
      if (kube) {
        await kube.request('DELETE', `/api/v1/namespaces/${namespace}`).catch(() => undefined);
        await eventually('the test namespace to go', async () => ((await kube.request('GET', `/api/v1/namespaces/${namespace}`)).status === 404 ? true : undefined), 90000);
      }
    });

    it('is pulled from the registry by the cluster, and runs in a pod', async () => {
      assert.ok(fs.existsSync(PAUSE), `${PAUSE} missing: scripts/provision/kubernetes.sh builds it`);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-smoke-'));
      fs.copyFileSync(PAUSE, path.join(dir, 'pause'));
      fs.writeFileSync(path.join(dir, 'Dockerfile'), `FROM scratch\nCOPY pause /pause\nENTRYPOINT ["/pause"]\nLABEL ${LABEL}=${RUN_ID}\n`);
      const build = await docker.buildImage({ context: dir, src: ['Dockerfile', 'pause'] }, { t: ref });
      await new Promise<void>((resolve, reject) => docker.modem.followProgress(build, (e: Error | null, out: { error?: string }[]) => {
        const failed = e?.message ?? out.find((o) => o.error)?.error;
        if (failed) reject(new Error(failed));
        else resolve();
      }));

      // No credentials: the local registry has no auth (the engine still wants the header).
      const push = await docker.getImage(ref).push({ authconfig: { serveraddress: REGISTRY } });
      const events = await new Promise<{ error?: string; aux?: { Digest?: string } }[]>((resolve, reject) =>
        docker.modem.followProgress(push, (e: Error | null, out: { error?: string; aux?: { Digest?: string } }[]) => (e ? reject(e) : resolve(out))));
      assert.equal(events.find((o) => o.error)?.error, undefined);
      digest = events.find((o) => o.aux?.Digest)?.aux?.Digest;
      assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/, 'the push reported no digest');

      await kube.json('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      await kube.json('POST', `/api/v1/namespaces/${namespace}/pods`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'smoke', labels: { [LABEL]: RUN_ID } },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          terminationGracePeriodSeconds: 0,
          containers: [{
            name: 'pause', image: ref, imagePullPolicy: 'Always', args: ['-v'],
            securityContext: { runAsUser: 65534, runAsNonRoot: true, allowPrivilegeEscalation: false },
          }],
        },
      });
      type Pod = { status: { phase?: string; containerStatuses?: { imageID: string; state: { waiting?: { reason?: string; message?: string } } }[] } };
      const pod = await eventually('the pod to succeed', async () => {
        const p = await kube.json<Pod>('GET', `/api/v1/namespaces/${namespace}/pods/smoke`);
        const waiting = p.status.containerStatuses?.[0]?.state.waiting;
        if (waiting?.reason && /ErrImagePull|ImagePullBackOff|InvalidImageName/.test(waiting.reason)) throw new Error(`${waiting.reason}: ${waiting.message}`);
        if (p.status.phase === 'Failed') throw new Error(`the pod failed: ${JSON.stringify(p.status)}`);
        return p.status.phase === 'Succeeded' ? p : undefined;
      });
      // The digest the registry gave the push is the one the node ran.
      assert.equal(pod.status.containerStatuses?.[0].imageID, `${REGISTRY}/berth-test/smoke@${digest}`);
      // Logs go apiserver → kubelet (its own serving certificate, webhook authorization).
      const logs = await kube.request('GET', `/api/v1/namespaces/${namespace}/pods/smoke/log`);
      assert.equal(logs.status, 200, logs.body);
      assert.match(logs.body, /^pause\.c 3\.6-berth$/m);
    });
  });
});
