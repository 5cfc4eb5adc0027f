import type { ImageInfo } from '../docker/engine';

/** One row of the Images view. Ids are stable across refreshes so the tree keeps selection and expansion. */
export interface ImageRow {
  readonly kind: 'image';
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly tooltip: string;
  readonly image: ImageInfo;
  readonly tagged: boolean;
}

export interface UntaggedGroupRow {
  readonly kind: 'untagged';
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly children: readonly ImageRow[];
}

export type ImagesViewRow = ImageRow | UntaggedGroupRow;

export const UNTAGGED_GROUP_ID = 'berth.images.untagged';

/** Sizes the way `docker images` prints them: decimal units, three significant digits. */
export function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : value >= 10 ? 1 : 2;
  return `${value.toFixed(digits).replace(/\.0+$|(\.\d*?)0+$/, '$1')} ${units[unit]}`;
}

/** A short relative age, e.g. "just now", "5 minutes ago", "3 days ago". */
export function formatAge(createdMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - createdMs) / 1000));
  const steps: Array<[number, string]> = [
    [60, 'second'],
    [60, 'minute'],
    [24, 'hour'],
    [7, 'day'],
    [4.35, 'week'],
    [12, 'month'],
    [Number.POSITIVE_INFINITY, 'year'],
  ];
  if (seconds < 10) {
    return 'just now';
  }
  let value = seconds;
  for (const [size, name] of steps) {
    if (value < size) {
      const n = Math.floor(value);
      return `${n} ${name}${n === 1 ? '' : 's'} ago`;
    }
    value /= size;
  }
  return 'long ago';
}

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

function rowFor(image: ImageInfo, label: string, tagged: boolean, nowMs: number): ImageRow {
  const size = formatSize(image.sizeBytes);
  const age = formatAge(image.createdMs, nowMs);
  const lines = [label, `Image ID: ${shortId(image.id)}`, `Size: ${size}`, `Created: ${new Date(image.createdMs).toISOString()}`];
  if (tagged && image.tags.length > 1) {
    lines.push(`Also tagged: ${image.tags.filter((t) => t !== label).join(', ')}`);
  }
  return {
    kind: 'image',
    id: tagged ? `tag:${label}` : `id:${image.id}`,
    label,
    description: `${size} · ${age}`,
    tooltip: lines.join('\n'),
    image,
    tagged,
  };
}

/**
 * Turns the engine's image list into view rows: one row per `repo:tag` (an image with two tags shows twice,
 * as in `docker images`), sorted by reference, then a single group holding the untagged images, newest first.
 */
export function toImageRows(images: readonly ImageInfo[], nowMs: number): ImagesViewRow[] {
  const tagged: ImageRow[] = [];
  const untagged: ImageRow[] = [];
  for (const image of images) {
    const tags = image.tags.filter((t) => t !== '<none>:<none>');
    if (tags.length === 0) {
      untagged.push(rowFor(image, shortId(image.id), false, nowMs));
    }
    for (const tag of tags) {
      tagged.push(rowFor(image, tag, true, nowMs));
    }
  }
  tagged.sort((a, b) => a.label.localeCompare(b.label));
  untagged.sort((a, b) => b.image.createdMs - a.image.createdMs);
  const rows: ImagesViewRow[] = [...tagged];
  if (untagged.length > 0) {
    rows.push({
      kind: 'untagged',
      id: UNTAGGED_GROUP_ID,
      label: 'Untagged',
      description: `${untagged.length} image${untagged.length === 1 ? '' : 's'}`,
      children: untagged,
    });
  }
  return rows;
}
