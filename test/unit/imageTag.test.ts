// Tags for `docker build -t`: derived from a folder name, validated like Docker.
import { strict as assert } from 'assert';
import { deriveImageTag, validateImageReference, withDefaultTag } from '../../src/core/build/imageTag';

describe('deriveImageTag', () => {
  const cases: Array<[string, string]> = [
    ['my-project', 'my-project:latest'],
    ['My Project', 'my-project:latest'],
    ['Data_Science.2024', 'data_science.2024:latest'],
    ['--weird!!name--', 'weird-name:latest'],
    ['a..b', 'a-b:latest'],
    ['über', 'ber:latest'],
    ['!!!', 'image:latest'],
    ['', 'image:latest'],
    ['x'.repeat(300), `${'x'.repeat(128)}:latest`],
  ];
  for (const [folder, tag] of cases) {
    it(`${JSON.stringify(folder.slice(0, 20))} → ${tag.slice(0, 30)}`, () => {
      assert.equal(deriveImageTag(folder), tag);
      assert.equal(validateImageReference(deriveImageTag(folder)), undefined);
    });
  }
});

describe('validateImageReference', () => {
  for (const ok of ['a', 'a:b', 'my-image:1.0', 'org/team/img:v_1', 'localhost:5000/img:tag', 'registry.example.com/a/b', 'a__b', 'a---b', 'img:A.b-C_']) {
    it(`accepts ${ok}`, () => assert.equal(validateImageReference(ok), undefined));
  }
  const bad: Array<[string, RegExp]> = [
    ['', /Enter an image name/],
    ['   ', /Enter an image name/],
    ['MyImage', /upper-case/],
    ['a:-x', /not a valid tag/],
    ['a:', /not a valid tag/],
    [`a:${'x'.repeat(129)}`, /not a valid tag/],
    ['a_-b', /not a valid name component/],
    ['-a', /not a valid name component/],
    ['a//b', /not a valid name component/],
    ['a@sha256:abc', /digest/],
    ['bad_host:5000x/img', /not a valid/],
  ];
  for (const [ref, message] of bad) {
    it(`refuses ${JSON.stringify(ref.slice(0, 20))}`, () => assert.match(validateImageReference(ref) ?? '', message));
  }
});

describe('withDefaultTag', () => {
  it('adds :latest to a name without tag', () => assert.equal(withDefaultTag('a/b'), 'a/b:latest'));
  it('keeps a tag', () => assert.equal(withDefaultTag('a:1'), 'a:1'));
  it('does not take a registry port for a tag', () => assert.equal(withDefaultTag('localhost:5000/a'), 'localhost:5000/a:latest'));
});
