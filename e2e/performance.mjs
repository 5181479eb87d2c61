// Performance data in a real browser, with axe-core on each page, in two phases the Rust test
// runs in turn (PHASE), moving time on between them as the server's clock cannot be:
//
// PHASE=dataset. The business team adds an indicator with a target and an England benchmark.
// The police lead imports four quarters from a CSV file; the preview names the one bad row,
// nothing is written, the fixed file imports. The dataset flags the indicator, and the lead's
// home page says so. The business team schedules a meeting of the Learning and Improvement
// Subgroup and chooses the indicator for a deep dive there, asking the police and children's
// services for their analysis. The police lead sends theirs from their home page. The business
// team adds the presentation, the discussion and a recommendation, and makes an action of it;
// the police lead completes it with evidence and the subgroup's chair signs it off.
// (The test then moves the action's closure back to the quarter before last.)
// PHASE=impact. The business team records the action's impact review citing the indicator: the
// action page shows its chart with the closure marked and the values before and after.
//
// Environment: BASE_URL, SHOTS_DIR, PHASE; the phases share what they found through
// SHOTS_DIR/journey.json.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BASE, PASSWORD, check, context, daysFromToday, expectSaved, expectText, fail, fillDate, pdf, run, signIn,
  summaryValue, today,
} from './lib.mjs';

const INDICATOR = 'Missing children offered a return interview (browser journey)';
const FOCUS = 'Return interviews for children who go missing';
const RECOMMENDATION = 'Police and children\'s services agree one return-interview pathway, offered within 72 hours of every missing episode.';
const ACTION = 'Agree and launch the joint return-interview pathway';
const PHASE = process.env.PHASE || 'dataset';
const STATE = join(process.env.SHOTS_DIR, 'journey.json');
mkdirSync(process.env.SHOTS_DIR, { recursive: true });
const slides = join(process.env.SHOTS_DIR, 'missing-children-deep-dive.pdf');
writeFileSync(slides, pdf('Deep dive: missing children'), 'latin1');
const evidence = join(process.env.SHOTS_DIR, 'pathway-launch.pdf');
writeFileSync(evidence, pdf('Return-interview pathway launched'), 'latin1');

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
// The last four quarters ended, oldest first, as "2026-Q1", with their labels.
const quarters = (() => {
  let y = today.getUTCFullYear();
  let q = Math.floor(today.getUTCMonth() / 3) + 1;
  const out = [];
  for (let i = 0; i < 4; i += 1) {
    q -= 1;
    if (q === 0) { q = 4; y -= 1; }
    out.unshift({ key: `${y}-Q${q}`, label: `${MONTHS[q * 3 - 3]} to ${MONTHS[q * 3 - 1]} ${y}` });
  }
  return out;
})();
const VALUES = ['64', '60', '58', '72'];

const signedIn = async (browser, email, js = false) => {
  const ctx = await context(browser, js);
  const page = await ctx.newPage();
  await signIn(page, email, PASSWORD);
  return page;
};

async function datasetPhase(browser) {
  // 1. The business team adds the indicator and a benchmark.
  const bt = await signedIn(browser, 'business.manager@northbrook.example', true);
  await bt.goto(`${BASE}/performance`);
  await check(bt, 'performance dataset');
  await bt.click('a:has-text("Add an indicator")');
  await bt.fill('#name', INDICATOR);
  await bt.fill('#definition', 'Episodes of a child missing from home or care followed by the offer of an independent return interview within 72 hours.');
  await bt.selectOption('#agency', { label: 'Northbrook Constabulary' });
  await bt.getByLabel('A percentage').check();
  await bt.getByLabel('Higher is better').check();
  await bt.getByLabel('Quarterly').check();
  await bt.fill('#target', '80');
  await bt.fill('#tolerance', '5');
  await bt.getByLabel('The board, the groups and agency leads').check();
  await bt.click('button:has-text("Add the indicator")');
  await expectSaved(bt, 'Indicator added');
  const indicatorUrl = bt.url().replace(/[#?].*$/, '');
  await bt.fill('#b_period', quarters[3].key);
  await bt.selectOption('#b_name', { label: 'England' });
  await bt.fill('#b_value', '78');
  await bt.click('button:has-text("Save the benchmark")');
  await expectSaved(bt, 'Benchmark saved');
  await check(bt, 'indicator with target and benchmark');

  // 2. The police lead imports four quarters: one bad row is named, then fixed.
  const lead = await signedIn(browser, 'agency.lead@northbrook.example');
  await lead.goto(`${BASE}/performance`);
  await lead.click('a:has-text("Import values")');
  await check(lead, 'import values');
  const csv = (values) => `Indicator,Period,Value,Reason\n${quarters.map((q, i) => `${INDICATOR},${q.key},${values[i]},`).join('\n')}\n`;
  const bad = join(process.env.SHOTS_DIR, 'values-bad.csv');
  writeFileSync(bad, csv(['64', '6O', '58', '72']));
  await lead.setInputFiles('#file', bad);
  await lead.click('button:has-text("Check the file")');
  await expectText(lead, '1 problem to fix');
  await expectText(lead, 'Enter the value as a number');
  await expectText(lead, 'Nothing has been entered');
  await check(lead, 'import preview with a bad row');
  const good = join(process.env.SHOTS_DIR, 'values.csv');
  writeFileSync(good, csv(VALUES));
  await lead.setInputFiles('#file', good);
  await lead.click('button:has-text("Check the file")');
  await expectText(lead, '4 values ready to enter');
  await check(lead, 'import preview');
  await lead.click('button:has-text("Enter 4 values")');
  await expectSaved(lead, 'Values imported');

  // 3. Flagged on the dataset, on the indicator's page and on the lead's home page.
  const tile = lead.locator('.app-chart-grid__item', { hasText: INDICATOR });
  const flags = await tile.textContent();
  if (!flags.includes('Off target') || !flags.includes('Worse than England')) fail(`the indicator is not flagged: ${flags}`);
  await check(lead, 'dataset with the indicator flagged');
  await lead.goto(`${BASE}/home`);
  await expectText(lead, `${INDICATOR}: Off target`);
  await check(lead, 'agency lead home with the exception');

  // 4. A meeting of the subgroup, and the indicator chosen for a deep dive there.
  await bt.goto(`${BASE}/groups`);
  await bt.click('a:has-text("Learning and Improvement Subgroup")');
  await bt.click('a:has-text("Add meetings")');
  await fillDate(bt, 'first', daysFromToday(28));
  await bt.fill('#time', '10:00');
  await bt.fill('#place', 'Civic Centre, Room 2');
  await bt.click('button:has-text("Add meetings")');
  await expectText(bt, 'Meetings added');
  await bt.goto(indicatorUrl);
  await expectText(bt, 'Off target');
  await bt.click('a:has-text("Choose it for a deep dive")');
  await check(bt, 'commission a deep dive');
  await bt.fill('#title', FOCUS);
  await bt.fill('#question', 'Why fewer children are offered a return interview, and what would change it.');
  const meeting = await bt.locator('#meeting option', { hasText: 'Learning and Improvement Subgroup' }).first().getAttribute('value');
  await bt.selectOption('#meeting', meeting);
  await bt.getByLabel('Northbrook Constabulary').check();
  await bt.getByLabel('Northbrook Borough Council Children\'s Services').check();
  await fillDate(bt, 'due', daysFromToday(40));
  await bt.click('button:has-text("Ask the agencies")');
  await expectText(bt, 'The analyses must be due on or before the meeting');
  await check(bt, 'deep dive due after its meeting refused');
  await fillDate(bt, 'due', daysFromToday(21));
  await bt.click('button:has-text("Ask the agencies")');
  await expectSaved(bt, 'Deep dive commissioned');
  await expectText(bt, '0 of 2 in');
  const diveUrl = bt.url().replace(/[#?].*$/, '');
  await check(bt, 'deep dive commissioned');
  await bt.click(`a:has-text("Learning and Improvement Subgroup")`);
  await expectText(bt, `Deep dive: ${FOCUS}`);
  await check(bt, 'meeting agenda with the deep dive');

  // 5. The police lead sends the analysis from their home page.
  await lead.goto(`${BASE}/home`);
  await lead.click(`a:has-text("${FOCUS}")`);
  await check(lead, 'deep dive analysis to write');
  await lead.fill('#answer-1', 'Interviews offered fell from 64% to 58% over the year, then rose to 72% last quarter.');
  await lead.fill('#answer-2', 'Two interviewers left; the service was paused over the summer.');
  await lead.fill('#answer-3', 'A commissioned service started in the autumn.');
  await lead.fill('#answer-4', 'One pathway with children\'s services so that no episode is missed.');
  await lead.click('button:has-text("Submit return")');
  await expectText(lead, 'Submitted');
  await check(lead, 'analysis submitted');

  // 6. The presentation, the discussion and a recommendation, which becomes an action.
  await bt.goto(diveUrl);
  await expectText(bt, '1 of 2 in');
  await expectText(bt, 'Two interviewers left');
  await bt.setInputFiles('#file', slides);
  await bt.click('button:has-text("Upload")');
  await expectSaved(bt, 'Presentation added');
  await bt.fill('#discussion', 'The subgroup heard the police analysis and asked for one pathway with children\'s services.');
  await bt.click('button:has-text("Save the discussion")');
  await expectSaved(bt, 'Discussion saved');
  const recForm = bt.locator('form[action$="/recommendations"]');
  await recForm.locator('#recommendation').fill(RECOMMENDATION);
  await recForm.getByRole('group', { name: 'Addressed to' }).getByLabel('Named agencies (choose below)').check();
  await recForm.getByRole('group', { name: 'Agencies' }).getByLabel('Northbrook Constabulary').check();
  await recForm.locator('button:has-text("Add recommendation")').click();
  await expectSaved(bt, 'Recommendation added');
  await check(bt, 'deep dive with analysis, presentation, discussion and recommendation');
  await bt.click('a:has-text("Add an action")');
  await expectText(bt, `Deep dive “${FOCUS}”`);
  await bt.fill('#description', ACTION);
  await bt.selectOption('#lead_agency', { label: 'Northbrook Constabulary' });
  await bt.selectOption('#owner', { label: 'Detective Inspector Sam Carter' });
  await fillDate(bt, 'due', daysFromToday(60));
  await bt.fill('#measure', 'Return interviews offered within 72 hours, from the dataset');
  await bt.click('button:has-text("Add the action")');
  await expectSaved(bt, 'Action added');
  const actionUrl = bt.url().replace(/[#?].*$/, '');
  await check(bt, 'action from the deep dive');

  // 7. Completed with evidence by the police lead; signed off by the subgroup's chair.
  await lead.goto(actionUrl);
  await lead.click('summary:has-text("Post an update")');
  await lead.fill('#body', 'The pathway is agreed with children\'s services; the launch is next month.');
  await lead.getByRole('group', { name: 'Status' }).getByLabel('In progress', { exact: true }).check();
  await lead.click('button:has-text("Post the update")');
  await expectSaved(lead, 'Update posted');
  await lead.click('summary:has-text("Post an update")');
  await lead.fill('#body', 'The joint pathway is live: every missing episode is now referred for a return interview.');
  await lead.getByRole('group', { name: 'Status' }).getByLabel('Completed, awaiting evidence', { exact: true }).check();
  await lead.setInputFiles('#file', evidence);
  await lead.click('button:has-text("Post the update")');
  await expectSaved(lead, 'Update posted');
  const chair = await signedIn(browser, 'group.chair@northbrook.example', true);
  await chair.goto(actionUrl);
  await chair.click('button:has-text("Sign off and close the action")');
  await expectSaved(chair, 'Action signed off and closed');
  await check(chair, 'action signed off');
  writeFileSync(STATE, JSON.stringify({ actionUrl, indicatorUrl }));
}

async function impactPhase(browser) {
  const { actionUrl } = JSON.parse(readFileSync(STATE, 'utf8'));
  const bt = await signedIn(browser, 'business.manager@northbrook.example', true);
  await bt.goto(actionUrl);
  await fillDate(bt, 'reviewed', today);
  await bt.getByRole('group', { name: 'Has the change been sustained?' }).getByLabel('Yes', { exact: true }).check();
  await bt.getByRole('group', { name: 'Has it made a difference for children?' }).getByLabel('Yes', { exact: true }).check();
  await bt.fill('#measure', 'Return interviews offered within 72 hours');
  await bt.selectOption('#indicator', { label: INDICATOR });
  await bt.click('button:has-text("Save the impact review")');
  await expectSaved(bt, 'Impact review recorded');
  if ((await summaryValue(bt, 'Indicator cited')).indexOf(INDICATOR) < 0) fail('the impact review does not cite the indicator');
  await expectText(bt, `Before the action closed in ${quarters[2].label} (2 periods): 62% on average. Since (1 period): 72% on average, better.`);
  if ((await bt.locator('figure svg[role="img"]').count()) !== 1) fail('the action page has no chart of the indicator');
  await check(bt, 'impact review with the indicator before and after');
}

await run(async (browser) => {
  if (PHASE === 'dataset') await datasetPhase(browser);
  else if (PHASE === 'impact') await impactPhase(browser);
  else fail(`unknown PHASE ${PHASE}`);
});
