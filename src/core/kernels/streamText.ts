// Terminal control characters in stream text, resolved the way JupyterLab shows them: a backspace erases the
// character before it, and a carriage return moves to the start of the line so the text after it overwrites
// (progress bars). A trailing `\r` is kept: the next chunk of the same stream continues from it.

export function resolveControlChars(text: string): string {
  return resolveCarriageReturns(resolveBackspaces(text));
}

function resolveBackspaces(text: string): string {
  if (!text.includes('\b')) {
    return text;
  }
  let out = '';
  for (const ch of text) {
    if (ch === '\b') {
      if (out.length > 0 && !out.endsWith('\n')) {
        out = out.slice(0, -1);
      }
    } else {
      out += ch;
    }
  }
  return out;
}

function resolveCarriageReturns(text: string): string {
  if (!text.includes('\r')) {
    return text;
  }
  return text
    .replace(/\r+\n/g, '\n')
    .split('\n')
    .map(overwriteLine)
    .join('\n');
}

function overwriteLine(line: string): string {
  if (!line.includes('\r')) {
    return line;
  }
  const parts = line.split('\r');
  const pendingReturn = parts[parts.length - 1] === '';
  let shown = '';
  for (const part of parts) {
    shown = part + shown.slice(part.length);
  }
  return pendingReturn ? `${shown}\r` : shown;
}
