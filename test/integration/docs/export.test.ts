// Export in the real Pandoc image: `berth export` as a user runs it. What the results say is read the way a
// reader would: pdftotext in the same image, the DOCX's word/document.xml, the HTML's MathML.
import { strict as assert } from 'assert';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DOCS_IMAGE, fixtureFolder, jobContainers, removeJobContainers, runCliIn, runInImage, zipEntry } from './helpers';

describe('Export (berth export, the real Pandoc image)', function () {
  this.timeout(300_000);
  let dir: string;
  let paper: string;

  beforeEach(() => {
    dir = fixtureFolder('export');
    paper = join(dir, 'research/paper.md');
  });
  afterEach(async () => {
    await removeJobContainers(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  const research = () => readdirSync(join(dir, 'research')).sort();

  it('exports to PDF whose text holds the formatted citations and the bibliography', async () => {
    const r = await runCliIn(dir, 'export', paper, '--to', 'pdf');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.ok(readFileSync(join(dir, 'research/paper.pdf')).subarray(0, 5).equals(Buffer.from('%PDF-')));
    const text = (await runInImage(DOCS_IMAGE, join(dir, 'research'), ['pdftotext', 'paper.pdf', '-'])).replace(/\s+/g, ' ');
    assert.match(text, /Container start-up, measured/);
    assert.match(text, /needs a pinned environment \(Knuth 1984\)/, 'the citation, formatted by the CSL style');
    assert.match(text, /Lamport \(1994\) describes/, 'the in-text citation');
    assert.match(text, /\(see Knuth 1984, p\. 12\)/, 'the citation with its prefix and locator');
    // pdftotext joins a word LaTeX hyphenated at a line end: Addison-Wesley may come out as AddisonWesley.
    assert.match(text, /References Knuth, Donald E\. 1984\. The TeXbook\. Addison-?Wesley\./, 'the bibliography entry');
    assert.match(text, /Lamport, Leslie\. 1994\. LaTeX: A document preparation system\. Addison-?Wesley\./);
    assert.match(text, /Contents/, 'the table of contents');
    assert.deepEqual(research(), ['author-date.csl', 'paper.md', 'paper.pdf', 'refs.bib', 'report.Rmd']);
    assert.deepEqual(await jobContainers(dir), []);
  });

  it('exports to DOCX whose word/document.xml holds the heading and the citation', async () => {
    const r = await runCliIn(dir, 'export', paper, '--to', 'docx', '--out', join(dir, 'paper-word.docx'));
    assert.equal(r.code, 0, r.stderr);
    const xml = zipEntry(readFileSync(join(dir, 'paper-word.docx')), 'word/document.xml').toString('utf8');
    const text = xml.replace(/<[^>]+>/g, '');
    assert.match(xml, /<w:pStyle w:val="Heading1" \/>.*?Introduction/s);
    assert.match(text, /\(Knuth 1984\)/);
    assert.match(text, /Knuth, Donald E\. 1984\./);
    assert.match(xml, /<w:drawing>/, 'the figure');
    assert.match(xml, /<m:oMath>/, 'the math, as Word equations');
  });

  it('exports to HTML with the math rendered as MathML and the figure embedded', async () => {
    const r = await runCliIn(dir, 'export', paper, '--to', 'html');
    assert.equal(r.code, 0, r.stderr);
    const html = readFileSync(join(dir, 'research/paper.html'), 'utf8');
    assert.match(html, /<math display="block" xmlns="http:\/\/www\.w3\.org\/1998\/Math\/MathML">/);
    assert.match(html, /<mfrac><mn>1<\/mn><mi>n<\/mi><\/mfrac>/, 'the fraction, as MathML');
    assert.match(html, /<img src="data:image\/png;base64,/, 'the figure, inside the file');
    assert.match(html, /\(<a href="#ref-knuth1984" role="doc-biblioref">Knuth 1984<\/a>\)/);
    assert.match(html, /<nav id="TOC" role="doc-toc">/);
    assert.doesNotMatch(html, /<script/, 'no script, so it renders where scripts do not run');
  });

  it('refuses a document whose bibliography is missing: a clear message, no output, no container', async () => {
    rmSync(join(dir, 'research/refs.bib'));
    const r = await runCliIn(dir, 'export', paper, '--to', 'pdf');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `berth: Cannot export paper.md: The bibliography refs.bib does not exist (looked for ${join(dir, 'research/refs.bib')})\n`);
    assert.deepEqual(research(), ['author-date.csl', 'paper.md', 'report.Rmd']);
    assert.deepEqual(await jobContainers(dir), []);
  });

  it('refuses a document whose image is missing, naming it', async () => {
    writeFileSync(paper, readFileSync(paper, 'utf8').replace('../images/stripes.png', 'figures/missing.png'));
    const r = await runCliIn(dir, 'export', paper, '--to', 'docx');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^berth: Cannot export paper\.md: The image figures\/missing\.png does not exist/);
    assert.ok(!existsSync(join(dir, 'research/paper.docx')));
  });

  it('reports a LaTeX error on the source line it comes from, and leaves no partial PDF', async () => {
    writeFileSync(paper, readFileSync(paper, 'utf8').replace('# Results', '# Results\n\nThe ratio is $\\nosuchmacro{x}$ here.'));
    const line = readFileSync(paper, 'utf8').split('\n').findIndex((l) => l.includes('nosuchmacro')) + 1;
    const r = await runCliIn(dir, 'export', paper, '--to', 'pdf');
    assert.equal(r.code, 1);
    assert.equal(r.stderr, `berth: Exporting paper.md to PDF failed: LaTeX: Undefined control sequence \\nosuchmacro (line ${line})\n`);
    assert.deepEqual(research().filter((f) => f.includes('.pdf') || f.includes('.berth-')), []);
  });

  it('exits 2 for a format it does not make, with the usage', async () => {
    const r = await runCliIn(dir, 'export', paper, '--to', 'epub');
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^berth: --to must be html, pdf or docx, not "epub" \(usage: berth export/);
  });
});
