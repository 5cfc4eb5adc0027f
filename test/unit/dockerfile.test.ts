// The Dockerfile parser: instructions with their lines, as Docker's parser reads them.
import { strict as assert } from 'assert';
import { baseImage, buildSteps, parseDockerfile, stageName } from '../../src/core/build/dockerfile';
import { instructionForStep } from '../../src/core/build/buildRunner';

const summary = (text: string) => parseDockerfile(text).instructions.map((i) => [i.keyword, i.args, i.startLine, i.endLine]);

describe('parseDockerfile', () => {
  it('reads one instruction per line with 0-based lines, keywords upper-cased', () => {
    assert.deepEqual(summary('FROM base\nrun echo hi\nCOPY . /app'), [['FROM', 'base', 0, 0], ['RUN', 'echo hi', 1, 1], ['COPY', '. /app', 2, 2]]);
  });
  it('skips comments and blank lines', () => {
    assert.deepEqual(summary('# top\n\nFROM base\n   # indented comment\nRUN x\n'), [['FROM', 'base', 2, 2], ['RUN', 'x', 4, 4]]);
  });
  it('joins continuation lines and records where the instruction ends', () => {
    assert.deepEqual(summary('FROM b\nRUN apt-get update \\\n  && apt-get install -y x \\\n  && true\nUSER u'), [
      ['FROM', 'b', 0, 0], ['RUN', 'apt-get update && apt-get install -y x && true', 1, 3], ['USER', 'u', 4, 4],
    ]);
  });
  it('skips comments and blank lines inside a continuation', () => {
    assert.deepEqual(summary('RUN a \\\n# note\n\n  b\nRUN c'), [['RUN', 'a b', 0, 3], ['RUN', 'c', 4, 4]]);
  });
  it('allows trailing whitespace after the continuation character', () => {
    assert.deepEqual(summary('RUN a \\   \n b'), [['RUN', 'a b', 0, 1]]);
  });
  it('reads parser directives and honours the escape directive', () => {
    const parsed = parseDockerfile('# escape=`\n# syntax=docker/dockerfile:1\nFROM b\nRUN a `\n  b\nRUN c \\');
    assert.equal(parsed.escape, '`');
    assert.deepEqual(parsed.directives, { escape: '`', syntax: 'docker/dockerfile:1' });
    assert.deepEqual(parsed.instructions.map((i) => [i.keyword, i.args, i.startLine]), [['FROM', 'b', 2], ['RUN', 'a b', 3], ['RUN', 'c \\', 5]]);
  });
  it('stops reading directives at the first other line', () => {
    const parsed = parseDockerfile('# comment\n# escape=`\nFROM b');
    assert.deepEqual(parsed.directives, {});
    assert.equal(parsed.escape, '\\');
  });
  it('treats unknown directive names as comments', () => {
    assert.deepEqual(parseDockerfile('# foo=bar\nFROM b').directives, {});
  });
  it('keeps an instruction whose continuation runs to the end of the file', () => {
    assert.deepEqual(summary('FROM b\nRUN a \\\n'), [['FROM', 'b', 0, 0], ['RUN', 'a', 1, 2]]);
  });
  it('keeps unknown keywords (the engine reports them)', () => {
    assert.deepEqual(summary('FROM b\nRUNN x'), [['FROM', 'b', 0, 0], ['RUNN', 'x', 1, 1]]);
  });
  it('handles CRLF and a BOM', () => {
    assert.deepEqual(summary('\uFEFFFROM b\r\nRUN x\r\n'), [['FROM', 'b', 0, 0], ['RUN', 'x', 1, 1]]);
  });
});

describe('stages and steps', () => {
  const text = 'ARG V=1\nFROM base AS build\nRUN make\nFROM --platform=linux/amd64 runtime:${V} as final\nCOPY --from=build /a /a\nFROM other AS extra\nRUN x';
  const parsed = parseDockerfile(text);
  it('names stages and base images', () => {
    const froms = parsed.instructions.filter((i) => i.keyword === 'FROM');
    assert.deepEqual(froms.map(stageName), ['build', 'final', 'extra']);
    assert.deepEqual(froms.map(baseImage), ['base', 'runtime:${V}', 'other']);
  });
  it('numbers every instruction as a step without a target', () => {
    assert.equal(buildSteps(parsed).length, 7);
  });
  it('stops after the target stage, case-insensitively', () => {
    assert.deepEqual(buildSteps(parsed, 'FINAL').map((s) => s.startLine), [0, 1, 2, 3, 4]);
  });
  it('maps "Step N/M : TEXT" to the instruction when the keyword agrees', () => {
    const steps = buildSteps(parsed);
    assert.equal(instructionForStep(steps, 3, 7, 'RUN make')?.startLine, 2);
    assert.equal(instructionForStep(steps, 3, 8, 'RUN make')?.startLine, 2, 'the engine may append its LABEL step');
    assert.equal(instructionForStep(steps, 3, 7, 'COPY x y'), undefined);
    assert.equal(instructionForStep(steps, 9, 9, 'LABEL a=b'), undefined);
    assert.equal(instructionForStep(steps, 2, 3, 'FROM base AS build'), undefined, 'fewer steps than instructions: another Dockerfile');
  });
});
