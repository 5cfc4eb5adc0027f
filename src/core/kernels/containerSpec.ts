// What every kernel server gets, whatever runs it (a container, a pod): its labels, the workspace layout, the
// Jupyter config file and the idle shutdown. Docker's create body is the docker adapter's (kernelContainerSpec), a
// pod's manifest core/kubernetes/kernelPod's. Everything here is pure and unit-tested without an engine.
import * as path from 'node:path';
import type { HostMount, KernelTarget, LaunchOptions } from './api';
import type { OwnerStamp } from './ownerLiveness';

/** Where the workspace folder appears inside the container. */
export const CONTAINER_WORKSPACE = '/workspace';
/** The port Jupyter listens on inside the container; published on a free 127.0.0.1 port. */
export const JUPYTER_PORT = 8888;
/** The Jupyter config file Berth writes into the container (with putArchive, before start): CONFIG_DIR/CONFIG_FILE. */
export const CONFIG_PARENT = '/tmp';
export const CONFIG_DIR_NAME = 'berth';
export const CONFIG_DIR = `${CONFIG_PARENT}/${CONFIG_DIR_NAME}`;
export const CONFIG_FILE = 'jupyter_berth_config.json';
/** The config file the server is started with: loads CONFIG_FILE and keeps ZeroMQ from dropping IOPub messages. */
export const CONFIG_LOADER_FILE = 'jupyter_berth_config.py';

export const Labels = {
  kernel: 'berth.kernel',
  notebook: 'berth.notebook',
  owner: 'berth.owner',
  ownerKind: 'berth.owner.kind',
  ownerPid: 'berth.owner.pid',
  ownerHost: 'berth.owner.host',
  ownerPidStart: 'berth.owner.pidStart',
  keepAlive: 'berth.keepAlive',
  image: 'berth.image',
  kernelspec: 'berth.kernelspec',
  probe: 'berth.probe',
} as const;

export interface WorkspaceLayout {
  readonly mounts: readonly HostMount[];
  /** The kernel's working directory inside the container: the notebook's folder, mapped. */
  readonly cwd: string;
}

/**
 * Mounts the workspace folder at /workspace and puts the kernel's cwd at the notebook's folder inside it, so
 * relative paths in the notebook work. A notebook outside the workspace folder gets its own folder mounted
 * there instead; an untitled notebook without a workspace runs in the image's default directory.
 */
export function workspaceLayout(options: Pick<LaunchOptions, 'notebookPath' | 'workspaceFolder'>): WorkspaceLayout {
  const notebookDir = options.notebookPath ? path.dirname(options.notebookPath) : undefined;
  if (options.workspaceFolder) {
    const rel = notebookDir ? path.relative(options.workspaceFolder, notebookDir) : '';
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
      return {
        mounts: [{ hostPath: options.workspaceFolder, containerPath: CONTAINER_WORKSPACE }],
        cwd: rel ? path.posix.join(CONTAINER_WORKSPACE, ...rel.split(path.sep)) : CONTAINER_WORKSPACE,
      };
    }
  }
  if (notebookDir) {
    return { mounts: [{ hostPath: notebookDir, containerPath: CONTAINER_WORKSPACE }], cwd: CONTAINER_WORKSPACE };
  }
  return { mounts: [], cwd: '' };
}

export function kernelLabels(target: KernelTarget, options: LaunchOptions): Record<string, string> {
  return {
    [Labels.kernel]: target.kind,
    [Labels.notebook]: options.notebookKey,
    [Labels.owner]: options.owner.id,
    [Labels.ownerKind]: options.owner.kind,
    [Labels.ownerPid]: String(options.owner.pid),
    ...ownerStampLabels(options.owner),
    [Labels.keepAlive]: String(options.keepAlive),
    [Labels.image]: target.image,
    [Labels.kernelspec]: target.kernelspec,
  };
}

/** The host labels of an owner stamp (kernels and probes alike); absent parts get no label. */
export function ownerStampLabels(owner: OwnerStamp): Record<string, string> {
  return {
    ...(owner.host !== undefined ? { [Labels.ownerHost]: owner.host } : {}),
    ...(owner.pidStart !== undefined ? { [Labels.ownerPidStart]: owner.pidStart } : {}),
  };
}

/** The owner stamp read back from labels; missing labels stay undefined (legacy: taken as this host's). */
export function ownerStampOf(labels: Readonly<Record<string, string>>): OwnerStamp {
  const pid = labels[Labels.ownerPid];
  return {
    pid: pid === undefined ? Number.NaN : Number(pid),
    ...(labels[Labels.ownerHost] ? { host: labels[Labels.ownerHost] } : {}),
    ...(labels[Labels.ownerPidStart] ? { pidStart: labels[Labels.ownerPidStart] } : {}),
  };
}

/** VS Code's default for `berth.kernel.idleTimeout` (keep in step with package.json). */
export const DEFAULT_IDLE_TIMEOUT_S = 3600;
/** `berth run`'s: its kernel has a client for as long as the run lasts, so idle means the CLI is gone. */
export const CLI_IDLE_TIMEOUT_S = 60;

/**
 * Jupyter's own idle shutdown, in settings jupyter_server (1.x and 2.x) and the classic notebook server (5.4+) share:
 * a kernel with no client connected and idle (not busy) for `idleTimeoutS` is culled, and a server with no kernel and
 * no activity for as long stops itself; the container then exits. A connected client or a running cell keeps it all
 * alive. Target-neutral: local containers and pods get the same. The server checks for no activity once a minute,
 * so it ends up to a minute after the timeout. `0` turns both off.
 */
export function idleShutdownConfig(idleTimeoutS: number): { server: Record<string, number>; kernelManager?: Record<string, number | boolean> } {
  const timeout = Number.isFinite(idleTimeoutS) && idleTimeoutS > 0 ? Math.ceil(idleTimeoutS) : 0;
  if (timeout === 0) return { server: {} };
  return {
    server: { shutdown_no_activity_timeout: timeout },
    kernelManager: {
      cull_idle_timeout: timeout,
      cull_interval: Math.min(300, Math.max(1, Math.ceil(timeout / 2))),
      cull_connected: false,
      cull_busy: false,
    },
  };
}

/**
 * The Jupyter config (JSON, read by jupyter_server and by the classic notebook server alike). It carries the
 * token, so it is written into the container's filesystem instead of the command line or the environment,
 * where `docker inspect` would show it.
 */
export function jupyterConfig(token: string, cwd: string, idleTimeoutS: number = DEFAULT_IDLE_TIMEOUT_S): string {
  const idle = idleShutdownConfig(idleTimeoutS);
  const server: Record<string, unknown> = {
    token,
    // Every interface of the container's own network namespace ('*': jupyter_server and the classic server both
    // read it so): Docker's port forward arrives on the container's interface, so Jupyter must listen there.
    // Nothing is published on the host but 127.0.0.1 (adapters/docker kernelContainerSpec); a pod binds 127.0.0.1
    // instead (podJupyterConfig).
    ip: '*',
    port: JUPYTER_PORT,
    port_retries: 0,
    open_browser: false,
    allow_root: true,
    // Berth owns the server's config, and no server-side limit may drop a kernel's output: the default IOPub
    // limits (1 MB/s, 1000 msg/s) silently discard text ("IOPub data rate exceeded"). Protecting the client from a
    // flood is Berth's job (NotebookOutputs coalesces and cuts visibly; the VS Code side bounds its updates).
    iopub_data_rate_limit: 0,
    iopub_msg_rate_limit: 0,
    ...(cwd ? { root_dir: cwd } : {}),
    ...idle.server,
  };
  const { root_dir: rootDir, ...classic } = server;
  return `${JSON.stringify(
    {
      ServerApp: server,
      IdentityProvider: { token },
      NotebookApp: { ...classic, ...(rootDir ? { notebook_dir: rootDir } : {}) },
      ...(idle.kernelManager ? { MappingKernelManager: idle.kernelManager } : {}),
    },
    null,
    1,
  )}\n`;
}

/**
 * The server's config file (Python, read by jupyter_server and the classic notebook server alike). It loads the
 * JSON config next to it, then lifts ZeroMQ's receive high-water mark on the server's IOPub subscriptions: a kernel
 * can write faster than the server forwards to the websocket (100,000 flushed prints), and with the default mark of
 * 1000 messages ZeroMQ discards what does not fit, so output would be lost. The server buffers instead; the client
 * side bounds what it shows (see NotebookOutputs).
 */
export function jupyterConfigLoader(): string {
  return `# Written by Berth. Loads ${CONFIG_FILE} and keeps ZeroMQ from dropping IOPub messages.
import json as _json
import os as _os
from traitlets.config import Config as _Config

with open(_os.path.join(_os.path.dirname(_os.path.abspath(__file__)), ${JSON.stringify(CONFIG_FILE)})) as _f:
    c.merge(_Config(_json.load(_f)))

try:
    import zmq as _zmq

    _socket = _zmq.Context.socket

    def _berth_socket(self, socket_type, *args, **kwargs):
        sock = _socket(self, socket_type, *args, **kwargs)
        if socket_type == _zmq.SUB:
            sock.setsockopt(_zmq.RCVHWM, 0)
        return sock

    _zmq.Context.socket = _berth_socket
except Exception as _e:  # the server still runs, with ZeroMQ's default limits
    print("berth: could not lift the IOPub high-water mark: %s" % _e)
`;
}

