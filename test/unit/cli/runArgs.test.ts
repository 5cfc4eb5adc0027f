import { strict as assert } from 'assert';
import { parseCommandLine, UsageError } from '../../../src/core/cli/runArgs';

const run = (...argv: string[]) => {
  const c = parseCommandLine(argv);
  assert.equal(c.kind, 'run');
  return c.kind === 'run' ? c.args : assert.fail();
};
const usage = (pattern: RegExp, ...argv: string[]) => assert.throws(() => parseCommandLine(argv), (e: unknown) => e instanceof UsageError && pattern.test(e.message) && /usage: berth run/.test(e.message));

describe('berth command line', () => {
  it('parses the minimal run', () => {
    assert.deepEqual(run('run', 'n.ipynb', '--image', 'berth/python:latest'), { notebook: 'n.ipynb', image: 'berth/python:latest', out: undefined, timeoutS: undefined, allowErrors: false, kernel: undefined, verbose: false });
  });
  it('parses every option, in any order, with = or a separate value', () => {
    assert.deepEqual(run('run', '--allow-errors', '--image=img', 'n.ipynb', '--out', 'o.ipynb', '--timeout=2.5', '--kernel', 'ir', '--verbose'), {
      notebook: 'n.ipynb',
      image: 'img',
      out: 'o.ipynb',
      timeoutS: 2.5,
      allowErrors: true,
      kernel: 'ir',
      verbose: true,
    });
  });
  it('takes a notebook whose name starts with dashes after --', () => {
    assert.equal(run('run', '--image', 'i', '--', '--odd.ipynb').notebook, '--odd.ipynb');
  });
  it('shows help for no arguments, help, -h and --help', () => {
    for (const argv of [[], ['help'], ['-h'], ['--help']]) {
      assert.deepEqual(parseCommandLine(argv), { kind: 'help' });
    }
  });
  it('rejects an unknown command', () => usage(/unknown command "exec"/, 'exec', 'n.ipynb'));
  it('requires a notebook', () => usage(/no notebook given/, 'run', '--image', 'i'));
  it('takes one notebook only', () => usage(/one notebook at a time \(got 2\)/, 'run', 'a.ipynb', 'b.ipynb', '--image', 'i'));
  it('requires --image', () => usage(/--image is required/, 'run', 'n.ipynb'));
  it('rejects an option without its value', () => usage(/--image needs a value/, 'run', 'n.ipynb', '--image'));
  it('does not take the next option as a value', () => usage(/--out needs a value/, 'run', 'n.ipynb', '--out', '--image', 'i'));
  it('rejects an empty value', () => usage(/--kernel needs a value/, 'run', 'n.ipynb', '--image', 'i', '--kernel='));
  it('rejects an unknown option', () => usage(/unknown option --imgae/, 'run', 'n.ipynb', '--imgae', 'i'));
  it('rejects a value on a flag', () => usage(/--allow-errors takes no value/, 'run', 'n.ipynb', '--image', 'i', '--allow-errors=yes'));
  it('takes --max-output-bytes in bytes or with a unit', () => {
    const sizes = ['1048576', '512K', '10MB', '1.5MiB', '2g'].map((v) => run('run', 'n.ipynb', '--image', 'i', '--max-output-bytes', v).maxOutputBytes);
    assert.deepEqual(sizes, [1048576, 512 * 1024, 10 * 1024 * 1024, 1.5 * 1024 * 1024, 2 * 1024 ** 3]);
  });
  it('writes every byte without --max-output-bytes', () => assert.equal(run('run', 'n.ipynb', '--image', 'i').maxOutputBytes, undefined));
  for (const bad of ['0', '-5', 'ten', '10XB', '']) {
    it(`rejects --max-output-bytes ${JSON.stringify(bad)}`, () => usage(bad ? /--max-output-bytes must be a positive size/ : /--max-output-bytes needs a value/, 'run', 'n.ipynb', '--image', 'i', `--max-output-bytes=${bad}`));
  }
  for (const bad of ['0', '-1', 'abc', 'Infinity']) {
    it(`rejects --timeout ${bad}`, () => usage(/--timeout must be a positive number of seconds/, 'run', 'n.ipynb', '--image', 'i', '--timeout', bad));
  }
  it('parses a run in a pod: --kube-context with --namespace and --kubeconfig', () => {
    assert.deepEqual(run('run', 'n.ipynb', '--image', 'r/img:1', '--kube-context', 'lab', '--namespace=team', '--kubeconfig', '/k/config').kube, { context: 'lab', namespace: 'team', kubeconfig: '/k/config' });
    assert.deepEqual(run('run', 'n.ipynb', '--image', 'r/img:1', '--kube-context', 'lab').kube, { context: 'lab' });
    assert.equal(run('run', 'n.ipynb', '--image', 'i').kube, undefined);
  });
  it('takes --copy-limit as a size for a run in a pod, and only with --kube-context', () => {
    assert.deepEqual(run('run', 'n.ipynb', '--image', 'r/img:1', '--kube-context', 'lab', '--copy-limit', '1G').kube, { context: 'lab', copyLimitBytes: 1024 ** 3 });
    usage(/--copy-limit must be a positive size/, 'run', 'n.ipynb', '--image', 'i', '--kube-context', 'lab', '--copy-limit', 'lots');
    usage(/--copy-limit needs --kube-context/, 'run', 'n.ipynb', '--image', 'i', '--copy-limit', '1M');
  });

  it('rejects --namespace and --kubeconfig without --kube-context', () => {
    usage(/--namespace needs --kube-context/, 'run', 'n.ipynb', '--image', 'i', '--namespace', 'x');
    usage(/--kubeconfig needs --kube-context/, 'run', 'n.ipynb', '--image', 'i', '--kubeconfig', '/k');
  });
  it('rejects --kube-context without a value', () => usage(/--kube-context needs a value/, 'run', 'n.ipynb', '--image', 'i', '--kube-context'));
});
