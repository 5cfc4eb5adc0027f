import { strict as assert } from 'assert';
import { resolveControlChars, StreamText, utf8Length } from '../../../src/core/kernels/streamText';

describe('resolveControlChars (\\r and \\b in streams)', () => {
  const cases: [string, string, string][] = [
    ['plain text is unchanged', 'hello\nworld\n', 'hello\nworld\n'],
    ['a carriage return overwrites from the start of the line', '10%\r20%', '20%'],
    ['a shorter overwrite keeps the tail of the longer line', 'abcdef\rXY', 'XYcdef'],
    ['several returns keep the last state', '1\r2\r3\n', '3\n'],
    ['\\r\\n is a plain newline', 'a\r\nb\r\n', 'a\nb\n'],
    ['a trailing return is kept for the next chunk', 'progress 10%\r', 'progress 10%\r'],
    ['returns only affect their own line', 'keep\n10%\r99%\nend', 'keep\n99%\nend'],
    ['a backspace erases the character before it', 'ab\bc', 'ac'],
    ['several backspaces erase several characters', 'abc\b\bX', 'aX'],
    ['a backspace never erases a newline', 'a\n\bb', 'a\nb'],
    ['a backspace at the very start does nothing', '\bx', 'x'],
    ['tqdm-style progress resolves to the final bar', '\r  0%|  |\r 50%|# |\r100%|##|\n', '100%|##|\n'],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => assert.equal(resolveControlChars(input), expected));
  }
});

/** The previous implementation (quadratic on long streams), kept as the oracle for the incremental one. */
function reference(text: string): string {
  let out = '';
  for (const ch of text) {
    if (ch === '\b') {
      if (out.length > 0 && !out.endsWith('\n')) out = out.slice(0, -1);
    } else out += ch;
  }
  if (!out.includes('\r')) return out;
  return out
    .replace(/\r+\n/g, '\n')
    .split('\n')
    .map((line) => {
      if (!line.includes('\r')) return line;
      const parts = line.split('\r');
      let shown = '';
      for (const part of parts) shown = part + shown.slice(part.length);
      return parts[parts.length - 1] === '' ? `${shown}\r` : shown;
    })
    .join('\n');
}

/** A small deterministic generator, so a failure names the seed that reproduces it. */
function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
}

describe('StreamText (stream outputs built chunk by chunk)', () => {
  it('equals resolving the previous text plus each chunk, for random chunked streams of text, \\r, \\b and \\n', () => {
    const alphabet = ['a', 'b', 'c', '\r', '\n', '\b', 'xyz', '\r\n', '%'];
    for (let seed = 1; seed <= 400; seed++) {
      const rnd = random(seed);
      const stream = new StreamText();
      let expected = '';
      const chunks = 1 + Math.floor(rnd() * 12);
      for (let c = 0; c < chunks; c++) {
        let chunk = '';
        const len = Math.floor(rnd() * 10);
        for (let i = 0; i < len; i++) chunk += alphabet[Math.floor(rnd() * alphabet.length)];
        stream.append(chunk);
        expected = reference(expected + chunk);
        assert.equal(stream.text(), expected, `seed ${seed}, after chunk ${c} ${JSON.stringify(chunk)}`);
      }
    }
  });

  it('keeps a progress bar on one line across chunks', () => {
    const s = new StreamText();
    for (let i = 0; i <= 100; i += 10) s.append(`\r${i}%`);
    s.append('\ndone\n');
    assert.equal(s.text(), '100%\ndone\n');
  });

  it('continues a line across chunks without newlines', () => {
    const s = new StreamText();
    for (let i = 0; i < 1000; i++) s.append('x');
    assert.equal(s.text(), 'x'.repeat(1000));
  });

  it('counts the raw UTF-8 bytes appended', () => {
    const s = new StreamText('10%\r');
    s.append('é€😀\n');
    assert.equal(s.bytes, 4 + 2 + 3 + 4 + 1);
    assert.equal(utf8Length('é€😀'), Buffer.byteLength('é€😀'));
    assert.equal(utf8Length('\ud800'), Buffer.byteLength('\ud800'));
  });

  it('hands over finished lines and keeps the current line', () => {
    const s = new StreamText('one\ntwo\nthr');
    assert.equal(s.takeFinished(), 'one\ntwo\n');
    s.append('ee\r');
    assert.equal(s.takeFinished(), '');
    s.append('3\n');
    assert.equal(s.takeFinished(), '3hree\n');
    assert.equal(s.text(), '');
  });

  it('builds 100,000 small writes into the same text as one big write', () => {
    const s = new StreamText();
    let whole = '';
    for (let i = 0; i < 100_000; i++) {
      s.append(`${i}\n`);
      whole += `${i}\n`;
    }
    assert.equal(s.text(), whole);
    assert.equal(s.bytes, Buffer.byteLength(whole));
  });
});
