import { strict as assert } from 'assert';
import { failedProbe, parseProbeOutput, PROBE_SCRIPT } from '../../../src/core/kernels/imageProbe';

const PY = 'berth-kernelspecs:{"python3": {"display_name": "Python 3 (ipykernel)", "language": "python"}}';

describe('image probe', () => {
  it('finds jupyter-server and the python3 kernelspec (Debian image)', () => {
    assert.deepEqual(parseProbeOutput('img', 'sha256:1', `berth-server:jupyter-server\n${PY}\n`), {
      imageId: 'sha256:1',
      serverCommand: ['jupyter-server'],
      kernelspecs: [{ name: 'python3', displayName: 'Python 3 (ipykernel)', language: 'python' }],
    });
  });
  it('prefers jupyter-server over jupyter-lab and jupyter-notebook', () => {
    const p = parseProbeOutput('img', 'id', `berth-server:jupyter-notebook\nberth-server:jupyter-lab\nberth-server:jupyter-server\n${PY}`);
    assert.deepEqual(p.serverCommand, ['jupyter-server']);
  });
  it('falls back to jupyter-lab', () => {
    assert.deepEqual(parseProbeOutput('img', 'id', `berth-server:jupyter-lab\n${PY}`).serverCommand, ['jupyter-lab']);
  });
  it('falls back to the classic jupyter-notebook', () => {
    assert.deepEqual(parseProbeOutput('img', 'id', `berth-server:jupyter-notebook\n${PY}`).serverCommand, ['jupyter-notebook']);
  });
  it('says how to fix an image without a server', () => {
    const p = parseProbeOutput('debian:12', 'id', '');
    assert.equal(p.serverCommand, undefined);
    assert.equal(p.unusableReason, 'Image debian:12 has no Jupyter server: install jupyter-server (pip install jupyter-server ipykernel) or choose another image');
  });
  it('says how to fix an image with a server but no kernel', () => {
    const p = parseProbeOutput('img', 'id', 'berth-server:jupyter-server\nberth-kernelspecs:{}');
    assert.equal(p.serverCommand, undefined);
    assert.match(p.unusableReason ?? '', /no kernel: install one \(pip install ipykernel\)/);
  });
  it('lists several kernelspecs sorted by name', () => {
    const p = parseProbeOutput('img', 'id', 'berth-server:jupyter-server\nberth-kernelspecs:{"ir": {"display_name": "R", "language": "R"}, "python3": {"display_name": "Py", "language": "python"}}');
    assert.deepEqual(p.kernelspecs.map((k) => k.name), ['ir', 'python3']);
  });
  it('falls back to the name for a spec without display name', () => {
    const p = parseProbeOutput('img', 'id', 'berth-server:jupyter-server\nberth-kernelspecs:{"julia": {}}');
    assert.deepEqual(p.kernelspecs, [{ name: 'julia', displayName: 'julia', language: '' }]);
  });
  it('ignores noise a shell profile prints, and CRLF line ends', () => {
    const p = parseProbeOutput('img', 'id', `Welcome!\r\nberth-server:jupyter-server\r\n${PY}\r\n`);
    assert.deepEqual(p.serverCommand, ['jupyter-server']);
    assert.equal(p.kernelspecs.length, 1);
  });
  it('treats a broken kernelspec line as no kernels', () => {
    assert.match(parseProbeOutput('img', 'id', 'berth-server:jupyter-server\nberth-kernelspecs:{oops').unusableReason ?? '', /no kernel/);
  });
  it('ignores a server name it did not ask about', () => {
    assert.equal(parseProbeOutput('img', 'id', `berth-server:rm -rf\n${PY}`).serverCommand, undefined);
  });
  it('a failed probe names the image and the cause', () => {
    assert.deepEqual(failedProbe('img', 'id', 'it has no /bin/sh'), { imageId: 'id', kernelspecs: [], unusableReason: 'Image img could not be probed for Jupyter (it has no /bin/sh): choose another image' });
  });
  it('the script looks for every server candidate and always exits 0', () => {
    for (const c of ['jupyter-server', 'jupyter-lab', 'jupyter-notebook']) {
      assert.ok(PROBE_SCRIPT.includes(c), c);
    }
    assert.ok(PROBE_SCRIPT.trimEnd().endsWith('exit 0'));
  });
});
