import type * as vscode from 'vscode';
import type { ProbeCache } from '../../core/images/imageProbes';
import type { ImageProbe } from '../../core/kernels/api';

const KEY = 'berth.imageProbes.v1';

/** Image probe results in globalState, keyed by image id: an image is probed once per machine, not once per window. */
export class MementoProbeCache implements ProbeCache {
  constructor(private readonly state: vscode.Memento) {}

  private all(): Record<string, ImageProbe> {
    return this.state.get<Record<string, ImageProbe>>(KEY, {});
  }

  get(imageId: string): ImageProbe | undefined {
    return this.all()[imageId];
  }

  async set(probe: ImageProbe): Promise<void> {
    await this.state.update(KEY, { ...this.all(), [probe.imageId]: probe });
  }

  async retain(imageIds: ReadonlySet<string>): Promise<void> {
    const all = this.all();
    const kept = Object.fromEntries(Object.entries(all).filter(([id]) => imageIds.has(id)));
    if (Object.keys(kept).length !== Object.keys(all).length) {
      await this.state.update(KEY, kept);
    }
  }
}
