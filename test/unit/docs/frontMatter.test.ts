import { strict as assert } from 'assert';
import { splitFrontMatter } from '../../../src/core/docs/frontMatter';

describe('front matter', () => {
  it('splits YAML front matter and blanks its lines', () => {
    const { frontMatter, body } = splitFrontMatter('---\ntitle: A\ndate: 2024-01-02\n---\n# H\n');
    assert.deepEqual(frontMatter?.entries, [
      { key: 'title', value: 'A' },
      { key: 'date', value: '2024-01-02' },
    ]);
    assert.equal(body, '\n\n\n\n# H\n');
  });

  it('accepts ... as the closing fence and CRLF line ends', () => {
    const { frontMatter, body } = splitFrontMatter('---\r\na: 1\r\n...\r\ntext');
    assert.deepEqual(frontMatter?.entries, [{ key: 'a', value: '1' }]);
    assert.equal(body, '\n\n\ntext');
  });

  it('leaves documents without front matter alone', () => {
    assert.deepEqual(splitFrontMatter('# Title\n---\n'), { body: '# Title\n---\n' });
    assert.deepEqual(splitFrontMatter('text\n---\na: 1\n---\n'), { body: 'text\n---\na: 1\n---\n' });
  });

  it('treats empty front matter as no entries', () => {
    assert.deepEqual(splitFrontMatter('---\n\n---\nx').frontMatter?.entries, []);
  });

  it('reports YAML errors with the raw text kept', () => {
    const { frontMatter } = splitFrontMatter('---\na: [1\n---\n');
    assert.equal(frontMatter?.entries, undefined);
    assert.match(frontMatter?.error ?? '', /unexpected end|flow collection/);
    assert.equal(frontMatter?.raw, 'a: [1');
  });

  it('does not construct JavaScript types from tags', () => {
    const { frontMatter } = splitFrontMatter('---\nf: !!js/function "function(){}"\n---\n');
    assert.ok(frontMatter?.error, 'unknown tags are an error, not code');
  });
});
