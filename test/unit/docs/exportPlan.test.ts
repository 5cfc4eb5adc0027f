import { strict as assert } from 'assert';
import { exportMetadata, exportPlan, localImages, missingFiles, pandocArgs, type ExportRequest } from '../../../src/core/docs/export';

const owner = { kind: 'cli', id: 'cli-7', pid: 7 };
const PAPER = ['---', 'title: Paper', 'bibliography: refs.bib', 'csl: styles/apa.csl', 'toc: true', 'toc-depth: 2', '---', '', '# Intro', '', 'See ![a figure](fig/a.png) and', '![web](https://example.com/b.png) ![data](data:image/png;base64,AA==)', '', '![spaced](my%20figure.png)', ''].join('\n');

describe('export: what the front matter asks', () => {
  it('reads the bibliography, the CSL style and the table of contents, with their lines', () => {
    assert.deepEqual(exportMetadata(PAPER), { bibliography: [{ file: 'refs.bib', line: 2 }], csl: { file: 'styles/apa.csl', line: 3 }, inlineReferences: false, toc: true, tocDepth: 2 });
  });
  it('reads a list of bibliographies, each on its line', () => {
    const meta = exportMetadata('---\nbibliography:\n  - a.bib\n  - b.bib\n---\n');
    assert.deepEqual(meta.bibliography, [{ file: 'a.bib', line: 2 }, { file: 'b.bib', line: 3 }]);
  });
  it('asks nothing of a document without front matter or with broken YAML', () => {
    const none = { bibliography: [], csl: undefined, inlineReferences: false, toc: false, tocDepth: undefined };
    assert.deepEqual(exportMetadata('# Title\n'), none);
    assert.deepEqual(exportMetadata('---\ntitle: [oops\n---\n'), none);
  });
});

describe('export: files the document names', () => {
  it('lists local images with their lines, not web or data: images', () => {
    assert.deepEqual(localImages(PAPER), [
      { src: 'fig/a.png', line: 10 },
      { src: 'my%20figure.png', line: 13 },
    ]);
  });
  it('reports each missing file on its line, and finds percent-encoded names', async () => {
    const present = new Set(['/d/fig/a.png', '/d/my figure.png']);
    const problems = await missingFiles(PAPER, '/d', async (p) => present.has(p));
    assert.deepEqual(problems, [
      { message: 'The bibliography refs.bib does not exist (looked for /d/refs.bib)', line: 2, severity: 'error' },
      { message: 'The citation style styles/apa.csl does not exist (looked for /d/styles/apa.csl)', line: 3, severity: 'error' },
    ]);
  });
});

describe('export: pandoc', () => {
  const meta = exportMetadata(PAPER);
  it('makes self-contained HTML with MathML', () => {
    assert.deepEqual(pandocArgs('paper.md', 'out.html', 'html', meta), ['paper.md', '--standalone', '--output', 'out.html', '--to=html5', '--self-contained', '--mathml', '--citeproc', '--toc', '--toc-depth=2']);
  });
  it('makes PDF with XeLaTeX and DOCX, with citeproc only when there is a bibliography', () => {
    const plain = exportMetadata('# x\n');
    assert.deepEqual(pandocArgs('a.md', 'a.pdf', 'pdf', plain), ['a.md', '--standalone', '--output', 'a.pdf', '--pdf-engine=xelatex']);
    assert.deepEqual(pandocArgs('a.md', 'a.docx', 'docx', plain), ['a.md', '--standalone', '--output', 'a.docx', '--to=docx']);
    assert.ok(pandocArgs('a.md', 'a.docx', 'docx', exportMetadata('---\nreferences:\n  - id: x\n---\n')).includes('--citeproc'));
  });
  it('writes under a hidden temporary name that keeps the extension, in the output folder', () => {
    const request: ExportRequest = { documentPath: '/ws/paper/paper.md', workspaceFolder: '/ws', format: 'pdf', image: 'berth/docs:latest', owner };
    const plan = exportPlan(request, request.documentPath, meta, 'x1');
    assert.equal(plan.outPath, '/ws/paper/paper.pdf');
    assert.equal(plan.partPath, '/ws/paper/.paper.berth-x1.pdf');
    assert.deepEqual(plan.spec.command.slice(0, 4), ['pandoc', 'paper.md', '--standalone', '--output']);
    assert.equal(plan.spec.command[4], '/workspace/paper/.paper.berth-x1.pdf');
    assert.equal(plan.spec.workingDir, '/workspace/paper');
    assert.equal(plan.spec.labels['berth.job'], 'export');
  });
});
