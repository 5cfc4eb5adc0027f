// Reading and writing .ipynb (nbformat 4) for the CLI, and converting between nbformat outputs and Berth's
// CellOutput. Unknown fields and all metadata survive a read/write round trip untouched.
import { BerthError } from '../common/errors';
import type { CellOutput } from './api';
import { isRecord } from './outputMapping';

export interface NbCell {
  cell_type: string;
  source: string | string[];
  metadata: Record<string, unknown>;
  id?: string;
  outputs?: unknown[];
  execution_count?: number | null;
  [key: string]: unknown;
}

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NbCell[];
  [key: string]: unknown;
}

/** Parses .ipynb text; `name` (the file) goes into the message of the BerthError thrown for bad input. */
export function parseNotebook(text: string, name: string): Notebook {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BerthError(`${name} is not a notebook: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isRecord(raw)) {
    throw new BerthError(`${name} is not a notebook: expected a JSON object at the top level`);
  }
  if (raw.nbformat !== 4) {
    const found = typeof raw.nbformat === 'number' ? `nbformat ${raw.nbformat}` : 'no nbformat version';
    throw new BerthError(`${name} has ${found}; Berth runs nbformat 4 notebooks (convert with: jupyter nbconvert --to notebook ${name})`);
  }
  if (!Array.isArray(raw.cells)) {
    throw new BerthError(`${name} is not a notebook: it has no "cells" list`);
  }
  raw.cells.forEach((cell, i) => {
    if (!isRecord(cell) || typeof cell.cell_type !== 'string' || !(typeof cell.source === 'string' || Array.isArray(cell.source))) {
      throw new BerthError(`${name} is not a valid notebook: cell ${i + 1} has no cell_type or source`);
    }
    if (!isRecord(cell.metadata)) {
      cell.metadata = {};
    }
  });
  if (!isRecord(raw.metadata)) {
    raw.metadata = {};
  }
  if (typeof raw.nbformat_minor !== 'number') {
    raw.nbformat_minor = 4;
  }
  return raw as unknown as Notebook;
}

/** Serialises like nbformat's writer (sorted keys, one-space indent, text values as lists of lines). */
export function serializeNotebook(nb: Notebook): string {
  return `${JSON.stringify(sortKeys(splitMultiline(nb)), null, 1)}\n`;
}

export function cellSource(cell: NbCell): string {
  return Array.isArray(cell.source) ? cell.source.join('') : cell.source;
}

/** Python's str.splitlines(keepends=True), which nbformat uses: 'a\nb' → ['a\n', 'b']; '' → []. */
export function splitLines(text: string): string[] {
  return text.match(/[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029])|[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+$/g) ?? [];
}

/** The MIME types nbformat writes as lists of lines; everything else (base64 images, JSON) stays one value. */
export function isSplitMime(mime: string): boolean {
  return mime.startsWith('text/') || mime === 'application/javascript' || mime === 'image/svg+xml';
}

export function toNbOutput(output: CellOutput): Record<string, unknown> {
  switch (output.kind) {
    case 'stream':
      return { output_type: 'stream', name: output.name, text: output.text };
    case 'error':
      return { output_type: 'error', ename: output.ename, evalue: output.evalue, traceback: [...output.traceback] };
    case 'display':
      return output.outputType === 'execute_result'
        ? { output_type: 'execute_result', data: output.data, metadata: output.metadata, execution_count: output.executionCount ?? null }
        : { output_type: 'display_data', data: output.data, metadata: output.metadata };
  }
}

/** Reads one nbformat output; undefined for something that is not a known output type. */
export function fromNbOutput(raw: unknown): CellOutput | undefined {
  if (!isRecord(raw)) {
    return undefined;
  }
  const join = (v: unknown) => (Array.isArray(v) ? v.join('') : typeof v === 'string' ? v : '');
  switch (raw.output_type) {
    case 'stream':
      return { kind: 'stream', name: raw.name === 'stderr' ? 'stderr' : 'stdout', text: join(raw.text) };
    case 'error':
      return {
        kind: 'error',
        ename: String(raw.ename ?? ''),
        evalue: String(raw.evalue ?? ''),
        traceback: Array.isArray(raw.traceback) ? raw.traceback.map(String) : [],
      };
    case 'display_data':
    case 'execute_result': {
      const data: Record<string, unknown> = {};
      for (const [mime, value] of Object.entries(isRecord(raw.data) ? raw.data : {})) {
        data[mime] = isJsonMime(mime) ? value : Array.isArray(value) ? value.join('') : value;
      }
      return {
        kind: 'display',
        outputType: raw.output_type,
        data,
        metadata: isRecord(raw.metadata) ? raw.metadata : {},
        ...(raw.output_type === 'execute_result' && typeof raw.execution_count === 'number' ? { executionCount: raw.execution_count } : {}),
      };
    }
    default:
      return undefined;
  }
}

export function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || /\+json$/.test(mime);
}

function splitMultiline(nb: Notebook): Notebook {
  return {
    ...nb,
    cells: nb.cells.map((cell) => ({
      ...cell,
      source: splitLines(cellSource(cell)),
      ...(Array.isArray(cell.outputs) ? { outputs: cell.outputs.map(splitOutput) } : {}),
    })),
  };
}

function splitOutput(output: unknown): unknown {
  if (!isRecord(output)) {
    return output;
  }
  const copy: Record<string, unknown> = { ...output };
  if (typeof copy.text === 'string') {
    copy.text = splitLines(copy.text);
  }
  if (isRecord(copy.data)) {
    const data: Record<string, unknown> = {};
    for (const [mime, value] of Object.entries(copy.data)) {
      data[mime] = typeof value === 'string' && isSplitMime(mime) ? splitLines(value) : value;
    }
    copy.data = data;
  }
  return copy;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (isRecord(value)) {
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      sorted[key] = sortKeys(value[key]);
    }
    return sorted;
  }
  return value;
}
