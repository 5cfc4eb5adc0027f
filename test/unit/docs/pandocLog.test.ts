import { strict as assert } from 'assert';
import { missingResource, pandocFailure, pandocWarnings } from '../../../src/core/docs/export';

const SOURCE = ['---', 'title: T', '---', '', '# Results', '', 'The ratio is $\\nosuchmacro{x}$ here, see @nobody.', ''].join('\n');

describe('export: reading pandoc\'s and LaTeX\'s messages', () => {
  it('puts a LaTeX error on the source line that holds the macro', () => {
    const failure = pandocFailure(['Error producing PDF.', '! Undefined control sequence.', 'l.138 The ratio is \\(\\nosuchmacro', ''], SOURCE, 'paper.md', 43);
    assert.equal(failure.message, 'Exporting paper.md to PDF failed: LaTeX: Undefined control sequence \\nosuchmacro (line 7)');
    assert.deepEqual(failure.problems, [{ message: 'LaTeX: Undefined control sequence \\nosuchmacro', line: 6, severity: 'error' }]);
  });
  it('gives a one-line reason with the generated line when the error maps to no source line', () => {
    const failure = pandocFailure(['Error producing PDF.', '! LaTeX Error: File `nope.sty\' not found.', '', 'l.12 \\usepackage', ''], SOURCE, 'paper.md', 43);
    assert.equal(failure.message, 'Exporting paper.md to PDF failed: LaTeX: LaTeX Error: File `nope.sty\' not found (line 12 of the LaTeX pandoc generated)');
    assert.deepEqual(failure.problems, []);
  });
  it('reads pandoc\'s own errors, and a YAML error on its line', () => {
    assert.equal(pandocFailure(['pandoc: xelatex not found. Please select a different --pdf-engine or install xelatex'], SOURCE, 'paper.md', 47).message, 'Exporting paper.md failed: xelatex not found. Please select a different --pdf-engine or install xelatex');
    const yaml = pandocFailure(['Error parsing YAML metadata at "paper.md" (line 3, column 1):', 'could not find expected \':\''], SOURCE, 'paper.md', 64);
    assert.equal(yaml.problems[0].line, 2);
    assert.equal(pandocFailure([], SOURCE, 'paper.md', 9).message, 'Exporting paper.md failed: pandoc exited with code 9');
  });
  it('turns citations citeproc did not find into warnings on their lines', () => {
    assert.deepEqual(pandocWarnings(['[WARNING] Citeproc: citation nobody not found', '[WARNING] something else'], SOURCE), [{ message: 'Citation @nobody is not in the bibliography', line: 6, severity: 'warning' }]);
  });
  it('notices a resource pandoc could not load', () => {
    assert.equal(missingResource(['[WARNING] Could not fetch resource ../images/x.png: replacing image with description']), '../images/x.png');
    assert.equal(missingResource(['[WARNING] Could not fetch resource \'fig.svg\': PandocResourceNotFound "fig.svg"']), 'fig.svg');
    assert.equal(missingResource(['[WARNING] Citeproc: citation x not found']), undefined);
  });
});
