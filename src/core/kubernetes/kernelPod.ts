// The pure description of a kernel pod and its Secret: labels (the containers' keys, hashed values where label
// syntax forbids the raw one), least-privilege spec, the Jupyter config in the Secret. The Kubernetes adapter
// sends these objects as they are; everything here is unit-tested without a cluster.
import { createHash } from 'node:crypto';
import type { KubernetesKernelTarget, LaunchOptions, PodVolume } from '../kernels/api';
import { PROBE_SCRIPT } from '../kernels/imageProbe';
import { CONFIG_DIR, CONFIG_FILE, CONFIG_LOADER_FILE, DEFAULT_IDLE_TIMEOUT_S, jupyterConfig, jupyterConfigLoader, JUPYTER_PORT, kernelLabels, Labels } from '../kernels/containerSpec';

/** Where the notebook's folder is copied in the pod; the server starts there and kernels inherit it as cwd. */
export const POD_WORKSPACE = '/workspace';
export const POD_CONTAINER = 'jupyter';
/** The key of the Secret that holds the token (the config files hold it too; this one is read back on attach). */
export const SECRET_TOKEN_KEY = 'token';
/** Short: Jupyter ends on SIGTERM (tini, or exec), so the pod goes in about a second. */
export const POD_GRACE_SECONDS = 2;
export { JUPYTER_PORT as POD_JUPYTER_PORT };
/** Where the kubelet mounts a service account's API token (when the target names one). */
export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The paths Berth mounts in a kernel pod itself: a target's volumes may not be at or inside them. */
export const RESERVED_POD_PATHS: readonly { readonly path: string; readonly what: string }[] = [
  { path: CONFIG_DIR, what: "Berth's config Secret" },
  { path: POD_WORKSPACE, what: "the copy of the notebook's folder" },
  { path: SERVICE_ACCOUNT_DIR, what: "the service account's token" },
];
/** The pod volumes that hold a target's volumes are named with this prefix and the index of the target's volume. */
export const TARGET_VOLUME_PREFIX = 'volume-';

export type PodVolumeSpec =
  | { readonly name: string; readonly secret: { readonly secretName: string; readonly defaultMode: number } }
  | { readonly name: string; readonly emptyDir: { readonly sizeLimit?: string; readonly medium?: 'Memory' } }
  | { readonly name: string; readonly persistentVolumeClaim: { readonly claimName: string; readonly readOnly?: boolean } };

export interface VolumeMountSpec {
  readonly name: string;
  readonly mountPath: string;
  readonly readOnly?: boolean;
  readonly subPath?: string;
}

/** The subset of the pod manifest Berth sends, as the API spells it. */
export interface KernelPodManifest {
  readonly apiVersion: 'v1';
  readonly kind: 'Pod';
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string>; readonly annotations: Record<string, string> };
  readonly spec: {
    readonly restartPolicy: 'Never';
    readonly terminationGracePeriodSeconds: number;
    readonly automountServiceAccountToken: boolean;
    readonly enableServiceLinks: false;
    readonly serviceAccountName?: string;
    readonly nodeSelector?: Record<string, string>;
    readonly tolerations?: readonly Record<string, unknown>[];
    readonly imagePullSecrets?: readonly { readonly name: string }[];
    readonly containers: readonly {
      readonly name: string;
      readonly image: string;
      readonly imagePullPolicy?: string;
      readonly command: readonly string[];
      readonly workingDir: string;
      readonly env: readonly { readonly name: string; readonly value: string }[];
      readonly resources: { readonly requests?: Record<string, string>; readonly limits?: Record<string, string> };
      readonly securityContext: { readonly allowPrivilegeEscalation: false };
      readonly volumeMounts: readonly VolumeMountSpec[];
    }[];
    readonly volumes: readonly PodVolumeSpec[];
  };
}

export interface KernelSecretManifest {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: { readonly name: string; readonly namespace: string; readonly labels: Record<string, string> };
  readonly type: 'Opaque';
  readonly stringData: Record<string, string>;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A label value as is when label syntax allows it (≤ 63 characters, alphanumerics and `-_.`), else a stable hash. */
export function labelValue(raw: string): string {
  if (raw.length <= 63 && LABEL_VALUE.test(raw)) {
    return raw;
  }
  return `sha256-${createHash('sha256').update(raw).digest('hex').slice(0, 40)}`;
}

/** The containers' labels with label-safe values; the raw values of those that had to be hashed go in annotations. */
export function kernelPodLabels(target: KubernetesKernelTarget, options: LaunchOptions): { labels: Record<string, string>; annotations: Record<string, string> } {
  const raw = kernelLabels(target, options);
  const labels: Record<string, string> = {};
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    labels[key] = labelValue(value);
  }
  // The notebook URI, the owner, the image and the kernelspec are always readable in full from the annotations.
  for (const key of [Labels.notebook, Labels.owner, Labels.image, Labels.kernelspec]) {
    if (raw[key] !== undefined) annotations[key] = raw[key];
  }
  return { labels, annotations };
}

/** A pod name: DNS-1123, unique per start. */
export function kernelPodName(random: string): string {
  return `berth-kernel-${random.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 16)}`;
}

/**
 * The container's command. It picks the first Jupyter server the image has (no probe pod needed for that),
 * and runs it under tini when the image has tini, else with `exec`, so that Jupyter itself gets SIGTERM.
 */
export function serverScript(): string {
  const config = `--config=${CONFIG_DIR}/${CONFIG_LOADER_FILE}`;
  return [
    'for c in jupyter-server jupyter-lab jupyter-notebook; do',
    '  if command -v "$c" >/dev/null 2>&1; then',
    `    if command -v tini >/dev/null 2>&1; then exec tini -s -g -- "$c" ${config}; fi`,
    `    exec "$c" ${config}`,
    '  fi',
    'done',
    'echo "berth: the image has no Jupyter server (jupyter-server, jupyter-lab or jupyter-notebook): install jupyter-server and ipykernel" >&2',
    'exit 127',
  ].join('\n');
}

/**
 * The pod volumes and mounts of a target's volumes. A claim mounted at several paths (e.g. with different subPaths)
 * is one pod volume; read-only is per mount.
 */
export function targetVolumes(volumes: readonly PodVolume[] | undefined): { volumes: PodVolumeSpec[]; mounts: VolumeMountSpec[] } {
  const specs: PodVolumeSpec[] = [];
  const mounts: VolumeMountSpec[] = [];
  const claims = new Map<string, string>();
  (volumes ?? []).forEach((v, i) => {
    // Named after the first target volume that uses it, so that a kubelet message about it names that entry.
    let name = `${TARGET_VOLUME_PREFIX}${i}`;
    if (v.source.kind === 'persistentVolumeClaim') {
      const known = claims.get(v.source.claimName);
      if (known) name = known;
      else {
        claims.set(v.source.claimName, name);
        specs.push({ name, persistentVolumeClaim: { claimName: v.source.claimName } });
      }
    } else {
      specs.push({ name, emptyDir: { ...(v.source.sizeLimit ? { sizeLimit: v.source.sizeLimit } : {}), ...(v.source.medium ? { medium: v.source.medium } : {}) } });
    }
    mounts.push({ name, mountPath: v.mountPath, ...(v.readOnly ? { readOnly: true } : {}), ...(v.subPath ? { subPath: v.subPath } : {}) });
  });
  return { volumes: specs, mounts };
}

/** Where and as whom a pod of the target runs: its service account, node selector, tolerations and pull secrets. */
function placement(target: KubernetesKernelTarget): Pick<KernelPodManifest['spec'], 'serviceAccountName' | 'nodeSelector' | 'tolerations' | 'imagePullSecrets'> {
  return {
    ...(target.serviceAccount ? { serviceAccountName: target.serviceAccount } : {}),
    ...(target.nodeSelector && Object.keys(target.nodeSelector).length ? { nodeSelector: { ...target.nodeSelector } } : {}),
    ...(target.tolerations?.length ? { tolerations: target.tolerations.map((t) => ({ ...t })) } : {}),
    ...(target.imagePullSecrets?.length ? { imagePullSecrets: target.imagePullSecrets.map((s) => ({ name: s })) } : {}),
  };
}

/** The pod. The token is NOT in it: the Jupyter config (with the token) comes from the Secret, mounted read-only. */
export function kernelPodManifest(target: KubernetesKernelTarget, options: LaunchOptions, name: string): KernelPodManifest {
  const { labels, annotations } = kernelPodLabels(target, options);
  const env = { ...(target.env ?? {}), ...options.env };
  const requests = target.resources?.requests;
  const limits = target.resources?.limits;
  const own = targetVolumes(target.volumes);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: target.namespace, labels, annotations },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: POD_GRACE_SECONDS,
      // Least privilege: no API token in the pod unless the target names a service account to run as.
      automountServiceAccountToken: target.serviceAccount !== undefined,
      enableServiceLinks: false,
      ...placement(target),
      containers: [
        {
          name: POD_CONTAINER,
          image: target.image,
          ...(target.imagePullPolicy ? { imagePullPolicy: target.imagePullPolicy } : {}),
          command: ['/bin/sh', '-c', serverScript()],
          workingDir: POD_WORKSPACE,
          env: Object.entries(env).map(([k, v]) => ({ name: k, value: v })),
          resources: { ...(requests ? { requests: { ...requests } } : {}), ...(limits ? { limits: { ...limits } } : {}) },
          securityContext: { allowPrivilegeEscalation: false },
          volumeMounts: [
            { name: 'berth-config', mountPath: CONFIG_DIR, readOnly: true },
            { name: 'workspace', mountPath: POD_WORKSPACE },
            ...own.mounts,
          ],
        },
      ],
      // No hostPath ever: the notebook's folder is copied in (see the adapter), the config comes from the Secret, and
      // a target's own volumes are claims or emptyDirs (kernelTargets refuses anything else).
      volumes: [
        { name: 'berth-config', secret: { secretName: name, defaultMode: 0o444 } },
        { name: 'workspace', emptyDir: {} },
        ...own.volumes,
      ],
    },
  };
}

/** The label selector that finds Berth's probe pods. */
export const PROBE_SELECTOR = `${Labels.probe}=kubernetes`;

/** A probe pod's name: DNS-1123, unique per probe. */
export function probePodName(random: string): string {
  return `berth-probe-${random.toLowerCase().replace(/[^a-z0-9]/g, '').slice(0, 16)}`;
}

/**
 * A probe pod: runs the probe script of local images (which server commands exist, the kernelspecs on disk) once and
 * ends. Where and how the kernel pod would pull (node selector, tolerations, pull policy and secrets, the service
 * account's pull secrets) but nothing else of it: no API token, no volumes, no requests (it needs no GPU to list
 * kernelspecs). `deadlineS` ends it in the cluster if Berth is gone before it could delete it.
 */
export function probePodManifest(target: KubernetesKernelTarget, name: string, deadlineS: number): KernelPodManifest & { readonly spec: { readonly activeDeadlineSeconds: number } } {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: target.namespace, labels: { [Labels.probe]: 'kubernetes', [Labels.image]: labelValue(target.image) }, annotations: { [Labels.image]: target.image } },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 0,
      activeDeadlineSeconds: deadlineS,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      ...placement(target),
      containers: [
        {
          name: 'probe',
          image: target.image,
          ...(target.imagePullPolicy ? { imagePullPolicy: target.imagePullPolicy } : {}),
          command: ['/bin/sh', '-c', PROBE_SCRIPT],
          workingDir: '/',
          env: [],
          resources: {},
          securityContext: { allowPrivilegeEscalation: false },
          volumeMounts: [],
        },
      ],
      volumes: [],
    },
  };
}

/**
 * Jupyter's config for a pod: the same as for a container (IOPub limits off, token), but bound to 127.0.0.1:
 * inside the pod only the port-forward reaches it, never the pod network. It shuts itself down when idle, as a
 * container's server does, so a pod whose owner died (a laptop closed) does not run forever.
 */
export function podJupyterConfig(token: string, idleTimeoutS: number = DEFAULT_IDLE_TIMEOUT_S): string {
  const config = JSON.parse(jupyterConfig(token, POD_WORKSPACE, idleTimeoutS)) as Record<string, Record<string, unknown>>;
  config.ServerApp.ip = '127.0.0.1';
  config.NotebookApp.ip = '127.0.0.1';
  return `${JSON.stringify(config, null, 1)}\n`;
}

/** The Secret with the token and Jupyter's config files; its ownerReference to the pod is set once the pod exists. */
export function kernelSecretManifest(target: KubernetesKernelTarget, options: LaunchOptions, name: string, token: string): KernelSecretManifest {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: target.namespace, labels: kernelPodLabels(target, options).labels },
    type: 'Opaque',
    stringData: {
      [SECRET_TOKEN_KEY]: token,
      [CONFIG_FILE]: podJupyterConfig(token, options.idleTimeoutS),
      [CONFIG_LOADER_FILE]: jupyterConfigLoader(),
    },
  };
}

/** The label selector that finds Berth's kernel pods and Secrets. */
export const KERNEL_SELECTOR = `${Labels.kernel}=kubernetes`;
