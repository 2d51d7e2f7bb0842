import type { Reporter, TestModule, Vitest } from 'vitest/node';

/**
 * Lists, after a run, every test that was skipped and why: vitest's default reporter counts skipped tests but
 * names none, so "12 skipped" alone does not say that, say, the PostgreSQL tests need QS_TEST_DATABASE_URL.
 * The reason is the one the test gives: its name (a conditionally skipped suite says what it needs, e.g.
 * "(needs QS_TEST_DATABASE_URL)") and the note of `ctx.skip(note)`. Silent when a name filter (-t) skips
 * tests on purpose.
 */
export default class SkipReasonsReporter implements Reporter {
  private filtered = false;

  onInit(vitest: Vitest): void {
    this.filtered = vitest.config.testNamePattern !== undefined;
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    if (this.filtered) return;
    const lines: string[] = [];
    for (const module of modules) {
      for (const test of module.children.allTests('skipped')) {
        const result = test.result();
        const note = result.state === 'skipped' ? result.note : undefined;
        lines.push(`  ${module.relativeModuleId} > ${test.fullName}${note ? ` [${note}]` : ''}`);
      }
    }
    if (lines.length > 0) process.stdout.write(`\nSkipped (${lines.length}):\n${lines.join('\n')}\n`);
  }
}
