// Terminal control characters in stream text, resolved the way JupyterLab shows them: a backspace erases the
// character before it, and a carriage return moves to the start of the line so the text after it overwrites
// (progress bars). A trailing `\r` is kept: the next chunk of the same stream continues from it.
//
// Stream outputs arrive in many small chunks (100,000 `print(i)` messages, 50 MB of text), so the text is built
// incrementally and in linear time: both control characters act on the current line only, so every line before
// the last newline is final and kept as an immutable piece; only the current line is ever rewritten, and the
// pieces are joined once, when the text is read.

export class StreamText {
  /** Final text: complete lines, each piece ending with `\n`. */
  private finished: string[] = [];
  /** The current line: raw pieces (no `\n`) with backspaces applied; `\r` may remain in them. */
  private line: string[] = [];
  /** Whether `line` may hold a `\r` or was produced from a `\b`, i.e. needs resolving before it is read or extended. */
  private lineHasReturn = false;
  private joined: string | undefined;
  private byteCount = 0;

  constructor(text = '') {
    if (text) this.append(text);
  }

  /** UTF-8 bytes appended so far (raw, before resolution): what a size limit counts. */
  get bytes(): number {
    return this.byteCount;
  }

  append(chunk: string): void {
    if (!chunk) return;
    this.joined = undefined;
    this.byteCount += utf8Length(chunk);
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', start);
      if (nl < 0) {
        this.extendLine(start === 0 ? chunk : chunk.slice(start));
        return;
      }
      this.extendLine(chunk.slice(start, nl));
      this.endLine();
      start = nl + 1;
      if (start === chunk.length) return;
    }
  }

  /** The resolved text. Cached until the next append. */
  text(): string {
    if (this.joined === undefined) {
      const line = this.currentLine();
      this.finished = this.finished.length > 1 ? [this.finished.join('')] : this.finished;
      this.joined = (this.finished[0] ?? '') + line;
    }
    return this.joined;
  }

  /** Removes and returns the final part (complete lines); what is left is the current line. */
  takeFinished(): string {
    const done = this.finished.join('');
    this.finished = [];
    this.joined = undefined;
    return done;
  }

  private currentLine(): string {
    if (this.line.length > 1) this.line = [this.line.join('')];
    return this.line[0] ?? '';
  }

  private extendLine(piece: string): void {
    if (!piece) return;
    const hasBackspace = piece.includes('\b');
    const hasReturn = piece.includes('\r');
    if (!hasBackspace && !hasReturn && !this.lineHasReturn) {
      this.line.push(piece);
      return;
    }
    let line = this.currentLine() + piece;
    if (hasBackspace) line = applyBackspaces(line);
    this.line = line ? [overwrite(line)] : [];
    this.lineHasReturn = this.line.length > 0 && this.line[0].includes('\r');
  }

  private endLine(): void {
    let line = this.currentLine();
    if (this.lineHasReturn) {
      // `\r\n` is a plain newline: returns right before it overwrite nothing.
      let end = line.length;
      while (end > 0 && line.charCodeAt(end - 1) === CR) end--;
      line = overwrite(line.slice(0, end));
    }
    this.finished.push(`${line}\n`);
    this.line = [];
    this.lineHasReturn = false;
  }
}

const CR = 13;
const BS = 8;

/** Erases the character before each backspace, never past the start of the line. One pass. */
function applyBackspaces(line: string): string {
  const out: number[] = [];
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === BS) out.pop();
    else out.push(c);
  }
  let s = '';
  for (let i = 0; i < out.length; i += 8192) s += String.fromCharCode(...out.slice(i, i + 8192));
  return s;
}

/**
 * One line with `\r`s → what it shows: each segment overwrites the start of the previous ones. Read from the last
 * segment backwards, every character comes from the latest segment long enough to reach it, so this is linear.
 * A trailing `\r` is kept, so the next chunk overwrites from the start of the line.
 */
function overwrite(line: string): string {
  if (!line.includes('\r')) return line;
  const parts = line.split('\r');
  const pending = parts[parts.length - 1] === '';
  let shown = '';
  for (let i = parts.length - 1; i >= 0; i--) {
    if (parts[i].length > shown.length) shown += parts[i].slice(shown.length);
  }
  return pending ? `${shown}\r` : shown;
}

/** UTF-8 length without encoding (surrogate pairs count 4 bytes). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      // A surrogate pair: two UTF-16 units, four UTF-8 bytes.
      n += 2;
      i++;
    } else n += 2;
  }
  return n;
}

/** The resolved form of a whole text (one chunk). */
export function resolveControlChars(text: string): string {
  return new StreamText(text).text();
}
