import { strict as assert } from 'assert';
import { resolveControlChars } from '../../../src/core/kernels/streamText';

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
