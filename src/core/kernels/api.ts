// The kernel capability's contract between core/adapters (kernel start, Jupyter connection, output mapping)
// and its two clients: the VS Code notebook controller (src/features/kernels) and the CLI (src/cli.ts).
// Neither client knows whether the server runs in Docker or in a pod: both see only these types.
import type { Disposable } from '../common/lifecycle';
import type { Event } from '../common/event';
import type { ThisHost } from './ownerLiveness';

/** Where a kernel runs: a container on the local Docker Engine, or a pod on a Kubernetes cluster. */
export type KernelTarget = DockerKernelTarget | KubernetesKernelTarget;

export interface DockerKernelTarget {
  readonly kind: 'docker';
  /** The reference the user picked, e.g. `berth/python:latest`. */
  readonly image: string;
  /** Kernelspec name inside the image, e.g. `python3`. */
  readonly kernelspec: string;
}

/** A toleration as the pod spec spells it. */
export interface PodToleration {
  readonly key?: string;
  readonly operator?: 'Exists' | 'Equal';
  readonly value?: string;
  readonly effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  readonly tolerationSeconds?: number;
}

/** Quantities as Kubernetes spells them (`500m`, `2Gi`); any resource name, `nvidia.com/gpu` included. */
export interface PodResources {
  readonly requests?: Readonly<Record<string, string>>;
  readonly limits?: Readonly<Record<string, string>>;
}

/**
 * A volume mounted in a kernel pod: a PersistentVolumeClaim of the namespace, or an emptyDir (scratch that lives as
 * long as the pod). Never a host path.
 */
export interface PodVolume {
  /** Absolute, outside Berth's own mounts (the notebook's folder copy, the config Secret). */
  readonly mountPath: string;
  readonly source: { readonly kind: 'persistentVolumeClaim'; readonly claimName: string } | { readonly kind: 'emptyDir'; readonly sizeLimit?: string; readonly medium?: 'Memory' };
  readonly readOnly?: boolean;
  /** A path inside the volume to mount instead of its root (relative, no `..`). */
  readonly subPath?: string;
}

export interface KubernetesKernelTarget {
  readonly kind: 'kubernetes';
  /** The image as the cluster pulls it, e.g. `registry.example.com/team/python:3.12`. */
  readonly image: string;
  readonly kernelspec: string;
  /** Kubeconfig context; Berth never switches the kubeconfig's current context. */
  readonly context: string;
  readonly namespace: string;
  /** A kubeconfig file; default: KUBECONFIG, then ~/.kube/config. */
  readonly kubeconfig?: string;
  readonly resources?: PodResources;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly PodToleration[];
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  readonly imagePullSecrets?: readonly string[];
  /** Named: the pod runs as it, with its API token mounted. Unnamed: no API token in the pod at all. */
  readonly serviceAccount?: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly volumes?: readonly PodVolume[];
}

/** What a probe of an image found out; cached by image id. */
export interface ImageProbe {
  readonly imageId: string;
  /** Argv that starts a Jupyter server in the image (`jupyter-server`, `jupyter server`, `jupyter lab`, …), or undefined. */
  readonly serverCommand?: readonly string[];
  readonly kernelspecs: readonly KernelSpecInfo[];
  /** Why the image cannot serve Jupyter, in words a user can act on; set when serverCommand is undefined. */
  readonly unusableReason?: string;
}

export interface KernelSpecInfo {
  readonly name: string;
  readonly displayName: string;
  readonly language: string;
}

export interface HostMount {
  readonly hostPath: string;
  readonly containerPath: string;
  readonly readOnly?: boolean;
}

/** Everything a launch needs besides the target; built by the client from settings and the notebook. */
export interface LaunchOptions {
  /** Absolute host path of the notebook file, if it has one (untitled notebooks do not). */
  readonly notebookPath?: string;
  /** Stable key of the notebook (its URI); goes into the `berth.notebook` label. */
  readonly notebookKey: string;
  /** The workspace folder holding the notebook: bind-mounted, and the notebook's folder becomes the kernel's cwd. */
  readonly workspaceFolder?: string;
  readonly env: Readonly<Record<string, string>>;
  readonly extraMounts: readonly HostMount[];
  /** Identifies the VS Code window (or CLI process) that owns the container; see the ownership labels. */
  readonly owner: KernelOwner;
  readonly keepAlive: boolean;
  /**
   * The server shuts itself down after this many seconds with no client connected to any kernel (kernels idle that
   * long are culled, then the server stops): 0 never; undefined DEFAULT_IDLE_TIMEOUT_S. See idleShutdownConfig.
   */
  readonly idleTimeoutS?: number;
  /**
   * What probing the target's image found, when the client has it already (the kernel picker's probe, or the CLI's one
   * probe): the Docker launcher starts from it instead of probing again, unless the tag has moved to another image since.
   * A pod's start ignores it (the server's own kernelspec list stands in for a probe there).
   */
  readonly probe?: ImageProbe;
}

export interface KernelOwner {
  /** `vscode` or `cli`. */
  readonly kind: string;
  /** Survives a window reload (e.g. a per-workspace id), so a reloaded window finds its containers again. */
  readonly id: string;
  /** Used to decide whether the owner is gone: a pid on `host` (see core/kernels/ownerLiveness). */
  readonly pid: number;
  /** The host identity `pid` belongs to; undefined on servers from before host labels (taken as this host's). */
  readonly host?: string;
  /** When `pid` started, so that a reused pid is not taken for the owner; undefined when the host cannot tell. */
  readonly pidStart?: string;
}

export type LaunchStage = 'probing-image' | 'creating-container' | 'waiting-for-jupyter' | 'starting-kernel' | 'attaching';

export interface LaunchProgress {
  readonly stage: LaunchStage;
  readonly message: string;
}

/** A running Jupyter server that Berth started (or found again). Owns its container. */
export interface ServerHandle {
  readonly baseUrl: string;
  readonly token: string;
  /** Container id (or pod name): what the Kernels view and the environment record show. */
  readonly resourceId: string;
  readonly target: KernelTarget;
  readonly startedAtMs: number;
  /** Emits when the container stops or disappears (killed from outside, crashed). */
  readonly onDidExit: Event<{ readonly reason: string }>;
  /**
   * Emits when the transport under the server's connections is lost while the server runs on (a remote engine's
   * tunnel: SSH reset, network blip). Every connection through it is gone; the next one opens the tunnel again.
   * Absent where there is no such transport.
   */
  readonly onDidDropConnections?: Event<{ readonly reason: string }>;
  /** Last lines of the server's log, for error messages. */
  logTail(lines: number): Promise<string>;
  /** Streams the container's log (for the output channel) until disposed. */
  followLogs(onLine: (line: string) => void): Disposable;
  /**
   * Copies the notebook's folder into the server again (a pod has its own copy; a local container sees the folder
   * itself, so it has no such method). Same rules and limit as at start; files only the server has are left alone.
   */
  syncFolder?(folder: string, signal: AbortSignal, onProgress?: (p: FolderSyncProgress) => void): Promise<FolderSyncResult>;
  /** Stops and removes the container. Idempotent. */
  dispose(): Promise<void>;
}

export interface FolderSyncProgress {
  /** Files copied so far, of `total`. */
  readonly done: number;
  readonly total: number;
  /** The file being copied, relative to the folder. */
  readonly path: string;
}

export interface FolderSyncResult {
  readonly files: number;
  readonly directories: number;
  readonly totalBytes: number;
}

/** Starts or re-attaches Jupyter servers for a target. One implementation per target kind. */
export interface ServerLauncher {
  probe(image: string, signal?: AbortSignal): Promise<ImageProbe>;
  start(target: KernelTarget, options: LaunchOptions, signal: AbortSignal, onProgress: (p: LaunchProgress) => void): Promise<ServerHandle>;
  /** Running servers Berth started earlier (found by label), for re-attach after reload and for cleanup. */
  listRunning(): Promise<RunningServer[]>;
  /**
   * Calls onChange whenever one of its servers may have appeared, changed or gone (Docker's container events, the
   * pod watch), until disposed; onError once, if the watch cannot go on. Without it, the list is only as fresh as
   * the last listRunning().
   */
  watchRunning?(onChange: () => void, onError: (error: Error) => void): Disposable;
  /** Removes the target's probe leftovers whose owner is gone (see isLapsedProbe); how many. For targets that probe in throw-away resources. */
  removeLapsedProbes?(host: ThisHost, nowMs?: number): Promise<number>;
}

export interface RunningServer {
  readonly resourceId: string;
  readonly target: KernelTarget;
  readonly notebookKey: string;
  readonly owner: KernelOwner;
  readonly keepAlive: boolean;
  /** False for a container that stopped but was not removed (cleanup removes it). */
  readonly running: boolean;
  /** True once it exited or died: it will never run again (false while only created or running). */
  readonly finished?: boolean;
  readonly startedAtMs: number;
  /**
   * Re-attach. The token is never in labels; without `token` it is read back from the Jupyter config file
   * Berth wrote into the container (so a reloaded window needs no secret storage of its own).
   */
  attach(token?: string): Promise<ServerHandle>;
  remove(): Promise<void>;
  /** Streams the server's log from its last lines on, until disposed (Show Logs on a kernel nothing here drives). */
  followLogs?(onLine: (line: string) => void): Disposable;
}

export type KernelStatus = 'starting' | 'idle' | 'busy' | 'restarting' | 'autorestarting' | 'dead' | 'disconnected';

/** One output of a cell, in nbformat terms (what VS Code and .ipynb both understand). */
export type CellOutput =
  | { readonly kind: 'stream'; readonly name: 'stdout' | 'stderr'; readonly text: string }
  | { readonly kind: 'display'; readonly outputType: 'display_data' | 'execute_result'; readonly data: Readonly<Record<string, unknown>>; readonly metadata: Readonly<Record<string, unknown>>; readonly displayId?: string; readonly executionCount?: number }
  | { readonly kind: 'error'; readonly ename: string; readonly evalue: string; readonly traceback: readonly string[] };

/** What the client must do to its outputs for one IOPub message; produced by a pure mapping function. */
export type OutputAction =
  | { readonly type: 'append'; readonly output: CellOutput }
  | { readonly type: 'clear'; readonly wait: boolean }
  | { readonly type: 'update-display'; readonly displayId: string; readonly output: CellOutput }
  | { readonly type: 'execution-count'; readonly count: number }
  | { readonly type: 'none' };

export interface ExecuteResult {
  readonly status: 'ok' | 'error' | 'aborted';
  readonly executionCount?: number;
}

export interface ExecuteHandlers {
  readonly onAction: (action: OutputAction) => void;
  /** input() / getpass(): resolve with the user's text; reject (or resolve '') if the user cancels. */
  readonly onInputRequest?: (prompt: string, password: boolean) => Promise<string>;
}

export interface ExecuteOptions {
  /**
   * Default true: after an error the kernel aborts requests already queued (Run All stops at the error).
   * False for "run everything regardless" (the CLI's --allow-errors), as nbclient does.
   */
  readonly stopOnError?: boolean;
}

/** A kernel running on a server, as the server lists it. */
export interface RunningKernelInfo {
  readonly id: string;
  /** Kernelspec name. */
  readonly name: string;
  readonly executionState: string;
  readonly lastActivity?: string;
}

/** Opens kernels on a server a launcher started or found. Implemented by src/adapters/jupyter. */
export interface KernelConnector {
  /** Starts a fresh kernel of `kernelspec` on the server and connects to it (resolves once it answers). */
  startKernel(server: ServerHandle, kernelspec: string, signal?: AbortSignal): Promise<KernelSession>;
  /** Kernels already running on the server: after a reload, the one to re-attach to. */
  listKernels(server: ServerHandle, signal?: AbortSignal): Promise<RunningKernelInfo[]>;
  /** Connects to a kernel that already runs; its state (variables, execution count) is intact. */
  connectKernel(server: ServerHandle, kernelId: string, signal?: AbortSignal): Promise<KernelSession>;
}

/**
 * A kernel on a connected server: what the controller and the CLI drive.
 * `execute` rejects with KernelDiedError when the kernel process dies mid-cell, and with ServerGoneError when
 * the container stops or is removed (see ./errors); it never hangs on a dead kernel.
 * `dispose()` only disconnects (the container keeps running, e.g. for keepAlive or a reload);
 * `shutdown()` ends the kernel and disposes the server (stops and removes the container).
 */
export interface KernelSession extends Disposable {
  readonly kernelId: string;
  readonly server: ServerHandle;
  readonly status: KernelStatus;
  readonly onDidChangeStatus: Event<KernelStatus>;
  execute(code: string, handlers: ExecuteHandlers, signal?: AbortSignal, options?: ExecuteOptions): Promise<ExecuteResult>;
  interrupt(): Promise<void>;
  /** Same server and container, fresh kernel process. */
  restart(): Promise<void>;
  /** Kernel and server gone; the container is removed unless kept alive. */
  shutdown(): Promise<void>;
}
