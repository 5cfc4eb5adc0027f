import { strict as assert } from 'assert';
import { controllerLabel } from '../../../src/core/notebook/controllerLabel';

describe('kernel picker labels', () => {
  it('names a Python kernel by its image only', () => {
    assert.equal(controllerLabel({ reference: 'berth/python:latest', kernelspec: { name: 'python3', displayName: 'Python 3 (ipykernel)', language: 'python' } }), 'Berth: berth/python:latest');
  });
  it('adds the kernel of another language', () => {
    assert.equal(controllerLabel({ reference: 'berth/r:latest', kernelspec: { name: 'ir', displayName: 'R', language: 'R' } }), 'Berth: berth/r:latest (R)');
  });
});
