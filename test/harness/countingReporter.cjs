// Mocha reporter: the usual spec output, plus {passed, failed, pending} written to
// $EXPTRACK_TEST_COUNTS so test/runAll.mjs can print one total for every layer.
const fs = require('node:fs');
const Mocha = require('mocha');

const { EVENT_RUN_END, EVENT_TEST_PASS, EVENT_TEST_FAIL, EVENT_TEST_PENDING } = Mocha.Runner.constants;

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const counts = { passed: 0, failed: 0, pending: 0 };
    runner.on(EVENT_TEST_PASS, () => counts.passed++);
    runner.on(EVENT_TEST_FAIL, () => counts.failed++);
    runner.on(EVENT_TEST_PENDING, () => counts.pending++);
    runner.once(EVENT_RUN_END, () => {
      if (process.env.EXPTRACK_TEST_COUNTS) fs.writeFileSync(process.env.EXPTRACK_TEST_COUNTS, JSON.stringify(counts));
    });
  }
}
module.exports = CountingReporter;
