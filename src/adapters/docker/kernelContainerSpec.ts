// The Docker Engine's create body for a kernel server: core's target-neutral parts (labels, workspace layout, the
// config file's place) spelled the way the engine's API wants them. Pure, and unit-tested without an engine.
import type { HostMount, KernelTarget, LaunchOptions } from '../../core/kernels/api';
import { CONFIG_DIR, CONFIG_LOADER_FILE, JUPYTER_PORT, kernelLabels, workspaceLayout } from '../../core/kernels/containerSpec';

/** The subset of the Docker Engine's container-create body Berth uses (field names as the API spells them). */
export interface ContainerCreateSpec {
  readonly Image: string;
  readonly Entrypoint: string[];
  readonly Cmd: string[];
  readonly Labels: Record<string, string>;
  readonly Env: string[];
  /** The notebook's folder: the server starts there, and kernels inherit it as their cwd. */
  readonly WorkingDir?: string;
  readonly ExposedPorts: Record<string, Record<string, never>>;
  readonly HostConfig: {
    readonly Init: boolean;
    readonly PortBindings: Record<string, { HostIp: string; HostPort: string }[]>;
    readonly Binds: string[];
  };
}

/** A mount as the engine's `Binds` spell it: `HOST:CONTAINER`, `:ro` when read-only. */
export function bindOf(mount: HostMount): string {
  return `${mount.hostPath}:${mount.containerPath}${mount.readOnly ? ':ro' : ''}`;
}

/** The create body for a kernel server. The token is NOT in it: it travels in the config file only. */
export function kernelContainerSpec(target: KernelTarget, serverCommand: readonly string[], options: LaunchOptions): ContainerCreateSpec {
  const layout = workspaceLayout(options);
  const port = `${JUPYTER_PORT}/tcp`;
  return {
    Image: target.image,
    Entrypoint: [...serverCommand],
    Cmd: [`--config=${CONFIG_DIR}/${CONFIG_LOADER_FILE}`],
    Labels: kernelLabels(target, options),
    Env: Object.entries(options.env).map(([k, v]) => `${k}=${v}`),
    ...(layout.cwd ? { WorkingDir: layout.cwd } : {}),
    ExposedPorts: { [port]: {} },
    HostConfig: {
      // An init as PID 1 forwards SIGTERM, so stopping takes half a second instead of the full timeout.
      Init: true,
      // Loopback only, and HostPort '' lets the engine pick a free port: never all interfaces, never a fixed port.
      PortBindings: { [port]: [{ HostIp: '127.0.0.1', HostPort: '' }] },
      Binds: [...layout.mounts, ...options.extraMounts].map(bindOf),
    },
  };
}
