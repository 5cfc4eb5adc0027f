import { Emitter } from '../common/event';
import type { Disposable } from '../common/lifecycle';

/** A build in progress, as views show it. */
export interface RunningBuild {
  /** Unique per build, stable while it runs. */
  readonly id: string;
  readonly tag: string;
  /** The Dockerfile, as the user would name it (workspace-relative path). */
  readonly dockerfile: string;
  /** e.g. "Step 3/7: RUN pip install …"; empty before the first step. */
  readonly step: string;
}

/** The builds running now; the Images view lists them above the images. */
export class BuildActivity implements Disposable {
  private readonly changed = new Emitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly running = new Map<string, RunningBuild>();
  private readonly cancels = new Map<string, () => void>();
  private nextId = 1;

  get builds(): readonly RunningBuild[] {
    return [...this.running.values()];
  }

  /** Records a started build that `cancel` stops; the returned handle reports its steps and ends it. */
  start(tag: string, dockerfile: string, cancel: () => void): { update(step: string): void; end(): void } {
    const id = `build-${this.nextId++}`;
    this.running.set(id, { id, tag, dockerfile, step: '' });
    this.cancels.set(id, cancel);
    this.changed.fire();
    return {
      update: (step) => {
        const build = this.running.get(id);
        if (build) {
          this.running.set(id, { ...build, step });
          this.changed.fire();
        }
      },
      end: () => {
        this.cancels.delete(id);
        if (this.running.delete(id)) {
          this.changed.fire();
        }
      },
    };
  }

  /** Cancels one running build, or all of them when `id` is undefined. */
  cancel(id?: string): void {
    for (const [buildId, cancel] of [...this.cancels]) {
      if (id === undefined || id === buildId) {
        cancel();
      }
    }
  }

  dispose(): void {
    this.running.clear();
    this.cancels.clear();
    this.changed.dispose();
  }
}

/** "Step 3/7: RUN pip install …", shortened to fit a notification line. */
export function formatStep(index: number, total: number, instruction: string, maxLength = 80): string {
  const text = `Step ${index}/${total}: ${instruction.replace(/\s+/g, ' ').trim()}`;
  return text.length > maxLength ? `${text.slice(0, maxLength - 1)}…` : text;
}
