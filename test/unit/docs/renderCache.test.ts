import { strict as assert } from 'assert';
import { RenderCache } from '../../../src/core/docs/renderCache';

describe('render cache', () => {
  it('computes a block once while consecutive renders use it', () => {
    const cache = new RenderCache();
    let computed = 0;
    const compute = () => String(++computed);
    cache.get('a', compute);
    cache.endRender();
    assert.equal(cache.get('a', compute), '1');
    cache.endRender();
    assert.equal(cache.get('a', compute), '1');
    assert.equal(computed, 1);
  });

  it('drops blocks the latest render did not use', () => {
    const cache = new RenderCache();
    cache.get('old', () => 'o');
    cache.endRender();
    cache.get('new', () => 'n');
    cache.endRender();
    assert.equal(cache.size, 1);
    assert.equal(cache.get('old', () => 'recomputed'), 'recomputed');
  });
});
