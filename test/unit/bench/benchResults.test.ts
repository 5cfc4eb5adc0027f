// The benchmarks' shared pieces that decide what RESULTS.md says: the A B B A order and the merging of a run's
// rows into the file (a filtered run replaces only its own benchmarks' rows).
import { strict as assert } from 'assert';
import { abbaOrder, interleave } from '../../../bench/lib/interleave';
import { MIN_REPETITIONS, repetitions } from '../../../bench/lib/quick';
import { compare, notRun, ratioOf, size, stage } from '../../../bench/lib/results';
import { formatBytes, formatMs, median } from '../../../bench/lib/stats';
import { benchOfLine, formatRow, labelled, mergeResults, TABLE_HEADER, type RunInfo } from '../../../bench/lib/resultsFile';

const run: RunInfo = { date: '2026-12-02T07:41:09.123Z', cores: 2, loadStart: 1.5, loadEnd: 2.25 };

describe('bench: A B B A interleaving', () => {
  it('alternates the order of two variants, so the floor does not always run first', () => {
    assert.deepEqual(abbaOrder(2, 4).flat(), [0, 1, 1, 0, 0, 1, 1, 0]);
  });

  it('reverses the order of more variants every other repetition', () => {
    assert.deepEqual(abbaOrder(3, 2), [[0, 1, 2], [2, 1, 0]]);
  });

  it('collects each variant its samples, blocks of samples flattened', async () => {
    const calls: string[] = [];
    const samples = await interleave(
      [
        { name: 'a', run: () => (calls.push('a'), 1) },
        { name: 'b', run: async () => (calls.push('b'), [2, 3]) },
      ],
      2,
    );
    assert.deepEqual(calls, ['a', 'b', 'b', 'a']);
    assert.deepEqual(samples.get('a'), [1, 1]);
    assert.deepEqual(samples.get('b'), [2, 3, 2, 3]);
  });
});

describe('bench: repetitions', () => {
  it('measures each variant at least 5 times in a real run, even when asked for fewer', () => {
    assert.deepEqual([repetitions(2, false), repetitions(7, false)], [MIN_REPETITIONS, 7]);
  });

  it('measures each variant twice in a quick run', () => {
    assert.equal(repetitions(7, true), 2);
  });
});

describe('bench: statistics', () => {
  it('takes the middle sample of an odd count, unsorted input', () => {
    assert.equal(median([300, 100, 200]), 200);
  });

  it('averages the two middle samples of an even count', () => {
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it('has no median without samples', () => {
    assert.ok(Number.isNaN(median([])));
  });

  it('divides the medians for the ratio, not the means or minima', () => {
    assert.equal(ratioOf(compare('x', { name: 'Berth', samplesMs: [1, 9, 10] }, { name: 'floor', samplesMs: [5, 2, 100] })), 9 / 5);
  });

  it('has no ratio for a stage', () => {
    assert.equal(ratioOf(stage('x', { name: 'Berth', samplesMs: [1] })), undefined);
  });

  it('shows about three significant digits, and a dash for no number', () => {
    assert.deepEqual([1234.6, 56.78, 1.234, Number.NaN].map(formatMs), ['1235', '56.8', '1.23', '—']);
  });

  it('shows sizes in B, KiB and MiB with about three significant digits', () => {
    assert.deepEqual([512, 4062, 3967864, 150 * 1024 * 1024, Number.NaN].map(formatBytes), ['512 B', '3.97 KiB', '3.78 MiB', '150 MiB', '—']);
  });
});

describe('bench: RESULTS.md rows', () => {
  it('does not say Berth or floor twice when the name already says whose it is', () => {
    assert.deepEqual([labelled('floor', 'floor: dockerode run'), labelled('Berth', 'Berth: launchKernel'), labelled('Berth', 'berth run'), labelled('floor', 'docker build')], ['floor: dockerode run', 'Berth: launchKernel', 'berth run', 'floor: docker build']);
  });


  it('gives medians, the ratio, min–max, counts and the run of a comparison', () => {
    const line = formatRow('kernelStart', compare('cold start', { name: 'launchKernel', samplesMs: [300, 100, 200] }, { name: 'dockerode run', samplesMs: [100, 50] }), run);
    assert.equal(line, '| kernelStart | cold start — Berth: launchKernel; floor: dockerode run | 200 | 75.0 | 2.67× | 100–300 | 50.0–100 | 3 / 2 | 2026-12-02 07:41 UTC, 2 cores, load 1.50 → 2.25 |');
  });

  it('shows a stage without a floor and without a ratio', () => {
    const cells = formatRow('docsRender', stage('patch', { name: 'Berth', samplesMs: [5] }), run).split('|').map((c) => c.trim());
    assert.deepEqual(cells.slice(3, 6), ['5.00', '', '']);
    assert.match(cells[2], /no ratio/);
  });

  it('shows a size in bytes, without a floor or a ratio', () => {
    const cells = formatRow('activation', size('bundle', { name: 'dist/extension.js', samplesMs: [3967864] }), run).split('|').map((c) => c.trim());
    assert.deepEqual([cells[3], cells[4], cells[5], cells[6]], ['3.78 MiB', '', '', '3.78 MiB–3.78 MiB']);
    assert.match(cells[2], /a size, no ratio/);
  });

  it('says why a row was not run, with no number', () => {
    const line = formatRow('podProbe', notRun('probe pod', 'no cluster kubeconfig at /x'), run);
    assert.match(line, /not run: no cluster kubeconfig at \/x/);
    assert.deepEqual(line.split('|').slice(4, 9).map((c) => c.trim()), ['', '', '', '', '']);
  });

  it('escapes a pipe in a measurement so the table keeps its columns', () => {
    assert.equal(benchOfLine(formatRow('buildContext', notRun('tar | cat', 'why'), run)), 'buildContext');
    assert.match(formatRow('buildContext', notRun('tar | cat', 'why'), run), /tar \\\| cat/);
  });

  it('replaces only the rows of the benchmarks that ran, keeping the others with their own date', () => {
    const old = mergeResults('', '# old', new Map([
      ['docsRender', ['| docsRender | old render | 1 | | | | | | then |']],
      ['kernelStart', ['| kernelStart | old start | 1 | | | | | | then |']],
    ]));
    const merged = mergeResults(old, '# new', new Map([['kernelStart', ['| kernelStart | new start | 2 | | | | | | now |']]]));
    assert.equal(merged, ['# new', '', ...TABLE_HEADER, '| docsRender | old render | 1 | | | | | | then |', '| kernelStart | new start | 2 | | | | | | now |', ''].join('\n'));
  });
});
