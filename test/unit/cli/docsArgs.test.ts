import { strict as assert } from 'assert';
import { DocsUsageError, isDocsCommand, parseDocsArgs } from '../../../src/core/cli/docsArgs';

const usage = (pattern: RegExp, ...argv: string[]) =>
  assert.throws(() => parseDocsArgs(argv), (e: unknown) => e instanceof DocsUsageError && pattern.test(e.message) && new RegExp(`usage: berth ${argv[0]}`).test(e.message));

describe('berth knit / berth export command lines', () => {
  it('knows its two commands and no others', () => {
    assert.ok(isDocsCommand('knit'));
    assert.ok(isDocsCommand('export'));
    assert.ok(!isDocsCommand('run'));
    assert.ok(!isDocsCommand(undefined));
  });
  it('parses the minimal knit, with the image left to the default', () => {
    assert.deepEqual(parseDocsArgs(['knit', 'paper.Rmd']), { command: 'knit', document: 'paper.Rmd', image: undefined, out: undefined, verbose: false });
  });
  it('parses every knit option, with = or a separate value', () => {
    assert.deepEqual(parseDocsArgs(['knit', '--image=r:1', 'a.rmd', '--out', 'out/a.pdf', '--verbose']), { command: 'knit', document: 'a.rmd', image: 'r:1', out: 'out/a.pdf', verbose: true });
  });
  it('parses export with its format', () => {
    assert.deepEqual(parseDocsArgs(['export', 'paper.md', '--to', 'pdf', '--out=paper.pdf']), { command: 'export', document: 'paper.md', to: 'pdf', image: undefined, out: 'paper.pdf', verbose: false });
  });
  it('takes a document whose name starts with dashes after --', () => {
    assert.equal(parseDocsArgs(['knit', '--', '--odd.Rmd']).document, '--odd.Rmd');
  });
  it('refuses a missing, a second or a wrong kind of document', () => {
    usage(/no document given/, 'knit');
    usage(/one document at a time \(got 2\)/, 'knit', 'a.Rmd', 'b.Rmd');
    usage(/notes\.md is not an R Markdown document \(\.Rmd\)/, 'knit', 'notes.md');
    usage(/paper\.docx is not a Markdown document/, 'export', 'paper.docx', '--to', 'html');
  });
  it('refuses unknown options and options without values', () => {
    usage(/unknown option --to/, 'knit', 'a.Rmd', '--to', 'pdf');
    usage(/unknown option --timeout/, 'export', 'a.md', '--to', 'pdf', '--timeout', '3');
    usage(/--image needs a value/, 'knit', 'a.Rmd', '--image');
    usage(/--out needs a value/, 'knit', 'a.Rmd', '--out', '--verbose');
    usage(/--verbose takes no value/, 'knit', 'a.Rmd', '--verbose=yes');
  });
  it('needs --to on export, one of html, pdf and docx, and an --out that matches it', () => {
    usage(/--to is required/, 'export', 'a.md');
    usage(/--to must be html, pdf or docx, not "epub"/, 'export', 'a.md', '--to', 'epub');
    usage(/--out a\.html must end in \.pdf for --to pdf/, 'export', 'a.md', '--to', 'pdf', '--out', 'a.html');
  });
});
