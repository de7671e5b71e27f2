// Prints one plain closing line for the whole test run from the JSON reports of vitest and Playwright:
// "N passed, N failed, N skipped", and how many skipped tests need the real-data folder. Missing reports (a stage that did not run) are said so.
import { existsSync, readFileSync } from 'node:fs';

let passed = 0, failed = 0, skipped = 0;
const notes = [];
const read = (f) => (existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null);

// Tests that need the shared real-world data say "realdata" in their file or title; count those skipped.
const realdata = process.env.KEYGRAPH_REALDATA ?? '../shared/realdata';
let realdataSkipped = 0;
const unit = read('test-reports/vitest.json');
if (unit) {
  passed += unit.numPassedTests; failed += unit.numFailedTests; skipped += unit.numPendingTests + (unit.numTodoTests ?? 0);
  for (const file of unit.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if ((t.status === 'pending' || t.status === 'skipped') && /realdata|real data/i.test(`${file.name} ${t.fullName}`)) realdataSkipped++;
    }
  }
} else notes.push('unit tests did not report');

const e2e = read('test-reports/e2e.json');
if (e2e) {
  passed += e2e.stats.expected + (e2e.stats.flaky ?? 0); failed += e2e.stats.unexpected; skipped += e2e.stats.skipped;
} else notes.push('e2e tests did not report');

if (notes.length) console.log(`(${notes.join('; ')})`);
console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
if (realdataSkipped) console.log(`${realdataSkipped} of the skipped tests need the real-data folder ${realdata}${existsSync(realdata) ? '' : ', which is absent'}`);
else console.log(`real-data tests: none skipped (${existsSync(realdata) ? realdata : `${realdata} is absent`})`);
