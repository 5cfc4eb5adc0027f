import { baseImage, type DockerfileInstruction } from './dockerfile';

/** What went wrong, in words a user can act on, and the Dockerfile line to mark when there is one. */
export interface BuildFailure {
  /** One line, shown in the error notification. */
  readonly summary: string;
  /** 0-based line of the failing instruction, when known. */
  readonly line?: number;
  /** Longer text for the Problems panel (e.g. the last lines a failing RUN printed). */
  readonly detail: string;
}

export interface FailureContext {
  /** The engine's error message. */
  readonly message: string;
  /** The instruction that was running, when the failure happened during a step. */
  readonly step?: DockerfileInstruction;
  /** The output of the running step, oldest first. */
  readonly stepOutput: readonly string[];
}

const SHOWN_OUTPUT_LINES = 8;

/** Maps an engine error (legacy builder wording) to a BuildFailure. */
export function describeBuildFailure({ message, step, stepOutput }: FailureContext): BuildFailure {
  const text = message.trim();
  const parse = /dockerfile parse error (?:on )?line (\d+): (.*)$/i.exec(text);
  if (parse) {
    const line = Number(parse[1]) - 1;
    const unknown = /^unknown instruction: (\S+)/i.exec(parse[2]);
    const summary = unknown
      ? `Unknown instruction ${unknown[1]} on line ${line + 1} of the Dockerfile: check its spelling (FROM, RUN, COPY, …).`
      : `The Dockerfile does not parse on line ${line + 1}: ${parse[2]}`;
    return { summary, line, detail: summary };
  }

  const run = /^The command '([\s\S]*)' returned a non-zero code: (\d+)/.exec(text);
  if (run) {
    const output = stepOutput.map(stripAnsi).flatMap((chunk) => chunk.split(/\r?\n/)).filter((l) => l.trim() !== '' && !/^(Removing intermediate container|Running in|\s*--->)/.test(l.trim()));
    const last = output.slice(-SHOWN_OUTPUT_LINES);
    const lastLine = last.at(-1)?.trim();
    const summary = `RUN failed with exit code ${run[2]}${lastLine ? `: ${lastLine}` : ''}`;
    const detail = last.length > 0 ? `RUN failed with exit code ${run[2]}. Last output:\n${last.join('\n')}` : `RUN failed with exit code ${run[2]} and printed nothing.`;
    return { summary, line: step?.startLine, detail };
  }

  const copy = /^(COPY|ADD) failed: (?:.*?: )?stat (.+?): file does not exist/.exec(text);
  if (copy) {
    const summary = `${copy[1]} source "${copy[2]}" is not in the build context: it is missing, or .dockerignore excludes it.`;
    return { summary, line: step?.startLine, detail: summary };
  }

  if (step?.keyword === 'FROM') {
    const image = baseImage(step) ?? 'the base image';
    const unreachable = /dial tcp|no such host|connection refused|i\/o timeout|TLS handshake timeout|network is unreachable|Client\.Timeout/i.test(text);
    if (unreachable) {
      const summary = `Base image ${image} is not available locally and no registry answered: build or load it first.`;
      return { summary, line: step.startLine, detail: `${summary}\n(${firstLine(text)})` };
    }
    if (/pull access denied|repository does not exist|manifest unknown|not found/i.test(text)) {
      const summary = `Base image ${image} is not available locally and the registry does not have it: check the name, or build or load it first.`;
      return { summary, line: step.startLine, detail: `${summary}\n(${firstLine(text)})` };
    }
  }

  const summary = firstLine(text) || 'The build failed.';
  return { summary, line: step?.startLine, detail: text || summary };
}

function firstLine(text: string): string {
  return text.split(/\r?\n/, 1)[0].trim();
}

/** Removes the terminal colour codes the engine puts around a step's stderr. */
export function stripAnsi(text: string): string {
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
}
