// The port through which Knit and Export run one command in a fresh container of an image: the docker adapter
// implements it (src/adapters/docker/dockerJobRunner.ts), core builds the spec and reads the output.
import type { HostMount, KernelOwner } from '../kernels/api';
import { Labels } from '../kernels/containerSpec';

export interface JobSpec {
  readonly image: string;
  readonly command: readonly string[];
  /** Inside the container: the document's folder, mapped. */
  readonly workingDir: string;
  readonly mounts: readonly HostMount[];
  readonly env: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  /** `uid:gid` so that what the job writes into the mounted folder belongs to the user; undefined: the image's user. */
  readonly user?: string;
}

export type JobStream = 'stdout' | 'stderr';

export interface JobRunner {
  /**
   * Runs `spec.command` to its end in a new container and removes the container on every path. `onLine` gets
   * each output line as it is written. An abort removes the container at once and rejects with CancelledError;
   * an image that is not there rejects with a BerthError that says so.
   */
  run(spec: JobSpec, signal: AbortSignal, onLine: (line: string, stream: JobStream) => void): Promise<{ readonly exitCode: number }>;
}

export type JobKind = 'knit' | 'export';

export const JobLabels = {
  job: 'berth.job',
  document: 'berth.document',
} as const;

/** The labels of a job container: what it does, for which document, and whose it is (as on kernel containers). */
export function jobLabels(kind: JobKind, documentPath: string, owner: KernelOwner): Record<string, string> {
  return {
    [JobLabels.job]: kind,
    [JobLabels.document]: documentPath,
    [Labels.owner]: owner.id,
    [Labels.ownerKind]: owner.kind,
    [Labels.ownerPid]: String(owner.pid),
  };
}
