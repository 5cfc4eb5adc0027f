import { strict as assert } from 'assert';
import { PreviewDocument } from '../../../src/core/docs/previewDocument';
import { DocumentRenderer, type RenderOptions } from '../../../src/core/docs/renderDocument';

const renderer = new DocumentRenderer();
const trusted: RenderOptions = { allowHtml: true, mapImage: (src) => `https://res.test/doc/${src}` };
const untrusted: RenderOptions = { allowHtml: false, mapImage: () => undefined };

const BASE = [
  '---',
  'title: Report',
  'author: A',
  '---',
  '',
  '# Report',
  '',
  'Intro paragraph with $a^2$ and a [ref] link.',
  '',
  '```python',
  'def f(x):',
  '    return x',
  '```',
  '',
  '- one',
  '- two',
  '  continued',
  '- three',
  '',
  '| a | b |',
  '|---|---|',
  '| 1 | 2 |',
  '| 3 | 4 |',
  '',
  '$$',
  'E = mc^2',
  '$$',
  '',
  '## Middle',
  '',
  'Middle paragraph.',
  '',
  'Second paragraph.',
  '',
  '[ref]: https://example.test/ref',
  '',
  '## End',
  '',
  'Last line.',
  '',
].join('\n');

/** Applies each edit to the text before it (a string replacement of the first match), checking after every step. */
function assertSequence(edits: readonly (readonly [string, string])[], options: RenderOptions): void {
  const doc = new PreviewDocument(renderer, options);
  let text = BASE;
  doc.update(text);
  assert.equal(doc.html, renderer.render(text, options).html, 'initial');
  edits.forEach(([from, to], i) => {
    assert.ok(text.includes(from), `step ${i}: ${JSON.stringify(from)} is in the text`);
    text = text.replace(from, () => to); // a function: "$$" in a replacement string is one "$"
    doc.update(text);
    assert.equal(doc.html, renderer.render(text, options).html, `step ${i}: ${JSON.stringify(from)} → ${JSON.stringify(to)}`);
  });
}

/** Types `insert` one character at a time after `anchor`, then deletes it again one character at a time. */
function typed(anchor: string, insert: string): [string, string][] {
  const steps: [string, string][] = [];
  for (let n = 1; n <= insert.length; n++) steps.push([anchor + insert.slice(0, n - 1), anchor + insert.slice(0, n)]);
  for (let n = insert.length; n >= 1; n--) steps.push([anchor + insert.slice(0, n), anchor + insert.slice(0, n - 1)]);
  return steps;
}

const cases: Record<string, [string, string][]> = {
  'at the start of the document': [...typed('', 'x\n'), ...typed('', '# Top\n\n'), ['---\ntitle', 'text\n---\ntitle'], ['text\n---\ntitle', '---\ntitle']],
  'in the front matter': [...typed('title: Report', ' 2'), ['author: A\n', ''], ['title: Report\n', 'title: Report\nauthor: B\n'], ['---\ntitle', '--\ntitle'], ['--\ntitle', '---\ntitle']],
  'in the middle': [...typed('Middle paragraph', ' typed *here*'), ['Middle paragraph.\n', 'Middle paragraph.\n\n# Report\n']],
  'at the end': [...typed('Last line.\n', '\n```\nopen fence'), ['Last line.\n', 'Last line.\n| x |\n|---|\n']],
  'inside a code fence': [...typed('    return x', '\n```\n'), ['def f(x):\n', 'def f(x):\n\n\n'], ['```python\n', '```python\n# heading?\n'], ['```\n\n- one', '\n- one']],
  'inside a list': [...typed('- two', '\n\n  para'), ['  continued\n', ''], ['- three', '1. three'], ['- one\n', '- one\n\n']],
  'inside a table': [...typed('| 3 | 4 |', '\n| 5 |'), ['|---|---|', '|---|'], ['|---|\n', '|---|---|\n'], ['| 1 | 2 |\n', '']],
  'inside a math block': [...typed('E = mc^2', ' \\\\ x'), ['$$\nE', '$$\n\nE'], ['$$\n\nE', '$$\nE'], ['mc^2\n$$', 'mc^2\n']],
  'that merge blocks': [['paragraph.\n\nSecond', 'paragraph.\nSecond'], ['```\n\n- one', '```\n- one'], ['| 3 | 4 |\n\n$$', '| 3 | 4 |\n$$'], ['## Middle\n\n', '## Middle\n']],
  'that split blocks': [['Middle paragraph.', 'Middle\n\nparagraph.'], ['- two\n', '- two\n\n\ntext\n\n'], ['| 1 | 2 |\n', '| 1 | 2 |\n\n'], ['def f(x):\n', 'def f(x):\n```\n\n```\n']],
  'to a reference definition': [['https://example.test/ref', 'https://example.test/other'], ['[ref]: ', '[ref] '], ['[ref] ', '[ref]: ']],
};

describe('preview document: sequences of edits render as the final text does', () => {
  for (const [name, edits] of Object.entries(cases)) {
    it(`edits ${name}, trusted and untrusted`, () => {
      assertSequence(edits, trusted);
      assertSequence(edits, untrusted);
    });
  }

  it('random edits of every kind, character by character (seeded)', function () {
    this.timeout(60000);
    let seed = 12;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pieces = ['\n', '\n\n', '`', '```\n', '$$\n', '|', '| a |\n|---|\n', '- ', '1. ', '#', '> ', '<div>\n', '</div>\n', '---\n', '[ref]: /x\n', '[ref]', 'x', ' ', '    '];
    for (const options of [trusted, untrusted]) {
      const doc = new PreviewDocument(renderer, options);
      let text = BASE;
      doc.update(text);
      for (let step = 0; step < 300; step++) {
        const at = random(text.length + 1);
        if (random(3) === 0 && text.length > 0) text = text.slice(0, at) + text.slice(at + 1 + random(8));
        else text = text.slice(0, at) + pieces[random(pieces.length)] + text.slice(at);
        doc.update(text);
        assert.equal(doc.html, renderer.render(text, options).html, `step ${step}: ${JSON.stringify(text)}`);
      }
    }
  });
});
