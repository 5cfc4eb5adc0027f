// Recognising Berth's own kernel pods. They carry the same label keys as Berth's kernel containers
// (core/kernels/containerSpec.ts). Label values cannot hold a notebook URI, so the notebook a pod serves is
// read from the annotation of the same key first and from the label only as a fallback.
import { Labels } from '../kernels/containerSpec';
import type { PodInfo } from './resources';

export interface BerthKernelMark {
  /** The notebook the kernel serves, as recorded (a URI, or whatever the label could hold). */
  readonly notebook?: string;
  /** A short name for the row: the notebook's file name. */
  readonly notebookName?: string;
  readonly image?: string;
  readonly kernelspec?: string;
}

function fileName(notebook: string): string {
  try {
    const url = new URL(notebook);
    const last = decodeURIComponent(url.pathname).split('/').filter(Boolean).pop();
    if (last) {
      return last;
    }
  } catch {
    // Not a URI (a plain path, or a hashed label value): fall through.
  }
  return notebook.split(/[\\/]/).filter(Boolean).pop() ?? notebook;
}

/** The Berth kernel a pod serves, or undefined when it is not one of Berth's. */
export function berthKernelOf(pod: Pick<PodInfo, 'labels' | 'annotations'>): BerthKernelMark | undefined {
  if (!(Labels.kernel in pod.labels)) {
    return undefined;
  }
  const notebook = pod.annotations[Labels.notebook] || pod.labels[Labels.notebook] || undefined;
  return {
    notebook,
    notebookName: notebook ? fileName(notebook) : undefined,
    image: pod.annotations[Labels.image] || pod.labels[Labels.image] || undefined,
    kernelspec: pod.annotations[Labels.kernelspec] || pod.labels[Labels.kernelspec] || undefined,
  };
}
