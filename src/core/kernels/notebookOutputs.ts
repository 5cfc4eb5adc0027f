// The outputs of a notebook's cells as Jupyter frontends keep them while cells run: consecutive stream
// outputs of the same name merge (with \r and \b resolved), clear_output(wait=True) clears just before the
// next output, and a display_id ties outputs together across cells so update_display_data (or a new display
// with the same id) replaces every one of them. Pure: the CLI writes the result to .ipynb, the controller
// mirrors it into VS Code cells.
//
// Built for floods: stream text is kept in linear time (StreamText), an optional per-cell limit cuts stream text
// with a visible note instead of keeping it, and a client that tracks changes gets only what changed since it
// last looked (text appended to a stream, new outputs), so it never re-sends a growing output.
import type { CellOutput, OutputAction } from './api';
import { StreamText, utf8Length } from './streamText';

export interface OutputLimits {
  /** The stream text one cell may keep, in UTF-8 bytes. Beyond it the text is cut and a note says how much. 0: no limit. */
  readonly maxStreamBytes: number;
  /** The note's text, e.g. naming the option that raises the limit. */
  readonly describeCut?: (cutBytes: number, limitBytes: number) => string;
}

export interface NotebookOutputsOptions {
  readonly limits?: OutputLimits;
  /** Keep what changed since the last takeChanges() (the VS Code client); off for a client that reads outputs once. */
  readonly trackChanges?: boolean;
}

/** What brings a client, which applied every earlier change of a cell, up to date with it. */
export type OutputChange =
  | { readonly type: 'replace'; readonly outputs: readonly CellOutput[] }
  | { readonly type: 'append'; readonly outputs: readonly CellOutput[] }
  /** Raw stream text (control characters not yet resolved) to add to the stream output at `index`. */
  | { readonly type: 'append-text'; readonly index: number; readonly text: string }
  | { readonly type: 'set'; readonly index: number; readonly output: CellOutput };

/**
 * Metadata of the note that stands for cut output (`metadata.berth.outputCut`). `cutBytes` is there only for a
 * client that reads outputs once (the CLI): a live note's count changes while it is shown, and VS Code keeps an
 * output's metadata as first written when only its items change, so the live note says the count in its text only.
 */
export interface OutputCut {
  readonly limitBytes: number;
  readonly cutBytes?: number;
}

interface StreamEntry {
  readonly kind: 'stream';
  readonly name: 'stdout' | 'stderr';
  readonly text: StreamText;
  /** Raw chunks not yet handed to a tracking client. */
  unposted: string[];
}
interface OutputEntry {
  readonly kind: 'output';
  output: CellOutput;
  dirty: boolean;
}
interface CutEntry {
  readonly kind: 'cut';
  cutBytes: number;
  dirty: boolean;
}
type Entry = StreamEntry | OutputEntry | CutEntry;

interface Cell {
  entries: Entry[];
  clearPending: boolean;
  /** Stream bytes kept (the limit counts these). */
  streamBytes: number;
  cut?: CutEntry;
  /** The cell's stream limit in bytes (0: none). */
  limit: number;
  /** Entries a tracking client has; a structural change (a clear) makes it replace everything. */
  posted: number;
  replace: boolean;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

const defaultDescribeCut = (cutBytes: number, limitBytes: number) =>
  `Output cut: this cell's text passed the ${formatBytes(limitBytes)} limit; ${formatBytes(cutBytes)} (${cutBytes.toLocaleString('en-US')} bytes) more are not shown.`;

/** The cut a note stands for, if `output` is one. */
export function cutOf(output: CellOutput): OutputCut | undefined {
  if (output.kind !== 'display') return undefined;
  const berth = output.metadata.berth as { outputCut?: OutputCut } | undefined;
  return berth?.outputCut;
}

export class NotebookOutputs {
  private readonly cells = new Map<string, Cell>();
  private readonly limits: OutputLimits;
  private readonly tracking: boolean;

  constructor(options: NotebookOutputsOptions = {}) {
    this.limits = options.limits ?? { maxStreamBytes: 0 };
    this.tracking = options.trackChanges ?? false;
  }

  /** The current outputs of a cell (empty if it never ran). */
  outputs(cellKey: string): readonly CellOutput[] {
    const cell = this.cells.get(cellKey);
    return cell ? cell.entries.map((e) => this.toOutput(e, cell.limit)) : [];
  }

  /** Seeds a cell with outputs it already has (e.g. read from disk), keeping their display ids. */
  set(cellKey: string, outputs: readonly CellOutput[]): void {
    const cell = this.fresh(cellKey);
    for (const o of outputs) cell.entries.push(o.kind === 'stream' ? this.streamEntry(o.name, o.text) : { kind: 'output', output: o, dirty: false });
    cell.posted = cell.entries.length;
  }

  /**
   * A cell starts running: its old outputs go, as in every Jupyter frontend (the client clears the cell itself).
   * `maxStreamBytes` overrides the limit for this run (a setting read when the cell starts).
   */
  reset(cellKey: string, maxStreamBytes?: number): void {
    const cell = this.fresh(cellKey);
    if (maxStreamBytes !== undefined) cell.limit = maxStreamBytes;
  }

  /** Forgets a cell (it was deleted, or its notebook closed). */
  delete(cellKey: string): void {
    this.cells.delete(cellKey);
  }

  /** Applies one action to `cellKey` (the running cell); returns the keys of every cell whose outputs changed. */
  apply(cellKey: string, action: OutputAction): string[] {
    switch (action.type) {
      case 'append':
        return this.append(cellKey, action.output);
      case 'clear': {
        const cell = this.cell(cellKey);
        if (action.wait) {
          cell.clearPending = true;
          return [];
        }
        this.clear(cell);
        return [cellKey];
      }
      case 'update-display':
        return this.updateDisplay(action.displayId, action.output);
      case 'execution-count':
      case 'none':
        return [];
    }
  }

  /** Stream bytes cut from the cell so far (0 when nothing was cut). */
  cutBytes(cellKey: string): number {
    return this.cells.get(cellKey)?.cut?.cutBytes ?? 0;
  }

  /** What changed in a cell since the last call (needs `trackChanges`). */
  takeChanges(cellKey: string): OutputChange[] {
    const cell = this.cells.get(cellKey);
    if (!cell) return [];
    if (cell.replace) {
      cell.replace = false;
      cell.posted = cell.entries.length;
      cell.entries.forEach(markPosted);
      return [{ type: 'replace', outputs: this.outputs(cellKey) }];
    }
    const changes: OutputChange[] = [];
    for (let i = 0; i < cell.posted; i++) {
      const e = cell.entries[i];
      if (e.kind === 'stream') {
        if (e.unposted.length > 0) {
          changes.push({ type: 'append-text', index: i, text: e.unposted.join('') });
          e.unposted = [];
        }
      } else if (e.dirty) {
        changes.push({ type: 'set', index: i, output: this.toOutput(e, cell.limit) });
        e.dirty = false;
      }
    }
    if (cell.entries.length > cell.posted) {
      const added = cell.entries.slice(cell.posted);
      added.forEach(markPosted);
      changes.push({ type: 'append', outputs: added.map((e) => this.toOutput(e, cell.limit)) });
      cell.posted = cell.entries.length;
    }
    return changes;
  }

  private fresh(cellKey: string): Cell {
    const cell: Cell = { entries: [], clearPending: false, streamBytes: 0, limit: this.limits.maxStreamBytes, posted: 0, replace: false };
    this.cells.set(cellKey, cell);
    return cell;
  }

  private cell(cellKey: string): Cell {
    return this.cells.get(cellKey) ?? this.fresh(cellKey);
  }

  private clear(cell: Cell): void {
    cell.clearPending = false;
    cell.entries = [];
    cell.streamBytes = 0;
    cell.cut = undefined;
    cell.replace = true;
    cell.posted = 0;
  }

  private streamEntry(name: 'stdout' | 'stderr', text: string): StreamEntry {
    return { kind: 'stream', name, text: new StreamText(text), unposted: [] };
  }

  private toOutput(e: Entry, limitBytes: number): CellOutput {
    switch (e.kind) {
      case 'stream':
        return { kind: 'stream', name: e.name, text: e.text.text() };
      case 'output':
        return e.output;
      case 'cut': {
        const outputCut: OutputCut = this.tracking ? { limitBytes } : { cutBytes: e.cutBytes, limitBytes };
        return { kind: 'display', outputType: 'display_data', data: { 'text/plain': (this.limits.describeCut ?? defaultDescribeCut)(e.cutBytes, limitBytes) }, metadata: { berth: { outputCut } } };
      }
    }
  }

  private append(cellKey: string, output: CellOutput): string[] {
    const changed = new Set<string>([cellKey]);
    if (output.kind === 'display' && output.displayId !== undefined) {
      this.updateDisplay(output.displayId, output).forEach((k) => changed.add(k));
    }
    const cell = this.cell(cellKey);
    if (cell.clearPending) this.clear(cell);
    if (output.kind === 'stream') this.appendStream(cell, output.name, output.text);
    else cell.entries.push({ kind: 'output', output, dirty: false });
    return [...changed];
  }

  private appendStream(cell: Cell, name: 'stdout' | 'stderr', text: string): void {
    if (cell.cut) {
      cell.cut.cutBytes += utf8Length(text);
      cell.cut.dirty = true;
      return;
    }
    const limit = cell.limit;
    let kept = text;
    let cutBytes = 0;
    if (limit > 0) {
      const bytes = utf8Length(text);
      if (cell.streamBytes + bytes > limit) {
        kept = fittingPrefix(text, limit - cell.streamBytes, cell.streamBytes === 0);
        cutBytes = bytes - utf8Length(kept);
      }
    }
    if (kept) {
      const last = cell.entries[cell.entries.length - 1];
      if (last?.kind === 'stream' && last.name === name) {
        last.text.append(kept);
        if (this.tracking) last.unposted.push(kept);
      } else {
        cell.entries.push(this.streamEntry(name, kept));
      }
      cell.streamBytes += utf8Length(kept);
    }
    if (cutBytes > 0) {
      cell.cut = { kind: 'cut', cutBytes, dirty: false };
      cell.entries.push(cell.cut);
    }
  }

  private updateDisplay(displayId: string, update: CellOutput): string[] {
    if (update.kind !== 'display') {
      return [];
    }
    const changed: string[] = [];
    for (const [key, cell] of this.cells) {
      let hit = false;
      for (const e of cell.entries) {
        if (e.kind === 'output' && e.output.kind === 'display' && e.output.displayId === displayId) {
          // The update replaces what is shown, not what the output is: an execute_result keeps its count.
          e.output = { ...e.output, data: update.data, metadata: update.metadata };
          e.dirty = true;
          hit = true;
        }
      }
      if (hit) {
        changed.push(key);
      }
    }
    return changed;
  }
}

function markPosted(e: Entry): void {
  if (e.kind === 'stream') e.unposted = [];
  else e.dirty = false;
}

/**
 * The longest start of `text` within `maxBytes` UTF-8 bytes that ends after a newline, so the kept output ends with
 * a whole line. Without a newline in reach, nothing, unless nothing was kept yet (one huge line): then as much as fits.
 */
function fittingPrefix(text: string, maxBytes: number, first: boolean): string {
  if (maxBytes <= 0) return '';
  let end = Math.min(text.length, maxBytes);
  while (end > 0 && utf8Length(text.slice(0, end)) > maxBytes) end = Math.floor(end * 0.9);
  // Never split a surrogate pair.
  if (end > 0 && end < text.length && /[\ud800-\udbff]/.test(text[end - 1])) end--;
  const nl = text.lastIndexOf('\n', end - 1);
  return nl >= 0 ? text.slice(0, nl + 1) : first ? text.slice(0, end) : '';
}
