// Prints the slowest tests and fails the run when any test needed more than a third of its
// timeout: a test that close to its limit fails on a slower or busier machine.
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import * as fs from 'fs';
import * as path from 'path';

type Row = { title: string; ms: number; timeout: number };

class Headroom implements Reporter {
  private rows: Row[] = [];

  onTestEnd(test: TestCase, result: TestResult) {
    if (result.status === 'skipped') return;
    const project = test.parent.project()?.name ?? '';
    this.rows.push({ title: `[${project}] ${test.titlePath().slice(3).join(' › ')}`, ms: result.duration, timeout: test.timeout });
  }

  onEnd(_: FullResult): { status?: FullResult['status'] } | void {
    const sorted = [...this.rows].sort((a, b) => b.ms - a.ms);
    const line = (r: Row) => `  ${(r.ms / 1000).toFixed(1)} s of ${r.timeout / 1000} s  ${r.title}`;
    const report = ['slowest tests:', ...sorted.slice(0, 5).map(line)];
    const over = sorted.filter((r) => r.ms > r.timeout / 3);
    if (over.length) report.push(`${over.length} test(s) needed more than a third of their timeout:`, ...over.map(line));
    console.log('\n' + report.join('\n'));
    const out = process.env.E2E_HEADROOM_FILE;
    if (out) {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      fs.appendFileSync(out, report.join('\n') + '\n');
    }
    if (over.length) return { status: 'failed' };
  }
}

export default Headroom;
