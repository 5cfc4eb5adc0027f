import { strict as assert } from 'assert';
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../../../..');
const GRAMMARS = path.join(ROOT, 'test/fixtures/grammars');
/** The grammars the R Markdown grammar embeds, as VS Code 1.100 ships them (copied, MIT). */
const EMBEDDED = ['markdown.tmLanguage.json', 'r.tmLanguage.json', 'MagicPython.tmLanguage.json', 'shell-unix-bash.tmLanguage.json', 'sql.tmLanguage.json', 'yaml.tmLanguage.json'];

/** Runs vscode-tmgrammar-test with package.json's grammar (the rmarkdown one) plus the embedded grammars. */
function grammarTest(cases: string): { status: number | null; output: string } {
  const cli = path.join(ROOT, 'node_modules/vscode-tmgrammar-test/dist/unit.js');
  const args = [cli, '--config', path.join(ROOT, 'package.json'), ...EMBEDDED.flatMap((g) => ['-g', path.join(GRAMMARS, g)]), cases];
  const r = spawnSync(process.execPath, args, { cwd: ROOT, encoding: 'utf8' });
  // The Markdown grammar names dozens of fence languages the test does not load; that notice is noise.
  const output = `${r.stdout}${r.stderr}`.split('\n').filter((l) => !/^grammar not found for/.test(l)).join('\n');
  return { status: r.status, output };
}

describe('R Markdown grammar', function () {
  this.timeout(30000);

  it('passes the syntax tests in test/grammar', () => {
    const { status, output } = grammarTest('test/grammar/*.test.Rmd');
    assert.equal(status, 0, output);
    assert.match(output, /chunks\.test\.Rmd run successfuly/);
    assert.match(output, /inline\.test\.Rmd run successfuly/);
  });

  it('fails a syntax test whose expectation is wrong (so the check above can fail)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-grammar-'));
    try {
      const file = path.join(dir, 'wrong.test.Rmd');
      writeFileSync(file, '<!-- SYNTAX TEST "text.html.rmarkdown" "deliberately wrong"\n```{r}\nx <- 1\n<!-- <- meta.embedded.block.python\n```\n');
      const { status, output } = grammarTest(file);
      assert.notEqual(status, 0, output);
      assert.match(output, /missing required scopes: meta\.embedded\.block\.python/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
