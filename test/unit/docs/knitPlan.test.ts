import { strict as assert } from 'assert';
import { formatForOutput, knitPlan, outputFormats, type KnitRequest } from '../../../src/core/docs/knit';
import { scanRmdChunks } from '../../../src/core/docs/rmdChunk';

const owner = { kind: 'vscode', id: 'vscode-1', pid: 42 };
const request: KnitRequest = { documentPath: '/ws/reports/report.Rmd', workspaceFolder: '/ws', image: 'berth/r:latest', owner, user: '1000:1000' };

describe('knit: output formats from the front matter', () => {
  it('reads a single format, a list and a map', () => {
    assert.deepEqual(outputFormats('---\noutput: pdf_document\n---\n'), ['pdf_document']);
    assert.deepEqual(outputFormats('---\noutput:\n  - html_document\n  - word_document\n---\n'), ['html_document', 'word_document']);
    assert.deepEqual(outputFormats('---\noutput:\n  html_document:\n    toc: true\n  pdf_document: default\n---\n'), ['html_document', 'pdf_document']);
  });
  it('falls back to html_document, as rmarkdown does', () => {
    assert.deepEqual(outputFormats('# no front matter\n'), ['html_document']);
    assert.deepEqual(outputFormats('---\ntitle: x\n---\n'), ['html_document']);
    assert.deepEqual(outputFormats('---\noutput: [unclosed\n---\n'), ['html_document']);
  });
  it('picks the format that writes an --out file by its extension', () => {
    const formats = ['bookdown::html_document2', 'pdf_document'];
    assert.equal(formatForOutput(formats, '/o/r.html'), 'bookdown::html_document2');
    assert.equal(formatForOutput(formats, '/o/r.PDF'), 'pdf_document');
    assert.equal(formatForOutput(formats, '/o/r.docx'), 'word_document');
    assert.throws(() => formatForOutput(formats, '/o/r.epub'), /Berth knits to \.html, \.pdf, \.docx, \.odt or \.md, not "\.epub"/);
  });
});

describe('knit: the job', () => {
  it('runs the knit script in the document folder with the workspace mounted, labelled and as the user', () => {
    const { spec } = knitPlan(request, '---\noutput: html_document\n---\n', 'abc');
    assert.equal(spec.image, 'berth/r:latest');
    assert.deepEqual(spec.command.slice(0, 2), ['Rscript', '-e']);
    assert.match(spec.command[2], /rmarkdown::render\(input/);
    assert.equal(spec.workingDir, '/workspace/reports');
    assert.deepEqual(spec.mounts, [{ hostPath: '/ws', containerPath: '/workspace' }]);
    assert.equal(spec.user, '1000:1000');
    assert.deepEqual(spec.env, { BERTH_INPUT: 'report.Rmd', BERTH_FORMAT: '', BERTH_OUTPUT_FILE: '', BERTH_OUTPUT_DIR: '/workspace/reports', BERTH_SUFFIX: 'abc', HOME: '/tmp' });
    assert.deepEqual(spec.labels, { 'berth.job': 'knit', 'berth.document': '/ws/reports/report.Rmd', 'berth.owner': 'vscode-1', 'berth.owner.kind': 'vscode', 'berth.owner.pid': '42' });
  });
  it('knits one format to --out, mounting its folder when it is outside the workspace', () => {
    const { spec, layout } = knitPlan({ ...request, outPath: '/tmp/out/final.pdf' }, '---\noutput:\n  html_document: default\n  pdf_document: default\n---\n', 'abc');
    assert.equal(spec.env.BERTH_FORMAT, 'pdf_document');
    assert.equal(spec.env.BERTH_OUTPUT_FILE, 'final.pdf');
    assert.equal(spec.env.BERTH_OUTPUT_DIR, '/berth-out');
    assert.equal(layout.toHost('/berth-out/final.pdf'), '/tmp/out/final.pdf');
  });
});

describe('knit: chunks of the source', () => {
  it('finds labelled and unnamed chunks with their lines, numbering unnamed ones as knitr does', () => {
    const source = ['---', 'title: t', '---', '', '```{r setup, include=FALSE}', 'x <- 1', '```', '', 'Text', '', '```{r}', 'x', '```', '', '~~~{r plot}', 'plot(1)', '~~~', '```{python}', 'print(1)', '```'].join('\n');
    assert.deepEqual(scanRmdChunks(source), [
      { label: 'setup', engine: 'r', line: 4, endLine: 6 },
      { label: 'unnamed-chunk-2', engine: 'r', line: 10, endLine: 12 },
      { label: 'plot', engine: 'r', line: 14, endLine: 16 },
      { label: 'unnamed-chunk-4', engine: 'python', line: 17, endLine: 19 },
    ]);
  });
  it('ignores plain code fences and keeps a fence of another length inside a chunk', () => {
    const source = '```r\nnot a chunk\n```\n\n````{r outer}\n```\ninner\n```\n````\n';
    assert.deepEqual(scanRmdChunks(source), [{ label: 'outer', engine: 'r', line: 4, endLine: 8 }]);
  });
});
