// Push Image / Pull Image through the real Docker Engine and real registries: Berth pushes the default kernel
// image to the project's registry and a pod in the cluster pulls it and imports ipykernel; each failure gets its
// one line (no registry, credentials needed or refused, a rejected name, a missing manifest); Cancel leaves nothing.
import { strict as assert } from 'assert';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import Docker from 'dockerode';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { DockerImageTransfer } from '../../../src/adapters/docker/dockerImageTransfer';
import { CancelledError } from '../../../src/core/common/errors';
import { RegistryError, type TransferProgress } from '../../../src/core/images/registryTransfer';
import { admin, createNamespace, deleteNamespace, KERNEL_IMAGE, noteRegistryTagBefore, RecordingLogger, REGISTRY, removeKernelImageTag, waitFor } from './helpers';
import { TcpProxy } from '../../support/tcpProxy';

const docker = new Docker();
const CACHE = process.env.BERTH_CACHE ?? '/var/cache/berth';
const REGISTRY_BIN = path.join(CACHE, 'kubernetes', 'root', 'usr', 'bin', 'docker-registry');
const OWNER_LABEL = 'berth.test.owner';

function transferWith(configDir?: string): DockerImageTransfer {
  return new DockerImageTransfer({ docker, address: 'unix:///var/run/docker.sock' }, new RecordingLogger(), () => path.join(configDir ?? '/nonexistent-docker-config', 'config.json'));
}

const never = () => new AbortController().signal;

function manifestStatus(registry: string, repo: string, tag: string): Promise<{ status: number; digest?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`http://${registry}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' }, timeout: 5000 }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, digest: res.headers['docker-content-digest'] as string | undefined });
    });
    req.on('error', reject);
    req.end();
  });
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** A private registry with htpasswd auth on a free loopback port, from the same docker-registry binary. */
async function startAuthRegistry(dir: string): Promise<{ address: string; process: ChildProcess }> {
  assert.ok(fs.existsSync(REGISTRY_BIN), `${REGISTRY_BIN} missing: scripts/provision/kubernetes.sh unpacks it`);
  const hash = spawnSync('python3', ['-W', 'ignore', '-c', "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))", 's3cret'], { encoding: 'utf8' }).stdout.trim();
  assert.match(hash, /^\$2[aby]\$/, 'a bcrypt hash for htpasswd');
  fs.writeFileSync(path.join(dir, 'htpasswd'), `ann:${hash}\n`);
  const port = await freePort();
  fs.writeFileSync(
    path.join(dir, 'config.yml'),
    `version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: ${dir}/data\nhttp:\n  addr: 127.0.0.1:${port}\nauth:\n  htpasswd:\n    realm: berth-test\n    path: ${dir}/htpasswd\n`,
  );
  const child = spawn(REGISTRY_BIN, ['serve', path.join(dir, 'config.yml')], { stdio: 'ignore' });
  const address = `127.0.0.1:${port}`;
  await waitFor(async () => (await manifestStatus(address, 'x', 'y').catch(() => ({ status: 0 }))).status === 401, 15000, () => 'the auth registry to answer');
  return { address, process: child };
}

function writeDockerConfig(dir: string, registry: string, user: string, password: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ auths: { [registry]: { auth: Buffer.from(`${user}:${password}`).toString('base64') } } }));
  return dir;
}

async function localTags(prefix: string): Promise<string[]> {
  const images = await docker.listImages();
  return images.flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(prefix));
}

describe('Push Image / Pull Image (real engine, real registry, real cluster)', function () {
  this.timeout(300000);
  let tmp: string;
  let namespace: string | undefined;
  let authRegistry: { address: string; process: ChildProcess } | undefined;
  let proxy: TcpProxy | undefined;
  const ownImages: string[] = [];

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-push-it-'));
    await noteRegistryTagBefore();
  });

  after(async () => {
    await proxy?.close();
    if (authRegistry?.process.pid) process.kill(authRegistry.process.pid, 'SIGTERM');
    for (const ref of ownImages) await docker.getImage(ref).remove({ force: true }).catch(() => undefined);
    for (const c of await docker.listContainers({ all: true, filters: { label: [`${OWNER_LABEL}=${process.pid}`] } })) {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
    }
    await deleteNamespace(namespace);
    await removeKernelImageTag();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it(`pushes ${KERNEL_IMAGE} to ${REGISTRY}, and a pod pulls it from there and imports ipykernel`, async () => {
    const target = `${REGISTRY}/berth/python:latest`;
    const seen: string[] = [];
    const { digest } = await transferWith().push(KERNEL_IMAGE, target, (p: TransferProgress) => seen.push(p.summary), never());
    assert.match(digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.ok(seen.some((s) => /layers pushed/.test(s)), `per-layer progress: ${seen.slice(-3).join(' | ')}`);
    const manifest = await manifestStatus(REGISTRY, 'berth/python', 'latest');
    assert.deepEqual(manifest, { status: 200, digest });

    namespace = await createNamespace();
    const ns = namespace;
    await admin().core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'import-ipykernel' },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          containers: [{ name: 'python', image: target, imagePullPolicy: 'Always', command: ['python3', '-c', 'import ipykernel; print("ipykernel", ipykernel.__version__)'] }],
        },
      },
    });
    const pod = await waitFor(
      async () => {
        const p = await admin().core.readNamespacedPod({ namespace: ns, name: 'import-ipykernel' });
        const waiting = p.status?.containerStatuses?.[0]?.state?.waiting;
        if (waiting?.reason && /ErrImagePull|ImagePullBackOff/.test(waiting.reason)) throw new Error(`${waiting.reason}: ${waiting.message}`);
        return p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed' ? p : undefined;
      },
      180000,
      () => 'the pod to finish',
    );
    const logs = (await admin().core.readNamespacedPodLog({ namespace: ns, name: 'import-ipykernel' })) as string;
    assert.equal(pod.status?.phase, 'Succeeded', logs);
    assert.match(logs, /^ipykernel \d+\.\d+/);
    assert.equal(pod.status?.containerStatuses?.[0].imageID, `${REGISTRY}/berth/python@${digest}`, 'the pod runs the image Berth pushed, pulled from the registry');
    const events = await admin().core.listNamespacedEvent({ namespace: ns, fieldSelector: 'involvedObject.name=import-ipykernel' });
    assert.ok(events.items.some((e) => e.reason === 'Pulling' && e.message?.includes(target)), 'the kubelet pulled it');
  });

  it('pulls a reference from the registry, with per-layer progress', async () => {
    const seen: string[] = [];
    const { digest } = await transferWith().pull(`${REGISTRY}/berth/python:latest`, (p) => seen.push(p.summary), never());
    const manifest = await manifestStatus(REGISTRY, 'berth/python', 'latest');
    assert.equal(digest, manifest.digest);
    assert.ok(seen.length > 0);
  });

  it('no registry answers: one line for push and for pull', async () => {
    await assert.rejects(transferWith().push(KERNEL_IMAGE, '127.0.0.1:1/berth/python:latest', () => undefined, never()), (e: RegistryError) => {
      assert.equal(e.kind, 'unreachable');
      assert.equal(e.message, 'Push of 127.0.0.1:1/berth/python:latest failed: no registry answers at 127.0.0.1:1 (connect: connection refused).');
      return true;
    });
    assert.deepEqual(await localTags('127.0.0.1:1/'), [], 'the tag Berth added for the push is gone again');
    await assert.rejects(transferWith().pull('127.0.0.1:1/berth/python:latest', () => undefined, never()), /^RegistryError: Pull of 127\.0\.0\.1:1\/berth\/python:latest failed: no registry answers at 127\.0\.0\.1:1/);
  });

  it('a missing manifest and a rejected name', async () => {
    await assert.rejects(transferWith().pull(`${REGISTRY}/berth-it/never-pushed:nope`, () => undefined, never()), (e: RegistryError) => {
      assert.equal(e.kind, 'manifestUnknown');
      assert.equal(e.message, `Pull of ${REGISTRY}/berth-it/never-pushed:nope failed: ${REGISTRY} has no image berth-it/never-pushed:nope (manifest unknown).`);
      return true;
    });
    await assert.rejects(transferWith().pull(`${REGISTRY}/Berth/Upper:1`, () => undefined, never()), (e: RegistryError) => e.kind === 'nameRejected' && /the name was rejected \(invalid reference format/.test(e.message));
  });

  it('a registry that needs credentials: needed without any, refused with wrong ones, accepted from `auths`', async () => {
    authRegistry = await startAuthRegistry(tmp);
    const target = `${authRegistry.address}/berth/python:latest`;
    await assert.rejects(transferWith().push(KERNEL_IMAGE, target, () => undefined, never()), (e: RegistryError) => {
      assert.equal(e.kind, 'authRequired');
      assert.equal(e.message, `Push of ${target} failed: the registry ${authRegistry!.address} needs credentials: run docker login ${authRegistry!.address}.`);
      return true;
    });
    const wrong = writeDockerConfig(path.join(tmp, 'wrong'), authRegistry.address, 'ann', 'wrong');
    await assert.rejects(transferWith(wrong).push(KERNEL_IMAGE, target, () => undefined, never()), (e: RegistryError) => e.kind === 'authRefused' && /refused the credentials from the Docker config/.test(e.message));
    const good = writeDockerConfig(path.join(tmp, 'good'), authRegistry.address, 'ann', 's3cret');
    const { digest } = await transferWith(good).push(KERNEL_IMAGE, target, () => undefined, never());
    assert.match(digest ?? '', /^sha256:/);
    ownImages.push(target);
    await assert.rejects(transferWith().pull(target, () => undefined, never()), (e: RegistryError) => e.kind === 'authRequired');
  });

  it('Cancel stops a push on the engine: no manifest in the registry, no tag left behind', async () => {
    // An image with a fresh 40 MB layer, pushed through a slow proxy so the push is still running when cancelled.
    const container = await docker.createContainer({ Image: 'berth/debian-base:bookworm', Cmd: ['sh', '-c', 'head -c 40000000 /dev/urandom > /blob'], Labels: { [OWNER_LABEL]: String(process.pid) } });
    await container.start();
    await container.wait();
    const repo = `berth-it/cancel-${process.pid}`;
    const source = `${repo}:src`;
    await container.commit({ repo, tag: 'src' });
    ownImages.push(source);
    const [host, port] = REGISTRY.split(':');
    proxy = new TcpProxy(host, Number(port));
    const proxyPort = await proxy.start();
    proxy.throttle(2_000_000);
    const target = `127.0.0.1:${proxyPort}/${repo}:cancelled`;
    const controller = new AbortController();
    let bytesSeen = false;
    const push = transferWith().push(source, target, (p) => {
      if (!bytesSeen && p.percent > 0 && p.percent < 100) {
        bytesSeen = true;
        controller.abort(new CancelledError());
      }
    }, controller.signal);
    await assert.rejects(push, (e: Error) => e instanceof CancelledError);
    assert.ok(bytesSeen, 'cancelled while layers were uploading');
    assert.deepEqual(await localTags(`127.0.0.1:${proxyPort}/`), [], 'the tag Berth added for the push is gone');
    // The engine stops the upload when the client goes: its connections to the registry close (a push that went on
    // would keep them for another ~20 s at this rate), and the manifest never reaches the registry.
    await waitFor(() => proxy!.connections === 0, 10000, () => `the engine still has ${proxy!.connections} connection(s) to the registry`);
    assert.equal((await manifestStatus(REGISTRY, repo, 'cancelled')).status, 404);
  });
});
