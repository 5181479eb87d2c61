// Retention and erasure in a real browser, with axe-core on each page: the business team
// finds the partnership's rules under Settings, sets the audit samples' rule (a period that is
// not a number refused first), sees what is due this month, reads what erasure removes and
// keeps, confirms, and finds the tombstone; its record's audit entries say their values were
// erased; then a past training session's bookings, under a rule for those. Environment:
// BASE_URL, SHOTS_DIR.

import { BASE, PASSWORD, check, context, expectSaved, expectText, fail, run, signIn } from './lib.mjs';

await run(async (browser) => {
  const bt = await (await context(browser, false)).newPage();
  await signIn(bt, 'business.manager@northbrook.example', PASSWORD);
  await bt.click('nav a:has-text("Settings")');
  await bt.click('a:has-text("Retention and erasure")');
  await check(bt, 'retention and erasure');
  const form = bt.locator('form[action="/retention/rules/audit-sample"]');
  await form.locator('input[name="months"]').fill('one');
  await form.locator('input[name="reason"]').fill('Agencies\' notes on sampled families: one month, for this journey');
  await form.locator('button:has-text("Save the rule")').click();
  await expectText(bt, 'whole number of months');
  await check(bt, 'a rule refused');
  const again = bt.locator('form[action="/retention/rules/audit-sample"]');
  await again.locator('input[name="months"]').fill('1');
  await again.locator('button:has-text("Save the rule")').click();
  await expectSaved(bt, 'Retention rule saved');
  const erase = bt.locator('#due ~ table a:has-text("Erase")').first();
  if (await erase.count() === 0) fail('nothing is due after a one-month rule for audit samples');
  const label = (await bt.locator('#due ~ table tbody tr td').first().textContent()).split('\n')[0].trim();
  await erase.click();
  await expectText(bt, 'Erasure cannot be undone');
  await expectText(bt, 'Keeps the case labels, the grades and the overview report');
  await check(bt, 'confirm an erasure');
  await bt.click('button:has-text("Erase it")');
  await expectSaved(bt, 'Record erased');
  const erased = await bt.locator('#erased ~ table').first().textContent();
  if (!erased.includes('Sam Okafor') && !erased.includes('Business')) {
    // The tombstone names who decided: the business manager.
    const who = await bt.locator('#erased ~ table tbody tr td').nth(2).textContent();
    if (!who.trim()) fail('the tombstone does not say by whose decision');
  }
  if (!erased.includes(label.slice(0, 20))) fail(`the tombstone does not name ${label}`);
  await check(bt, 'the tombstone of an erasure');
  // Training bookings: a one-month rule makes last year's sessions due; one is erased.
  await bt.goto(`${BASE}/retention`);
  const training = bt.locator('form[action="/retention/rules/training-booking"]');
  await training.locator('input[name="months"]').fill('1');
  await training.locator('input[name="reason"]').fill('Attendance kept one month, for this journey');
  await training.locator('button:has-text("Save the rule")').click();
  await expectSaved(bt, 'Retention rule saved');
  const bookings = bt.locator('#due ~ table tr', { hasText: 'Bookings for' }).first();
  if (await bookings.count() === 0) fail('no training session is due after a one-month rule');
  await bookings.locator('a:has-text("Erase")').click();
  await expectText(bt, 'Keeps the course and the session');
  await bt.click('button:has-text("Erase it")');
  await expectSaved(bt, 'Record erased');
  await check(bt, 'training bookings erased');
  await bt.goto(`${BASE}/audit`);
  await expectText(bt, 'Erased under the retention rule');
  await check(bt, 'the audit trail after an erasure');
});
