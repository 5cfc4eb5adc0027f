import { strict as assert } from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { closeOpenElements } from '../../../src/core/docs/closeOpenElements';
import { splitFrontMatter } from '../../../src/core/docs/frontMatter';
import { finishHtml, joinSourceLines, newEnv, renderFrontMatterBlock, splitSourceLines, topLevelBlocks } from '../../../src/core/docs/markdownBlocks';
import { firstScreenOf, PreviewDocument, type PreviewUpdate } from '../../../src/core/docs/previewDocument';
import { DocumentRenderer, type RenderOptions } from '../../../src/core/docs/renderDocument';
import { XSS_CORPUS } from './xssCorpus';

const renderer = new DocumentRenderer();
const trusted: RenderOptions = { allowHtml: true, mapImage: (src) => `https://res.test/doc/${src}` };
const untrusted: RenderOptions = { allowHtml: false, mapImage: () => undefined };
const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures/workspace');

/** A document that has seen `first` and is now asked for `second`; returns the second update. */
function edited(first: string, second: string, options = trusted): { doc: PreviewDocument; before: PreviewUpdate; after: PreviewUpdate } {
  const doc = new PreviewDocument(renderer, options);
  const before = doc.update(first);
  return { doc, before, after: doc.update(second) };
}

const ids = (update: PreviewUpdate) => update.units.map(([id]) => id);
const addedHtml = (update: PreviewUpdate) => update.added.map(([, html]) => html);

/** The incremental render after each step equals a fresh render of that step. */
function assertSameAsFresh(steps: readonly string[], options = trusted): void {
  const doc = new PreviewDocument(renderer, options);
  steps.forEach((source, i) => {
    doc.update(source);
    assert.equal(doc.html, renderer.render(source, options).html, `step ${i}: ${JSON.stringify(source.slice(0, 200))}`);
  });
}

function sections(n: number, text = (i: number) => `Text of section ${i}, with a [link](guide.md) and $x_${i}$.`): string {
  let doc = '# Report\n\n';
  for (let i = 1; i <= n; i++) doc += `## Section ${i}\n\n${text(i)}\n\n\`\`\`python\nprint(${i})\n\`\`\`\n\n`;
  return doc;
}

describe('preview document: only what an edit touches is rendered again', () => {
  it('re-renders only the paragraph typed in', () => {
    const first = sections(50);
    const { before, after } = edited(first, first.replace('Text of section 20,', 'Text of section 20 (typed),'));
    assert.deepEqual(addedHtml(after).length, 1);
    assert.match(addedHtml(after)[0], /^<p data-line="\d+">Text of section 20 \(typed\),/);
    assert.equal(after.units.length, before.units.length);
    assert.deepEqual(ids(after).filter((id) => !ids(before).includes(id)), [after.added[0][0]]);
  });

  it('keeps every block when a line is typed above them, moving their source lines', () => {
    const first = sections(30);
    const { doc, before, after } = edited(first, `\n${first}`);
    assert.deepEqual(after.added, []);
    assert.deepEqual(ids(after), ids(before));
    assert.deepEqual(after.units.map(([, line]) => line), before.units.map(([, line]) => line + 1));
    assert.equal(doc.html, renderer.render(`\n${first}`, trusted).html);
  });

  it('adds a block typed at the end without touching the rest', () => {
    const first = sections(30);
    const { after } = edited(first, `${first}## Typed\n`);
    assert.deepEqual(addedHtml(after), ['<h2 id="typed" data-line="242">Typed</h2>\n']);
  });

  it('reports nothing new for an unchanged document', () => {
    const { after } = edited(sections(5), sections(5));
    assert.deepEqual(after.added, []);
  });
});

describe('preview document: what a block takes from the rest of the document', () => {
  const withReferences = (x: string) => `Uses [x][a] here.\n\nUses [y][b] here.\n\nNo links.\n\n[a]: ${x}\n[b]: /b\n`;

  it('re-renders the users of a reference definition that changed, and only them', () => {
    const { before, after, doc } = edited(withReferences('/one'), withReferences('/two'));
    assert.deepEqual(addedHtml(after), ['<p data-line="0">Uses <a href="/two">x</a> here.</p>\n']);
    assert.equal(after.units.length, before.units.length);
    assert.equal(doc.html, renderer.render(withReferences('/two'), trusted).html);
  });

  it('links a reference written before its definition existed', () => {
    const first = 'See [the guide].\n\nOther text.\n';
    const { after } = edited(first, `${first}\n[the guide]: guide.md\n`);
    assert.deepEqual(addedHtml(after), ['<p data-line="0">See <a href="guide.md">the guide</a>.</p>\n']);
  });

  it('keeps the first of two definitions of a label, wherever the edit is', () => {
    const first = '[x]\n\n[x]: /first\n\ntext\n\n[x]: /second\n';
    assertSameAsFresh([first, first.replace('[x]: /first', 'no longer a definition'), first, first.replace('[x]: /second', '[x]: /third')]);
  });

  it('numbers a repeated heading after one typed above it', () => {
    const first = '# Intro\n\ntext\n\n# Intro\n\n## Other\n';
    const second = `# Intro\n\n${first}`;
    const { after, doc } = edited(first, second);
    assert.deepEqual([...doc.html.matchAll(/<h\d id="([^"]+)"/g)].map((m) => m[1]), ['intro', 'intro-1', 'intro-2', 'other']);
    assert.equal(doc.html, renderer.render(second, trusted).html);
    // The new heading and the two it renumbered; the paragraph and "Other" stay.
    assert.equal(after.added.length, 2);
  });

  it('numbers repeated headings again when the first is deleted', () => {
    const first = '# A\n\n# A\n\n# A\n';
    assertSameAsFresh([first, first.replace('# A\n\n', ''), first, first.replace('# A\n\n# A', '# B\n\n# A')]);
  });

  it('renders the rest of the document as code while a fence is open, and back when it closes', () => {
    const first = sections(10);
    const open = first.replace('## Section 4\n', '```\n## Section 4\n');
    assertSameAsFresh([first, open, `${open}\`\`\`\n`, first]);
  });

  it('sanitises blocks that raw HTML holds open together, and each other block on its own', () => {
    const first = '<div align="center">\n\n![logo](logo.png)\n\n**Berth**\n\n</div>\n\n## After\n\ntext\n';
    const { doc, after } = edited(first, first.replace('**Berth**', '**Berth!**'));
    assert.match(doc.html, /^<div align="center">\n<p data-line="2"><img alt="logo" src="https:\/\/res\.test\/doc\/logo\.png" \/><\/p>\n<p data-line="4"><strong>Berth!<\/strong><\/p>\n<\/div>\n<h2 id="after"/);
    assert.equal(after.added.length, 1, 'the <div> with the blocks inside it is one unit');
    assert.equal(after.units.length, 3);
  });

  it('gives front matter a unit of its own, re-rendered only when it changes', () => {
    const first = '---\ntitle: A\n---\n\n# Body\n';
    const { after, doc } = edited(first, first.replace('title: A', 'title: B'));
    assert.equal(after.added.length, 1);
    assert.match(addedHtml(after)[0], /^<table class="berth-front-matter" data-line="0">.*<td>B<\/td>/);
    assert.equal(doc.html, renderer.render(first.replace('title: A', 'title: B'), trusted).html);
  });
});

describe('preview document: opening a large document in steps', () => {
  it('shows the first screen of a large document first, and a small one whole', () => {
    const large = sections(2000);
    const first = firstScreenOf(large) ?? '';
    assert.equal(first.split('\n').length, 151);
    assert.ok(large.startsWith(first));
    assert.equal(firstScreenOf(sections(5)), undefined);
  });

  it('renders drafts (math as TeX, code plain) and then refines them into the full render', () => {
    const source = sections(30);
    const doc = new PreviewDocument(renderer, trusted);
    const draft = doc.update(source, { draft: true });
    assert.match(draft.added.map(([, html]) => html).join(''), /<code class="berth-math-draft">x_7<\/code>/);
    assert.doesNotMatch(doc.html, /class="katex"|hljs-built_in/);
    let steps = 0;
    while (doc.refine(25)) steps++;
    assert.equal(steps, 3, '60 drafted blocks (a paragraph with math and a code block per section), 25 a step');
    assert.equal(doc.html, renderer.render(source, trusted).html);
  });

  it('grows by drafted chunks of lines, cut anywhere (inside a fence too), with typing at the top meanwhile, into the full render', () => {
    // As DocsPreview opens a large document: the first screen, then the document up to N more lines at a time as
    // drafts, while a keystroke renders the document only as far as the opening has reached; then refine.
    let source = sections(200);
    const doc = new PreviewDocument(renderer, trusted);
    const total = source.split('\n').length;
    let pending = total - 150;
    const shown = () => source.split('\n').slice(0, total - pending).join('\n') + (pending > 0 ? '\n' : '');
    doc.update(shown());
    for (let step = 0; pending > 0; step++) {
      pending = Math.max(0, pending - 97);
      doc.update(shown(), { draft: true });
      // Chunks of 97 lines cut the sections (8 lines each) at every offset, fences included.
      if (step % 3 === 1) {
        source = source.replace(/^# Report.*\n/, `# Report ${step}\n`);
        doc.update(shown());
      }
    }
    while (doc.refine(40));
    assert.equal(doc.html, renderer.render(source, trusted).html);
  });
});

describe('preview document: the units joined are the full render', () => {
  const corpus: Record<string, string> = {
    'analysis.Rmd': fs.readFileSync(path.join(FIXTURES, 'docs/analysis.Rmd'), 'utf8'),
    'guide.md': fs.readFileSync(path.join(FIXTURES, 'docs/guide.md'), 'utf8'),
    'README.md': fs.readFileSync(path.join(FIXTURES, 'README.md'), 'utf8'),
    'xss corpus': ['# XSS', '', ...XSS_CORPUS.flatMap((c) => [c.payload, '', '## next', '']), '# End', ''].join('\n'),
    constructs: 'para\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- a\n- b\n\n  c\n- d\n\n```js\nx\n```\n\n    code\n\n> q\nlazy\n\nSetext\n===\n\n$$\nx\n$$\n\n---\ntext\n***\n[r]: /r\n\n[r] <details>\n\n<summary>s</summary>\n\n</details>\n',
  };
  // Edits at every line: a character typed at its start, the line deleted, a blank line put before it, a fence opened.
  const editsOf = (source: string): string[] => {
    const lines = source.split('\n');
    return lines.flatMap((line, i) => {
      const at = (replacement: string[]) => [...lines.slice(0, i), ...replacement, ...lines.slice(i + 1)].join('\n');
      return [at([`x${line}`]), at([]), at(['', line]), at(['```', line])];
    });
  };

  for (const [name, source] of Object.entries(corpus)) {
    it(`after each edit of ${name}, trusted and untrusted`, function () {
      this.timeout(60000);
      for (const options of [trusted, untrusted]) {
        const doc = new PreviewDocument(renderer, options);
        const original = doc.update(source) && doc.html;
        // At most ~150 edits per document, and a third of them untrusted (the raw-HTML paths are the trusted ones).
        const edits = editsOf(source);
        const stride = Math.ceil(edits.length / 150) * (options === untrusted ? 3 : 1);
        edits.forEach((edit, i) => {
          if (i % stride !== 0) return;
          doc.update(edit);
          assert.equal(doc.html, renderer.render(edit, options).html, JSON.stringify(edit.slice(0, 300)));
          doc.update(source);
          assert.equal(doc.html, original, 'back to the original after the edit');
        });
      }
    });
  }

  /** The document rendered and sanitised in one pass, as the preview did before it was patched by units. */
  function onePass(source: string): string {
    const { frontMatter, body } = splitFrontMatter(source);
    const md = renderer.markdownIt(true);
    const env = newEnv({ lineOffset: 0, headingIds: new Set() });
    const tokens = md.parse(body, env);
    const html = closeOpenElements(topLevelBlocks(tokens).map(([from, to]) => md.renderer.render(tokens.slice(from, to), md.options, env)));
    const front = frontMatter ? [renderFrontMatterBlock(frontMatter)] : [];
    return joinSourceLines(splitSourceLines(finishHtml(front.map((f) => f.html).join('') + html, [...front, env], trusted.mapImage)), 0);
  }

  for (const name of ['analysis.Rmd', 'guide.md', 'README.md', 'xss corpus', 'constructs']) {
    it(`sanitises ${name} unit by unit to what sanitising it in one pass gives`, () => {
      assert.equal(renderer.render(corpus[name], trusted).html, onePass(corpus[name]));
    });
  }
});
