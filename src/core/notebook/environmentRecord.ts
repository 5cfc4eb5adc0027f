// The environment record Berth writes into a notebook's metadata (`metadata.berth`) when a kernel starts: which image
// (by reference and by content) and kernelspec produced the outputs, so the notebook can be re-run the same way and a
// changed image behind the same tag is noticed.
import type { ImageInfo } from '../docker/engine';
import type { HostMount } from '../kernels/api';

export interface EnvironmentRecord {
  /** The reference the user picked, e.g. `berth/python:latest`. */
  readonly image: string;
  /** The image id it resolved to when the kernel started. */
  readonly imageId: string;
  /** `repo@sha256:…`, when the image came from (or went to) a registry. */
  readonly repoDigest?: string;
  readonly kernelspec: string;
  /** Extra mounts, container side only: host paths are machine-specific and stay out of a shared notebook. */
  readonly mounts: readonly { readonly containerPath: string; readonly readOnly?: boolean }[];
  /** ISO time the kernel started. */
  readonly startedAt: string;
}

export function buildRecord(reference: string, image: ImageInfo, kernelspec: string, mounts: readonly HostMount[], startedAtMs: number): EnvironmentRecord {
  const repo = reference.replace(/:[^:/]+$/, '');
  const repoDigest = image.digests.find((d) => d.startsWith(`${repo}@`)) ?? image.digests[0];
  return {
    image: reference,
    imageId: image.id,
    ...(repoDigest ? { repoDigest } : {}),
    kernelspec,
    mounts: mounts.map((m) => ({ containerPath: m.containerPath, ...(m.readOnly ? { readOnly: true } : {}) })),
    startedAt: new Date(startedAtMs).toISOString(),
  };
}

/** Reads a record from notebook metadata written by any Berth version; undefined if absent or malformed. */
export function readRecord(value: unknown): EnvironmentRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const r = value as Record<string, unknown>;
  if (typeof r.image !== 'string' || typeof r.imageId !== 'string' || typeof r.kernelspec !== 'string') return undefined;
  return {
    image: r.image,
    imageId: r.imageId,
    ...(typeof r.repoDigest === 'string' ? { repoDigest: r.repoDigest } : {}),
    kernelspec: r.kernelspec,
    mounts: Array.isArray(r.mounts) ? r.mounts.filter((m): m is { containerPath: string } => typeof m?.containerPath === 'string') : [],
    startedAt: typeof r.startedAt === 'string' ? r.startedAt : '',
  };
}

/**
 * What changed between the recorded image and the image the tag names now, as a sentence for the user;
 * undefined when it is the same image (or the tag is gone: then there is nothing to compare against).
 */
export function describeDrift(record: EnvironmentRecord, current: ImageInfo | undefined): string | undefined {
  if (!current || current.id === record.imageId) return undefined;
  const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
  const digestNow = current.digests.find((d) => record.repoDigest && d.split('@')[0] === record.repoDigest.split('@')[0]);
  const digests = record.repoDigest && digestNow && digestNow !== record.repoDigest ? ` (digest ${record.repoDigest.split('@')[1]} → ${digestNow.split('@')[1]})` : '';
  return `${record.image} has changed since this notebook's outputs were produced: it was image ${short(record.imageId)}, it is now ${short(current.id)}${digests}.`;
}
