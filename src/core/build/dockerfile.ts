/**
 * A Dockerfile read the way Docker's parser reads it, keeping where each instruction sits: parser directives
 * (`# escape=`), comments, continuation lines (also across comment and blank lines) and the escape character.
 * Line numbers are 0-based.
 */

export interface DockerfileInstruction {
  /** Upper-case keyword, e.g. `RUN`. */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  readonly args: string;
  readonly startLine: number;
  readonly endLine: number;
}

export interface ParsedDockerfile {
  readonly escape: '\\' | '`';
  readonly directives: Readonly<Record<string, string>>;
  readonly instructions: readonly DockerfileInstruction[];
}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
/** Directive names Docker knows; any other `# a=b` line is a plain comment. */
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const COMMENT = /^\s*#/;

export function parseDockerfile(text: string): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const directives: Record<string, string> = {};
  let escape: '\\' | '`' = '\\';
  let i = 0;
  // Directives come first; the first line that is not one (even a blank line or a comment) ends them.
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]);
    const name = m?.[1].toLowerCase();
    if (!m || !name || !KNOWN_DIRECTIVES.has(name) || name in directives) {
      break;
    }
    directives[name] = m[2];
    if (name === 'escape' && (m[2] === '`' || m[2] === '\\')) {
      escape = m[2];
    }
  }

  const instructions: DockerfileInstruction[] = [];
  let pending: { parts: string[]; startLine: number } | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (COMMENT.test(line) || (pending && line.trim() === '')) {
      continue;
    }
    const trimmed = line.replace(/\s+$/, '');
    if (!pending && trimmed.trim() === '') {
      continue;
    }
    const continues = trimmed.endsWith(escape);
    const part = continues ? trimmed.slice(0, -1) : trimmed;
    pending ??= { parts: [], startLine: i };
    pending.parts.push(part.trim());
    if (!continues) {
      instructions.push(toInstruction(pending.parts, pending.startLine, i));
      pending = undefined;
    }
  }
  if (pending) {
    instructions.push(toInstruction(pending.parts, pending.startLine, lines.length - 1));
  }
  return { escape, directives, instructions };
}

function toInstruction(parts: string[], startLine: number, endLine: number): DockerfileInstruction {
  const joined = parts.filter((p) => p !== '').join(' ');
  const m = /^(\S+)\s*([\s\S]*)$/.exec(joined);
  return { keyword: (m?.[1] ?? '').toUpperCase(), args: m?.[2] ?? '', startLine, endLine };
}

/** The instructions of the stages a build runs, in the order the legacy builder numbers its steps. */
export function buildSteps(dockerfile: ParsedDockerfile, target?: string): DockerfileInstruction[] {
  if (!target) {
    return [...dockerfile.instructions];
  }
  const steps: DockerfileInstruction[] = [];
  let inTarget = false;
  for (const instruction of dockerfile.instructions) {
    if (instruction.keyword === 'FROM') {
      if (inTarget) {
        break;
      }
      inTarget = stageName(instruction)?.toLowerCase() === target.toLowerCase();
    }
    steps.push(instruction);
  }
  return inTarget ? steps : [...dockerfile.instructions];
}

/** The `AS name` of a FROM instruction. */
export function stageName(from: DockerfileInstruction): string | undefined {
  return /\s+as\s+(\S+)\s*$/i.exec(from.args)?.[1];
}

/** The image a FROM instruction names (without flags and stage name). */
export function baseImage(from: DockerfileInstruction): string | undefined {
  return from.args.split(/\s+/).find((word) => word !== '' && !word.startsWith('--'));
}
