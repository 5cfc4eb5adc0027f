// The pure mapping from Jupyter IOPub messages to what a client does with a cell's outputs. Both the VS Code
// controller and the CLI go through it, so a notebook looks the same wherever it ran.
import type { CellOutput, OutputAction } from './api';

/** An IOPub message as the Jupyter adapter hands it over: the library's message, reduced to what matters. */
export interface IopubMessage {
  readonly msgType: string;
  readonly content: Readonly<Record<string, unknown>>;
}

const NONE: OutputAction = { type: 'none' };

export function toOutputAction(msg: IopubMessage): OutputAction {
  const c = msg.content;
  switch (msg.msgType) {
    case 'stream': {
      const name = c.name === 'stderr' ? 'stderr' : c.name === 'stdout' ? 'stdout' : undefined;
      const text = textOf(c.text);
      return name && text !== undefined ? { type: 'append', output: { kind: 'stream', name, text } } : NONE;
    }
    case 'execute_result':
    case 'display_data': {
      const output = displayOutput(msg.msgType, c);
      return output ? { type: 'append', output } : NONE;
    }
    case 'update_display_data': {
      const output = displayOutput('display_data', c);
      return output?.kind === 'display' && output.displayId !== undefined ? { type: 'update-display', displayId: output.displayId, output } : NONE;
    }
    case 'error':
      return {
        type: 'append',
        output: {
          kind: 'error',
          ename: typeof c.ename === 'string' ? c.ename : 'Error',
          evalue: typeof c.evalue === 'string' ? c.evalue : '',
          traceback: Array.isArray(c.traceback) ? c.traceback.filter((l): l is string => typeof l === 'string') : [],
        },
      };
    case 'clear_output':
      return { type: 'clear', wait: c.wait === true };
    case 'execute_input':
      return isCount(c.execution_count) ? { type: 'execution-count', count: c.execution_count } : NONE;
    default:
      return NONE;
  }
}

function displayOutput(outputType: 'display_data' | 'execute_result', c: Readonly<Record<string, unknown>>): CellOutput | undefined {
  if (!isRecord(c.data)) {
    return undefined;
  }
  const data: Record<string, unknown> = {};
  for (const [mime, value] of Object.entries(c.data)) {
    // nbformat allows multiline strings as lists of lines; a kernel may send either.
    data[mime] = Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join('') : value;
  }
  const transient = isRecord(c.transient) ? c.transient : {};
  const displayId = typeof transient.display_id === 'string' && transient.display_id ? transient.display_id : undefined;
  return {
    kind: 'display',
    outputType,
    data,
    metadata: isRecord(c.metadata) ? c.metadata : {},
    ...(displayId !== undefined ? { displayId } : {}),
    ...(outputType === 'execute_result' && isCount(c.execution_count) ? { executionCount: c.execution_count } : {}),
  };
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') {
    return value;
  }
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value.join('') : undefined;
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
