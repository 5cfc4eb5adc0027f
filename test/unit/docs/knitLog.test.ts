import { strict as assert } from 'assert';
import { DocumentFailedError } from '../../../src/core/docs/docsFailure';
import { describeKnitProgress, KnitLogReader } from '../../../src/core/docs/knit';
import { scanRmdChunks } from '../../../src/core/docs/rmdChunk';

// The R output of knitting a document whose chunk "boom" (header on line 12) fails, as berth/r:latest prints it.
const SOURCE = ['---', 'title: Failing', 'output: html_document', '---', '', 'Some text.', '', '```{r setup}', 'x <- 1', '```', '', '```{r boom}', 'y <- x + 1', 'stop("the data file is missing")', '```', '', 'After.', ''].join('\n');
const FAILED_LOG = [
  '', '', 'processing file: failing.Rmd', 'berth-chunk:setup', 'berth-chunk:boom',
  'Quitting from lines 13-15 (failing.Rmd) ',
  'Error in eval(expr, envir, enclos) : the data file is missing',
  'Calls: local ... withVisible -> eval_with_user_handlers -> eval -> eval',
  '  |        |   0%  |....    |  80% (boom)',
  'Execution halted',
];

describe('knit: reading R\'s output', () => {
  it('reports each chunk as it starts, with its line and place in the document', () => {
    const reader = new KnitLogReader(scanRmdChunks(SOURCE));
    const progress = FAILED_LOG.map((l) => reader.push(l)).filter((p) => p !== undefined);
    assert.deepEqual(progress, [
      { kind: 'chunk', label: 'setup', line: 7, index: 1, total: 2 },
      { kind: 'chunk', label: 'boom', line: 11, index: 2, total: 2 },
    ]);
    assert.equal(describeKnitProgress(progress[1]!), 'chunk 2/2: boom (line 12)');
  });

  it('names the failing chunk, its header line and R\'s message', () => {
    const reader = new KnitLogReader(scanRmdChunks(SOURCE));
    FAILED_LOG.forEach((l) => reader.push(l));
    const failure = reader.failure('failing.Rmd', 1);
    assert.ok(failure instanceof DocumentFailedError);
    assert.equal(failure.message, 'Knitting failing.Rmd failed in chunk "boom" (line 12): the data file is missing');
    assert.deepEqual(failure.problems, [{ message: 'the data file is missing', line: 11, severity: 'error' }]);
  });

  it('joins an R message that continues on the next lines, and reads "Error:" without a call', () => {
    const reader = new KnitLogReader(scanRmdChunks(SOURCE));
    ['Quitting from lines 13-15 (failing.Rmd) ', 'Error in read.csv("x") :', '  cannot open the connection', 'Calls: <Anonymous>', 'Execution halted'].forEach((l) => reader.push(l));
    assert.equal(reader.failure('failing.Rmd', 1).problems[0].message, 'cannot open the connection');
    const plain = new KnitLogReader([]);
    ['Quitting from lines 3-3 (x.Rmd) ', 'Error: object \'nope\' not found', 'Execution halted'].forEach((l) => plain.push(l));
    assert.equal(plain.failure('x.Rmd', 1).message, 'Knitting x.Rmd failed in the inline R code on line 3: object \'nope\' not found');
    assert.equal(plain.failure('x.Rmd', 1).problems[0].line, 2);
  });

  it('gives a one-line reason, on no line, when R failed outside the chunks', () => {
    const reader = new KnitLogReader([]);
    ['! LaTeX Error: File `nope.sty\' not found.', '', 'Error: LaTeX failed to compile x.tex. See https://yihui.org/tinytex/r/#debugging for debugging tips.', 'Execution halted'].forEach((l) => reader.push(l));
    const failure = reader.failure('x.Rmd', 1);
    assert.equal(failure.message, 'Knitting x.Rmd failed: LaTeX failed to compile x.tex. See https://yihui.org/tinytex/r/#debugging for debugging tips.');
    assert.deepEqual(failure.problems, []);
    assert.equal(new KnitLogReader([]).failure('x.Rmd', 137).message, 'Knitting x.Rmd failed: R exited with code 137');
  });

  it('collects the files the knit wrote and notices pandoc', () => {
    const reader = new KnitLogReader([]);
    assert.deepEqual(reader.push('/usr/bin/pandoc +RTS -K512m -RTS /tmp/x.knit.md --to html4'), { kind: 'pandoc' });
    reader.push('berth-output:/workspace/report.html');
    reader.push('berth-output:/workspace/report.pdf');
    assert.deepEqual(reader.written, ['/workspace/report.html', '/workspace/report.pdf']);
  });
});
