import { strict as assert } from 'assert';
import { languageOfEngine, parseRmdChunkHeader } from '../../../src/core/docs/rmdChunk';

describe('R Markdown chunk headers', () => {
  it('reads the engine of a bare chunk', () => {
    assert.deepEqual(parseRmdChunkHeader('{r}'), { engine: 'r', label: undefined, options: [] });
    assert.deepEqual(parseRmdChunkHeader('{python}'), { engine: 'python', label: undefined, options: [] });
  });

  it('reads a label and options', () => {
    assert.deepEqual(parseRmdChunkHeader('{r setup, include=FALSE}'), {
      engine: 'r',
      label: 'setup',
      options: [{ key: 'include', value: 'FALSE' }],
    });
  });

  it('reads options right after the engine, with or without a comma', () => {
    assert.deepEqual(parseRmdChunkHeader('{python, echo=FALSE}')?.options, [{ key: 'echo', value: 'FALSE' }]);
    assert.deepEqual(parseRmdChunkHeader('{sql connection=con}')?.options, [{ key: 'connection', value: 'con' }]);
  });

  it('keeps commas inside quotes and parentheses', () => {
    assert.deepEqual(parseRmdChunkHeader('{r plot, fig.cap="A, B", fig.dim=c(4, 3)}')?.options, [
      { key: 'fig.cap', value: '"A, B"' },
      { key: 'fig.dim', value: 'c(4, 3)' },
    ]);
  });

  it('takes label= as the label', () => {
    assert.equal(parseRmdChunkHeader("{r, label='my-chunk', echo=TRUE}")?.label, 'my-chunk');
  });

  it('is not a chunk when the info string is a plain language or pandoc attributes', () => {
    assert.equal(parseRmdChunkHeader('r'), undefined);
    assert.equal(parseRmdChunkHeader('python {.class}'), undefined);
    assert.equal(parseRmdChunkHeader('{.r}'), undefined);
    assert.equal(parseRmdChunkHeader('{}'), undefined);
  });

  it('maps knitr engines to highlight.js languages', () => {
    assert.equal(languageOfEngine('r'), 'r');
    assert.equal(languageOfEngine('R'), 'r');
    assert.equal(languageOfEngine('sh'), 'bash');
    assert.equal(languageOfEngine('Rcpp'), 'cpp');
    assert.equal(languageOfEngine('python'), 'python');
  });
});
