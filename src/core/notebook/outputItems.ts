// CellOutput (nbformat terms) → the items of a VS Code notebook cell output, as plain data. The VS Code side only
// wraps each item in a NotebookCellOutputItem; everything that decides MIME types and encodings lives here.
import type { CellOutput } from '../kernels/api';

/** One item of a cell output: a MIME type and its bytes. */
export interface OutputItemData {
  readonly mime: string;
  readonly data: Uint8Array;
}

/**
 * Metadata in the shape VS Code's built-in ipynb serializer reads back (`outputType`, `metadata`,
 * `executionCount`, `transient.display_id`), so saving the notebook writes faithful nbformat outputs.
 */
export interface OutputMetadata {
  readonly outputType: 'stream' | 'display_data' | 'execute_result' | 'error';
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly executionCount?: number;
  readonly transient?: { readonly display_id: string };
}

export interface NotebookOutputData {
  readonly items: readonly OutputItemData[];
  readonly metadata: OutputMetadata;
}

/** VS Code's MIME types for streams and errors (what NotebookCellOutputItem.stdout/stderr/error produce). */
export const StreamMime = {
  stdout: 'application/vnd.code.notebook.stdout',
  stderr: 'application/vnd.code.notebook.stderr',
} as const;
export const ErrorMime = 'application/vnd.code.notebook.error';

/** Base64-encoded in Jupyter messages; decoded to raw bytes for VS Code. */
const BASE64_MIMES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/bmp', 'image/webp']);

/** Richest first: VS Code shows the first item it has a renderer for unless the user picks another. */
const MIME_ORDER = [
  'application/vnd.jupyter.widget-view+json',
  'application/vnd.code.notebook.error',
  'text/html',
  'image/svg+xml',
  'image/png',
  'image/jpeg',
  'image/gif',
  'text/markdown',
  'text/latex',
  'application/json',
  'application/javascript',
  'text/plain',
];

const encoder = new TextEncoder();

function rank(mime: string): number {
  const i = MIME_ORDER.indexOf(mime);
  if (i >= 0) return i;
  // Unknown rich types (application/vnd.*, custom renderers) go before the plain-text fallbacks.
  return MIME_ORDER.indexOf('text/markdown') - 0.5;
}

/** nbformat allows multi-line strings as arrays of lines; messages usually carry one string. */
function joinText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('');
  return undefined;
}

export function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || mime.endsWith('+json') || (mime.startsWith('application/vnd.') && mime.includes('json'));
}

function decodeBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/\s+/g, ''), 'base64'));
}

/** One MIME bundle entry → bytes, or undefined when the value cannot be encoded for that MIME type. */
export function encodeMimeValue(mime: string, value: unknown): Uint8Array | undefined {
  if (BASE64_MIMES.has(mime)) {
    const text = joinText(value);
    return text === undefined ? undefined : decodeBase64(text);
  }
  if (isJsonMime(mime)) {
    // A JSON value is sent as a parsed object; keep it JSON so the JSON renderer (and the ipynb saver) can read it.
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return text === undefined ? undefined : encoder.encode(text);
  }
  const text = joinText(value);
  if (text !== undefined) return encoder.encode(text);
  const json = JSON.stringify(value);
  return json === undefined ? undefined : encoder.encode(json);
}

/** A MIME bundle (`data` of display_data / execute_result) → output items, richest first. */
export function mimeBundleToItems(data: Readonly<Record<string, unknown>>): OutputItemData[] {
  const items: OutputItemData[] = [];
  for (const [mime, value] of Object.entries(data)) {
    const bytes = encodeMimeValue(mime, value);
    if (bytes !== undefined) items.push({ mime, data: bytes });
  }
  return items.sort((a, b) => rank(a.mime) - rank(b.mime));
}

/** The payload NotebookCellOutputItem.error writes: `{ name, message, stack }`, with the traceback as the stack. */
export function errorItem(ename: string, evalue: string, traceback: readonly string[]): OutputItemData {
  const stack = traceback.length > 0 ? traceback.join('\n') : `${ename}: ${evalue}`;
  return { mime: ErrorMime, data: encoder.encode(JSON.stringify({ name: ename, message: evalue, stack })) };
}

export function streamItem(name: 'stdout' | 'stderr', text: string): OutputItemData {
  return { mime: StreamMime[name], data: encoder.encode(text) };
}

/** A kernel output → the items and metadata of one VS Code cell output. */
export function toNotebookOutput(output: CellOutput): NotebookOutputData {
  switch (output.kind) {
    case 'stream':
      return { items: [streamItem(output.name, output.text)], metadata: { outputType: 'stream' } };
    case 'error':
      return { items: [errorItem(output.ename, output.evalue, output.traceback)], metadata: { outputType: 'error' } };
    case 'display':
      return {
        items: mimeBundleToItems(output.data),
        metadata: {
          outputType: output.outputType,
          metadata: output.metadata,
          ...(output.executionCount !== undefined ? { executionCount: output.executionCount } : {}),
          ...(output.displayId !== undefined ? { transient: { display_id: output.displayId } } : {}),
        },
      };
  }
}
