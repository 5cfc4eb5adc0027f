// The outputs of a notebook's cells as Jupyter frontends keep them while cells run: consecutive stream
// outputs of the same name merge (with \r and \b resolved), clear_output(wait=True) clears just before the
// next output, and a display_id ties outputs together across cells so update_display_data (or a new display
// with the same id) replaces every one of them. Pure: the CLI writes the result to .ipynb, the controller
// mirrors it into VS Code cells.
import type { CellOutput, OutputAction } from './api';
import { resolveControlChars } from './streamText';

export class NotebookOutputs {
  private readonly cells = new Map<string, CellOutput[]>();
  private readonly clearPending = new Set<string>();

  /** The current outputs of a cell (empty if it never ran). */
  outputs(cellKey: string): readonly CellOutput[] {
    return this.cells.get(cellKey) ?? [];
  }

  /** Seeds a cell with outputs it already has (e.g. read from disk), keeping their display ids. */
  set(cellKey: string, outputs: readonly CellOutput[]): void {
    this.cells.set(cellKey, [...outputs]);
    this.clearPending.delete(cellKey);
  }

  /** A cell starts running: its old outputs go, as in every Jupyter frontend. */
  reset(cellKey: string): void {
    this.set(cellKey, []);
  }

  /** Applies one action to `cellKey` (the running cell); returns the keys of every cell whose outputs changed. */
  apply(cellKey: string, action: OutputAction): string[] {
    switch (action.type) {
      case 'append':
        return this.append(cellKey, action.output);
      case 'clear':
        if (action.wait) {
          this.clearPending.add(cellKey);
          return [];
        }
        this.clearPending.delete(cellKey);
        this.cells.set(cellKey, []);
        return [cellKey];
      case 'update-display':
        return this.updateDisplay(action.displayId, action.output);
      case 'execution-count':
      case 'none':
        return [];
    }
  }

  private append(cellKey: string, output: CellOutput): string[] {
    const changed = new Set<string>([cellKey]);
    if (output.kind === 'display' && output.displayId !== undefined) {
      this.updateDisplay(output.displayId, output).forEach((k) => changed.add(k));
    }
    const outputs = this.takePendingClear(cellKey);
    const last = outputs[outputs.length - 1];
    if (output.kind === 'stream' && last?.kind === 'stream' && last.name === output.name) {
      outputs[outputs.length - 1] = { ...last, text: resolveControlChars(last.text + output.text) };
    } else {
      outputs.push(output.kind === 'stream' ? { ...output, text: resolveControlChars(output.text) } : output);
    }
    return [...changed];
  }

  private takePendingClear(cellKey: string): CellOutput[] {
    if (this.clearPending.delete(cellKey)) {
      this.cells.set(cellKey, []);
    }
    let outputs = this.cells.get(cellKey);
    if (!outputs) {
      outputs = [];
      this.cells.set(cellKey, outputs);
    }
    return outputs;
  }

  private updateDisplay(displayId: string, update: CellOutput): string[] {
    if (update.kind !== 'display') {
      return [];
    }
    const changed: string[] = [];
    for (const [key, outputs] of this.cells) {
      let hit = false;
      outputs.forEach((o, i) => {
        if (o.kind === 'display' && o.displayId === displayId) {
          // The update replaces what is shown, not what the output is: an execute_result keeps its count.
          outputs[i] = { ...o, data: update.data, metadata: update.metadata };
          hit = true;
        }
      });
      if (hit) {
        changed.push(key);
      }
    }
    return changed;
  }
}
