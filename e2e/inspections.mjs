// Inspections in a real browser, with axe-core on each page: the business team records an
// Ofsted inspection of children's services (a judgement off Ofsted's scale is refused first),
// adds its report, and makes two recommendations, each of which becomes an action on the
// board's plan; the practitioner reads the inspection; the business team records the plan's
// progress as reported to the board. Environment: BASE_URL, SHOTS_DIR.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BASE, PASSWORD, check, context, daysFromToday, expectSaved, expectText, fail, fillDate, pdf, run, signIn,
  summaryValue, today,
} from './lib.mjs';

mkdirSync(process.env.SHOTS_DIR, { recursive: true });
const report = join(process.env.SHOTS_DIR, 'ofsted-report.pdf');
writeFileSync(report, pdf('Ofsted inspection of children\'s services'), 'latin1');
const COUNCIL = 'Northbrook Borough Council Children\'s Services';
const RECS = [
  'Make sure that help for children in need starts within ten working days of the assessment.',
  'Review every child in need plan at least every three months, with the child\'s views recorded.',
];

const signedIn = async (browser, email, js = false) => {
  const ctx = await context(browser, js);
  const page = await ctx.newPage();
  await signIn(page, email, PASSWORD);
  return page;
};

await run(async (browser) => {
  const bt = await signedIn(browser, 'business.manager@northbrook.example', true);
  await bt.goto(`${BASE}/inspections`);
  await check(bt, 'inspections');
  await bt.click('a:has-text("Record an inspection")');
  await check(bt, 'record an inspection');
  await bt.getByLabel('Ofsted', { exact: true }).check();
  await bt.getByLabel(COUNCIL).check();
  await fillDate(bt, 'started', daysFromToday(-120));
  await fillDate(bt, 'ended', daysFromToday(-110));
  await fillDate(bt, 'published', daysFromToday(-60));
  await bt.selectOption('#judgement', { label: 'Adequate' });
  await bt.fill('#summary', 'Help for children in need starts too late and plans are not reviewed often enough.');
  await bt.click('button:has-text("Record the inspection")');
  await expectText(bt, 'Choose a judgement on Ofsted');
  await check(bt, 'a judgement off the scale refused');
  await bt.selectOption('#judgement', { label: 'Requires improvement to be good' });
  await bt.click('button:has-text("Record the inspection")');
  await expectSaved(bt, 'Inspection recorded');
  const url = bt.url().replace(/[#?].*$/, '');
  if ((await summaryValue(bt, 'Judgement')) !== 'Requires improvement to be good') fail('the judgement is not shown');
  await bt.setInputFiles('#file', report);
  await bt.click('button:has-text("Upload")');
  await expectSaved(bt, 'Report added');
  await bt.waitForSelector('a:has-text("ofsted-report.pdf")');
  for (const rec of RECS) {
    const form = bt.locator('form[action$="/recommendations"]');
    await form.locator('#recommendation').fill(rec);
    await form.getByRole('group', { name: 'Addressed to' }).getByLabel('Named agencies (choose below)').check();
    await form.getByRole('group', { name: 'Agencies' }).getByLabel(COUNCIL).check();
    await form.locator('button:has-text("Add recommendation")').click();
    await expectSaved(bt, 'Recommendation added');
  }
  await check(bt, 'inspection with its report and two recommendations');

  // Each recommendation becomes an action on the board's plan.
  for (let n = 0; n < 2; n += 1) {
    await bt.goto(url);
    await bt.getByRole('link', { name: `Add an action for recommendation ${n + 1}` }).click();
    await expectText(bt, 'Inspection: Ofsted');
    await bt.fill('#description', n === 0 ? 'Start help within ten working days of every assessment' : 'Review every plan every three months with the child\'s views');
    await bt.selectOption('#lead_agency', { label: COUNCIL });
    await bt.selectOption('#owner', { label: 'Priya Shah' });
    await fillDate(bt, 'due', daysFromToday(120));
    await bt.fill('#measure', 'Re-inspection and the quarterly audit');
    await bt.click('button:has-text("Add the action")');
    await expectSaved(bt, 'Action added');
    if ((await summaryValue(bt, 'Plan owned by')) !== 'Safeguarding Children Partnership Executive') fail('the action is not on the board\'s plan');
    if (n === 0) await check(bt, 'action from the inspection');
  }
  await bt.goto(url);
  await expectText(bt, '2 actions open');

  // Everyone reads it; the practitioner has no forms.
  const pr = await signedIn(browser, 'practitioner@northbrook.example');
  await pr.goto(`${BASE}/inspections`);
  await pr.click('a:has-text("Ofsted")');
  await expectText(pr, 'Requires improvement to be good');
  if ((await pr.locator('form[action$="/recommendations"]').count()) !== 0) fail('the practitioner can add a recommendation');
  await check(pr, 'inspection read by a practitioner');

  // The plan's progress, reported to the board.
  await bt.click('summary:has-text("Record a progress report")');
  await fillDate(bt, 'reported', today);
  await bt.fill('#progress', 'Both actions have started; the first audit is due next month.');
  await bt.click('button:has-text("Save the progress report")');
  await expectSaved(bt, 'Progress report recorded');
  await expectText(bt, 'Both actions have started');
  await check(bt, 'progress reported to the board');
});
