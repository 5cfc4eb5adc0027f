// Engine errors → one-line reasons and Dockerfile lines.
import { strict as assert } from 'assert';
import { describeBuildFailure, stripAnsi } from '../../src/core/build/buildFailure';
import { parseDockerfile } from '../../src/core/build/dockerfile';

const file = parseDockerfile('FROM berth/nothing:1\nRUN make\nCOPY missing.txt /x\nADD a b');
const [from, run, copy, add] = file.instructions;

describe('describeBuildFailure', () => {
  it('names an unknown instruction and its line from the parse error', () => {
    const f = describeBuildFailure({ message: 'dockerfile parse error line 3: unknown instruction: RUNN', stepOutput: [] });
    assert.equal(f.line, 2);
    assert.equal(f.summary, 'Unknown instruction RUNN on line 3 of the Dockerfile: check its spelling (FROM, RUN, COPY, …).');
  });
  it('passes other parse errors on with their line', () => {
    const f = describeBuildFailure({ message: 'dockerfile parse error line 5: FROM requires either one or three arguments', stepOutput: [] });
    assert.equal(f.line, 4);
    assert.match(f.summary, /does not parse on line 5: FROM requires/);
  });
  it('gives a failing RUN its exit code, last output line and line', () => {
    const f = describeBuildFailure({
      message: "The command '/bin/sh -c make' returned a non-zero code: 2",
      step: run,
      stepOutput: [' ---> Running in 1234\n', 'compiling\n', '\u001b[91mmake: *** No rule to make target\n\u001b[0m', 'Removing intermediate container 1234\n'],
    });
    assert.equal(f.line, 1);
    assert.equal(f.summary, 'RUN failed with exit code 2: make: *** No rule to make target');
    assert.equal(f.detail, 'RUN failed with exit code 2. Last output:\ncompiling\nmake: *** No rule to make target');
  });
  it('keeps only the last lines of a long RUN output', () => {
    const output = Array.from({ length: 30 }, (_, i) => `line ${i}\n`);
    const f = describeBuildFailure({ message: "The command '/bin/sh -c x' returned a non-zero code: 1", step: run, stepOutput: output });
    assert.equal(f.detail.split('\n').length, 9);
    assert.match(f.detail, /line 29$/);
  });
  it('says when a failing RUN printed nothing', () => {
    const f = describeBuildFailure({ message: "The command '/bin/sh -c false' returned a non-zero code: 1", step: run, stepOutput: [] });
    assert.equal(f.summary, 'RUN failed with exit code 1');
    assert.match(f.detail, /printed nothing/);
  });
  it('names a missing COPY source', () => {
    const f = describeBuildFailure({ message: 'COPY failed: file not found in build context or excluded by .dockerignore: stat missing.txt: file does not exist', step: copy, stepOutput: [] });
    assert.equal(f.line, 2);
    assert.equal(f.summary, 'COPY source "missing.txt" is not in the build context: it is missing, or .dockerignore excludes it.');
  });
  it('names a missing ADD source', () => {
    const f = describeBuildFailure({ message: 'ADD failed: stat a: file does not exist', step: add, stepOutput: [] });
    assert.match(f.summary, /^ADD source "a"/);
  });
  it('explains a missing base image when no registry answers', () => {
    const f = describeBuildFailure({ message: 'Get "https://registry-1.docker.io/v2/": dial tcp: lookup registry-1.docker.io: no such host', step: from, stepOutput: [] });
    assert.equal(f.line, 0);
    assert.equal(f.summary, 'Base image berth/nothing:1 is not available locally and no registry answered: build or load it first.');
  });
  it('explains a base image the registry does not have', () => {
    const f = describeBuildFailure({ message: 'pull access denied for berth/nothing, repository does not exist or may require docker login', step: from, stepOutput: [] });
    assert.match(f.summary, /the registry does not have it: check the name/);
  });
  it('falls back to the first line of the message, on the running step', () => {
    const f = describeBuildFailure({ message: 'something odd\nmore', step: run, stepOutput: [] });
    assert.deepEqual([f.summary, f.line, f.detail], ['something odd', 1, 'something odd\nmore']);
  });
  it('has no line when no step ran', () => {
    assert.equal(describeBuildFailure({ message: 'no', stepOutput: [] }).line, undefined);
  });
});

describe('stripAnsi', () => {
  it('removes colour codes', () => assert.equal(stripAnsi('\u001b[91merr\u001b[0m'), 'err'));
});
