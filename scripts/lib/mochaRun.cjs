// Runs a set of compiled mocha test files and reports the counts in one shape for every tier:
// it prints `N passed, N failed` and, when BERTH_TEST_RESULTS names a file, writes {passed, failed, failures}.
// Used by the plain-Node tiers and, inside the VS Code extension host, by the e2e suite.
const fs = require('fs');
const path = require('path');
const util = require('util');
const Mocha = require('mocha');

function findTests(dir) {
  if (!fs.existsSync(dir)) return [];
  // A single compiled test file, for quick loops on one test.
  if (fs.statSync(dir).isFile()) return [dir];
  return fs
    .readdirSync(dir, { recursive: true })
    .filter((f) => /\.test\.(c?js)$/.test(f))
    .map((f) => path.join(dir, f))
    .sort();
}

function runMocha({ dirs, timeout = 60000, grep, resultsFile = process.env.BERTH_TEST_RESULTS, bail = false }) {
  // The extension host forwards console output without printf substitution: format before printing.
  Mocha.reporters.Base.consoleLog = (...args) => console.log(util.format(...args));
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout, reporter: 'spec', grep, bail });
  const files = dirs.flatMap(findTests);
  files.forEach((f) => mocha.addFile(f));
  return new Promise((resolve) => {
    const failures = [];
    let passed = 0;
    const runner = mocha.run();
    runner.on('pass', () => passed++);
    runner.on('fail', (test, err) => failures.push({ title: test.fullTitle(), error: String((err && err.stack) || err) }));
    runner.on('end', () => {
      const result = { passed, failed: failures.length, files: files.length, failures };
      if (files.length === 0) {
        result.failed += 1;
        result.failures.push({ title: 'no test files', error: `no *.test.js under ${dirs.join(', ')}` });
      }
      console.log(`${result.passed} passed, ${result.failed} failed`);
      if (resultsFile) {
        fs.mkdirSync(path.dirname(resultsFile), { recursive: true });
        fs.writeFileSync(resultsFile, JSON.stringify(result, null, 2));
      }
      resolve(result);
    });
  });
}

module.exports = { runMocha };

if (require.main === module) {
  const args = process.argv.slice(2);
  const timeout = Number(process.env.BERTH_TEST_TIMEOUT_MS || 60000);
  runMocha({ dirs: args.map((a) => path.resolve(a)), timeout, grep: process.env.BERTH_TEST_GREP }).then((r) => {
    process.exitCode = r.failed > 0 ? 1 : 0;
  });
}
