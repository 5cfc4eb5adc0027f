/**
 * The legacy builder's progress stream (`POST /build` without BuildKit): newline-separated JSON objects with
 * `stream` (log text, including "Step N/M : INSTRUCTION"), `aux` (the built image id), `status` (pull
 * progress) and `error`/`errorDetail`. This turns raw chunks into events; chunks may split objects anywhere.
 */

export type BuildStreamEvent =
  | { readonly kind: 'log'; readonly text: string }
  | { readonly kind: 'step'; readonly index: number; readonly total: number; readonly instruction: string }
  | { readonly kind: 'imageId'; readonly id: string }
  | { readonly kind: 'error'; readonly message: string; readonly code?: number };

interface RawMessage {
  stream?: unknown;
  status?: unknown;
  progress?: unknown;
  id?: unknown;
  aux?: { ID?: unknown };
  error?: unknown;
  errorDetail?: { message?: unknown; code?: unknown };
}

const STEP = /^Step (\d+)\/(\d+) : (.*)$/;

export class BuildStreamParser {
  private buffer = '';

  /** Feeds a chunk of the response body; returns the events completed by it. */
  push(chunk: string): BuildStreamEvent[] {
    this.buffer += chunk;
    const events: BuildStreamEvent[] = [];
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      events.push(...parseLine(line));
    }
    return events;
  }

  /** The stream ended: whatever is left is one last object. */
  end(): BuildStreamEvent[] {
    const rest = this.buffer.trim();
    this.buffer = '';
    return parseLine(rest);
  }
}

function parseLine(line: string): BuildStreamEvent[] {
  if (line === '') {
    return [];
  }
  let message: RawMessage;
  try {
    message = JSON.parse(line) as RawMessage;
  } catch {
    return [{ kind: 'log', text: `${line}\n` }];
  }
  const events: BuildStreamEvent[] = [];
  if (typeof message.stream === 'string') {
    events.push({ kind: 'log', text: message.stream });
    const step = STEP.exec(message.stream.trim());
    if (step) {
      events.push({ kind: 'step', index: Number(step[1]), total: Number(step[2]), instruction: step[3] });
    }
  }
  if (typeof message.status === 'string') {
    const id = typeof message.id === 'string' ? `${message.id}: ` : '';
    const progress = typeof message.progress === 'string' ? ` ${message.progress}` : '';
    events.push({ kind: 'log', text: `${id}${message.status}${progress}\n` });
  }
  if (typeof message.aux?.ID === 'string') {
    events.push({ kind: 'imageId', id: message.aux.ID });
  }
  const errorMessage = typeof message.errorDetail?.message === 'string' ? message.errorDetail.message : typeof message.error === 'string' ? message.error : undefined;
  if (errorMessage !== undefined) {
    const code = typeof message.errorDetail?.code === 'number' ? message.errorDetail.code : undefined;
    events.push(code === undefined ? { kind: 'error', message: errorMessage } : { kind: 'error', message: errorMessage, code });
  }
  return events;
}
