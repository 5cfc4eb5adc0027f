// ServerLauncher for the local Docker Engine: probes images, starts Jupyter in a labelled container on a
// loopback-only port with a fresh token, and finds those containers again after a reload.
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { BerthError, CancelledError, errorMessage } from '../../core/common/errors';
import { sleep, throwIfAborted } from '../../core/common/abort';
import type { Disposable } from '../../core/common/lifecycle';
import type { Logger } from '../../core/common/logger';
import type { ImageProbe, KernelTarget, LaunchOptions, LaunchProgress, RunningServer, ServerHandle, ServerLauncher } from '../../core/kernels/api';
import { CONFIG_DIR_NAME, CONFIG_FILE, CONFIG_LOADER_FILE, CONFIG_PARENT, DEFAULT_IDLE_TIMEOUT_S, jupyterConfig, jupyterConfigLoader, Labels, ownerStampLabels, ownerStampOf, workspaceLayout } from '../../core/kernels/containerSpec';
import { failedProbe, parseProbeOutput, PROBE_SCRIPT } from '../../core/kernels/imageProbe';
import { isLapsedProbe, type OwnerStamp, type ResourceState, type ThisHost } from '../../core/kernels/ownerLiveness';
import { localHost } from '../host/localHost';
import { fetchWithTimeout } from '../http/fetchWithTimeout';
import { attachOutput, followLogs, logTail } from './dockerLogs';
import { engineMessage, isNotFound, launchError } from './dockerErrors';
import type { DockerodeEngine } from './dockerEngine';
import type { DockerHostKind } from './dockerHost';
import { DockerServerHandle } from './dockerServerHandle';
import { openKernelTunnel } from './kernelTunnel';
import { checkMountsOnEngine, folderToCopy, withoutWorkspaceBind } from './remoteWorkspace';
import { planUpload, uploadFolder } from '../kubernetes/podFolderUpload';
import { DEFAULT_COPY_LIMIT_BYTES } from '../../core/kubernetes/folderCopy';
import { tunnelKindFor, type TunnelKind } from './serverTunnel';
import { kernelContainerSpec } from './kernelContainerSpec';
import { tarOf } from './tarArchive';

export interface DockerServerLauncherOptions {
  /** How long Jupyter may take to answer after the container started. */
  readonly readyTimeoutMs?: number;
  /** How long one readiness request may take: connections through docker-proxy can hang while a container starts. */
  readonly probeRequestTimeoutMs?: number;
  /** The owner stamp on probe containers; default: this process on this host. */
  readonly probeOwner?: OwnerStamp;
  /** How Jupyter is reached; default: by the engine's kind (tunnelKindFor). The bench measures the exec forwarder locally. */
  readonly tunnel?: TunnelKind;
  /** The most a notebook's folder may hold to be copied in when the engine's machine lacks the workspace (read at each start). */
  readonly copyLimitBytes?: number | (() => number);
}

const LOG_LINES_ON_FAILURE = 20;

export class DockerServerLauncher implements ServerLauncher {
  private readonly readyTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly ownerOfProbes: OwnerStamp | undefined;
  private readonly tunnelOverride: TunnelKind | undefined;
  private readonly copyLimit: () => number;

  constructor(
    /** Read on every call: the engine behind it can change (SwitchableDockerEngine). */
    private readonly engine: Pick<DockerodeEngine, 'docker' | 'address' | 'watchEvents'> & { readonly kind?: DockerHostKind },
    private readonly log: Logger,
    options: DockerServerLauncherOptions = {},
  ) {
    this.readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
    this.requestTimeoutMs = options.probeRequestTimeoutMs ?? 1_000;
    this.ownerOfProbes = options.probeOwner;
    this.tunnelOverride = options.tunnel;
    const limit = options.copyLimitBytes ?? DEFAULT_COPY_LIMIT_BYTES;
    this.copyLimit = typeof limit === 'function' ? limit : () => limit;
  }

  private get docker(): Docker {
    return this.engine.docker;
  }

  /**
   * Runs a throw-away container of the image that says how to start Jupyter in it. Not cached here: the callers keep
   * the result (ImageProbesModel by image id, the CLI for its one run) and hand it to start().
   */
  async probe(image: string, signal?: AbortSignal): Promise<ImageProbe> {
    return this.runProbe(image, await this.imageId(image, signal), signal);
  }

  async start(target: KernelTarget, options: LaunchOptions, signal: AbortSignal, onProgress: (p: LaunchProgress) => void): Promise<ServerHandle> {
    throwIfAborted(signal);
    onProgress({ stage: 'probing-image', message: `Checking ${target.image}` });
    // The probe handed in holds while the tag still names the image it probed; otherwise (none, or the tag moved) probe now.
    const imageId = await this.imageId(target.image, signal);
    const probe = options.probe?.imageId === imageId ? options.probe : await this.runProbe(target.image, imageId, signal);
    if (!probe.serverCommand) {
      throw new BerthError(probe.unusableReason ?? `Image ${target.image} cannot serve Jupyter`);
    }
    if (!probe.kernelspecs.some((k) => k.name === target.kernelspec)) {
      throw new BerthError(`Image ${target.image} has no kernel "${target.kernelspec}" (it has: ${probe.kernelspecs.map((k) => k.name).join(', ')})`);
    }
    // A remote engine mounts paths of ITS machine: when the workspace is not there, its folder is copied in (as for pods).
    const copy = await this.copyInstead(target, options, signal, onProgress);
    throwIfAborted(signal);
    onProgress({ stage: 'creating-container', message: `Creating a container from ${target.image}` });
    const token = randomBytes(32).toString('hex');
    const spec = copy ? withoutWorkspaceBind(kernelContainerSpec(target, probe.serverCommand, options), options) : kernelContainerSpec(target, probe.serverCommand, options);
    let container: Docker.Container;
    try {
      // Not abortable on purpose: an abort mid-request can leave a container the engine created but never named
      // to us. Creating takes milliseconds; the next step honours the signal and removes the container.
      container = await this.docker.createContainer(spec);
    } catch (error) {
      throw signal.aborted ? new CancelledError() : launchError(error, this.engine.address, 'create the kernel container');
    }
    this.log.info(`kernel container ${short(container.id)} created from ${target.image} for ${options.notebookKey}`);
    try {
      const config = jupyterConfig(token, workspaceLayout(options).cwd, options.idleTimeoutS ?? DEFAULT_IDLE_TIMEOUT_S);
      const handle = await this.bringUp(container, target, token, config, signal, onProgress);
      if (copy) {
        onProgress({ stage: 'waiting-for-jupyter', message: `Copying ${copy.plan.files.length} files of ${copy.folder} into the kernel container` });
        await uploadFolder(copy.folder, copy.plan, handle.baseUrl, token, signal).catch((error: unknown) => {
          handle.detach();
          throw error;
        });
      }
      return handle;
    } catch (error) {
      await container.remove({ force: true, v: true }).catch((e: unknown) => this.log.warn(`removing ${short(container.id)} failed: ${errorMessage(e)}`));
      this.log.info(`kernel container ${short(container.id)} removed after ${signal.aborted ? 'cancel' : 'a failed start'}`);
      throw signal.aborted ? new CancelledError() : error;
    }
  }

  async listRunning(): Promise<RunningServer[]> {
    let containers: Docker.ContainerInfo[];
    try {
      containers = await this.docker.listContainers({ all: true, filters: { label: [Labels.kernel] } });
    } catch (error) {
      throw launchError(error, this.engine.address, 'list Berth kernel containers');
    }
    return containers.map((info) => this.runningServer(info));
  }

  private async bringUp(container: Docker.Container, target: KernelTarget, token: string, config: string, signal: AbortSignal, onProgress: (p: LaunchProgress) => void): Promise<DockerServerHandle> {
    const archive = tarOf(CONFIG_DIR_NAME, [
      { name: CONFIG_FILE, content: Buffer.from(config), mode: 0o644 },
      { name: CONFIG_LOADER_FILE, content: Buffer.from(jupyterConfigLoader()), mode: 0o644 },
    ]);
    await step(container.putArchive(archive, { path: CONFIG_PARENT, abortSignal: signal }), signal, this.engine.address, 'write the Jupyter config into the container');
    await step(container.start({ abortSignal: signal }), signal, this.engine.address, 'start the kernel container');
    onProgress({ stage: 'waiting-for-jupyter', message: 'Waiting for Jupyter to answer' });
    const info = await step(container.inspect({ abortSignal: signal }), signal, this.engine.address, 'inspect the kernel container');
    if (!info.State.Running) {
      // Exited already (a broken server command, a bad config): no port was published, so say why it died.
      throw await exitedDuringStart(container, `exit code ${info.State.ExitCode}`);
    }
    const handle = await this.handleOf(container, info, target, token);
    try {
      await this.waitUntilReady(handle, container, signal);
    } catch (error) {
      handle.detach();
      throw error;
    }
    this.log.info(`Jupyter in ${short(container.id)} answers on ${handle.baseUrl}`);
    return handle;
  }

  /** Polls /api/status until it answers 200; each request has its own timeout, and the container's exit ends the wait. */
  private async waitUntilReady(handle: DockerServerHandle, container: Docker.Container, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + this.readyTimeoutMs;
    let exit: string | undefined;
    const sub = handle.onDidExit((e) => (exit = e.reason));
    try {
      for (let attempt = 0; ; attempt++) {
        throwIfAborted(signal);
        if (exit !== undefined) {
          throw await exitedDuringStart(container, exit);
        }
        if (Date.now() > deadline) {
          const tail = await handle.logTail(LOG_LINES_ON_FAILURE).catch(() => '');
          throw new BerthError(`Jupyter in ${handle.target.image} did not answer within ${this.readyTimeoutMs / 1000} s. Its last log lines:\n${tail || '(no output)'}`);
        }
        const status = await this.statusOnce(handle, signal);
        if (status === 200) {
          return;
        }
        if (status === 403 || status === 401) {
          throw new BerthError(`Jupyter in ${handle.target.image} refused Berth's token: the image may override the server's authentication config`);
        }
        await sleep(attempt < 20 ? 50 : 200, signal);
      }
    } finally {
      sub.dispose();
    }
  }

  private async statusOnce(handle: ServerHandle, signal: AbortSignal): Promise<number | undefined> {
    try {
      const response = await fetchWithTimeout(`${handle.baseUrl}/api/status`, { headers: { Authorization: `token ${handle.token}` }, signal }, this.requestTimeoutMs);
      return response.status;
    } catch {
      return undefined;
    }
  }

  /** On a remote engine whose machine lacks the workspace: the folder to copy in and what of it (limit checked now). */
  private async copyInstead(target: KernelTarget, options: LaunchOptions, signal: AbortSignal, onProgress: (p: LaunchProgress) => void) {
    if ((this.engine.kind ?? 'socket') === 'socket') return undefined;
    const why = await checkMountsOnEngine(this.docker, target.image, options, this.engine.address);
    const folder = why ? folderToCopy(options) : undefined;
    if (!why || !folder) return undefined;
    const plan = await planUpload(folder, this.copyLimit(), signal);
    const message = `${why} Copying the notebook's folder into the kernel instead; nothing is copied back.`;
    this.log.warn(message);
    onProgress({ stage: 'creating-container', message });
    return { folder, plan };
  }

  /** The handle of a running kernel container, with the tunnel its engine needs (a new one on every re-attach). */
  private async handleOf(container: Docker.Container, info: Docker.ContainerInspectInfo, target: KernelTarget, token: string): Promise<DockerServerHandle> {
    const kind = tunnelKindFor(this.engine.kind ?? 'socket', this.tunnelOverride);
    const tunnel = await openKernelTunnel(kind, this.docker, container, info, this.engine.address, this.log);
    try {
      return DockerServerHandle.fromInspect(this.docker, container, info, target, token, this.log, tunnel);
    } catch (error) {
      tunnel?.dispose();
      throw error;
    }
  }

  private async imageId(image: string, signal?: AbortSignal): Promise<string> {
    try {
      const info = await this.docker.getImage(image).inspect();
      return info.Id;
    } catch (error) {
      if (signal?.aborted) {
        throw new CancelledError();
      }
      if (isNotFound(error)) {
        throw new BerthError(`Image ${image} not found locally: build or pull it`);
      }
      throw launchError(error, this.engine.address, `inspect image ${image}`);
    }
  }

  private async runProbe(image: string, imageId: string, signal?: AbortSignal): Promise<ImageProbe> {
    const started = Date.now();
    let container: Docker.Container | undefined;
    let removed = false;
    let attached: { output: Promise<{ stdout: string; stderr: string }>; close(): void } | undefined;
    try {
      const owner = this.probeOwner();
      container = await this.docker.createContainer({
        Image: imageId,
        Entrypoint: ['/bin/sh', '-c', PROBE_SCRIPT],
        Cmd: [],
        // Owner labels, so that cleanup can tell a probe in progress from one whose process was killed before it started.
        Labels: { [Labels.probe]: image, [Labels.ownerPid]: String(owner.pid), ...ownerStampLabels(owner) },
        NetworkDisabled: true,
        // The engine removes the probe when it exits, also when the process that started it was killed meanwhile.
        HostConfig: { NetworkMode: 'none', AutoRemove: true },
      });
      // Created without the signal (see start()); from here on an abort ends in `finally`, which removes it.
      // Output comes from an attach made before start: with AutoRemove, the logs go with the container.
      attached = await attachOutput(this.docker, container, signal);
      // Asked before start, so the exit is not missed; resolves once the engine has removed the container.
      const exited = container.wait({ condition: 'removed', abortSignal: signal }) as Promise<{ StatusCode?: number }>;
      exited.catch(() => undefined);
      await container.start({ abortSignal: signal });
      const [result, logs] = await Promise.all([
        exited.then(
          (r) => r.StatusCode,
          (error: unknown) => {
            // Gone before the wait was registered (the probe ran faster than the request): its output still decides.
            if (isNotFound(error) && !signal?.aborted) return undefined;
            throw error;
          },
        ),
        attached.output,
      ]);
      removed = true;
      this.log.debug(`probed ${image} in ${Date.now() - started} ms`);
      if (result !== undefined && result !== 0) {
        return failedProbe(image, imageId, `the probe exited with code ${result}: ${logs.stderr.trim().split('\n').pop() ?? ''}`);
      }
      return parseProbeOutput(image, imageId, logs.stdout);
    } catch (error) {
      if (signal?.aborted) {
        throw new CancelledError();
      }
      // An image without /bin/sh fails at start: that is an answer about the image, not an engine error.
      if (container && /executable file not found|no such file or directory/i.test(engineMessage(error))) {
        return failedProbe(image, imageId, 'it has no /bin/sh');
      }
      throw launchError(error, this.engine.address, `probe image ${image}`);
    } finally {
      attached?.close();
      if (container && !removed) await this.removeProbe(container);
    }
  }

  /** Removes a probe container that did not end by itself (cancelled, failed to start); the engine may be removing it already. */
  private async removeProbe(container: Docker.Container): Promise<void> {
    try {
      await container.remove({ force: true });
    } catch (error) {
      if (isNotFound(error) || /already in progress/i.test(engineMessage(error))) return;
      this.log.warn(`removing probe container ${short(container.id)} failed: ${engineMessage(error)}`);
    }
  }

  /** The owner stamp on probe containers: this process, which waits for them. */
  private probeOwner(): OwnerStamp {
    return this.ownerOfProbes ?? localHost().stampOf(process.pid);
  }

  /** Docker's container events for Berth's kernel containers (created, started, died, destroyed, …). */
  watchRunning(onChange: () => void, onError: (error: Error) => void): Disposable {
    return this.engine.watchEvents((event) => {
      if (event.type === 'container' && Labels.kernel in event.attributes) onChange();
    }, onError);
  }

  /**
   * Removes probe containers left behind (their prober was killed between create and start, or they come from a Berth
   * without AutoRemove), never one in progress on a live owner or on another host. Returns how many went.
   */
  async removeLapsedProbes(host: ThisHost = localHost(), nowMs: number = Date.now()): Promise<number> {
    let containers: Docker.ContainerInfo[];
    try {
      containers = await this.docker.listContainers({ all: true, filters: { label: [Labels.probe] } });
    } catch (error) {
      throw launchError(error, this.engine.address, 'list probe containers');
    }
    let removed = 0;
    for (const info of containers) {
      const probe = { owner: ownerStampOf(info.Labels ?? {}), state: resourceState(info.State), createdAtMs: info.Created * 1000 };
      if (!isLapsedProbe(probe, host, nowMs)) continue;
      try {
        await this.docker.getContainer(info.Id).remove({ force: true });
        removed++;
        this.log.info(`removed leftover probe container ${short(info.Id)} (${info.State}, ${info.Labels?.[Labels.probe] ?? info.Image})`);
      } catch (error) {
        if (!isNotFound(error)) this.log.warn(`removing leftover probe container ${short(info.Id)} failed: ${engineMessage(error)}`);
      }
    }
    return removed;
  }

  private runningServer(info: Docker.ContainerInfo): RunningServer {
    const labels = info.Labels ?? {};
    const container = this.docker.getContainer(info.Id);
    const target: KernelTarget = { kind: 'docker', image: labels[Labels.image] ?? info.Image, kernelspec: labels[Labels.kernelspec] ?? 'python3' };
    return {
      resourceId: info.Id,
      target,
      notebookKey: labels[Labels.notebook] ?? '',
      owner: { ...ownerStampOf(labels), kind: labels[Labels.ownerKind] ?? '', id: labels[Labels.owner] ?? '' },
      keepAlive: labels[Labels.keepAlive] === 'true',
      running: info.State === 'running',
      finished: isFinished(info.State),
      startedAtMs: info.Created * 1000,
      attach: async (token?: string) => {
        const inspect = await container.inspect().catch((error: unknown) => {
          throw launchError(error, this.engine.address, `re-attach to kernel container ${short(info.Id)}`);
        });
        if (!inspect.State.Running) {
          throw new BerthError(`The kernel container ${short(info.Id)} is not running any more (${inspect.State.Status})`);
        }
        const secret = token ?? (await DockerServerHandle.readToken(container));
        return this.handleOf(container, inspect, target, secret);
      },
      followLogs: (onLine) => followLogs(this.docker, container, onLine),
      remove: async () => {
        await container.remove({ force: true, v: true }).catch((error: unknown) => {
          if (!isNotFound(error)) {
            throw launchError(error, this.engine.address, `remove kernel container ${short(info.Id)}`);
          }
        });
      },
    };
  }
}

async function exitedDuringStart(container: Docker.Container, how: string): Promise<BerthError> {
  const tail = await logTail(container, LOG_LINES_ON_FAILURE).catch(() => '');
  return new BerthError(`The kernel container exited during start (${how}). Its last log lines:\n${tail || '(no output)'}`);
}

/** `exited` or `dead` (a `docker ps` State): the container will never run again. */
function isFinished(state: string): boolean {
  return state === 'exited' || state === 'dead';
}

function resourceState(state: string): ResourceState {
  return isFinished(state) ? 'finished' : state === 'created' ? 'created' : 'running';
}

function short(id: string): string {
  return id.slice(0, 12);
}


async function step<T>(p: Promise<T>, signal: AbortSignal, address: string, what: string): Promise<T> {
  try {
    return await p;
  } catch (error) {
    throw signal.aborted ? new CancelledError() : launchError(error, address, what);
  }
}

