// A Section 11 cycle in a real browser, with axe-core on each page: the business team opens a
// cycle for two agencies (first without choosing any, and is told to); the police lead, with
// JavaScript off, finds the self-assessment on their home page, tries a rating-less
// submission, then rates and evidences every standard and submits; the panel challenges a
// standard and moderates its rating; the lead responds; the overview goes to the board and a
// practitioner then reads it, both ratings side by side.
//
// Environment: BASE_URL, SHOTS_DIR.

import {
  PASSWORD, check, context, daysFromToday, expectSaved, expectText, fail, fillDate, run, signIn,
} from './lib.mjs';

const POLICE = 'Northbrook Constabulary';
const HOSPITAL = 'Northbrook General Hospital NHS Foundation Trust';
const TITLE = 'Section 11 self-assessment (browser journey)';
const STANDARDS = 8;

await run(async (browser) => {
  // 1. The business team opens the cycle.
  const team = await context(browser, true);
  const bt = await team.newPage();
  await signIn(bt, 'business.manager@northbrook.example', PASSWORD);
  await bt.click('nav a:has-text("Section 11")');
  await expectText(bt, 'Section 11 self-assessments');
  await check(bt, 'section 11 cycles');
  await bt.fill('#title', TITLE);
  await fillDate(bt, 'due', daysFromToday(60));
  await bt.click('button:has-text("Open the cycle")');
  await expectText(bt, 'Choose at least one agency to assess itself in this cycle');
  await check(bt, 'cycle without agencies refused');
  for (const a of [POLICE, HOSPITAL]) {
    await bt.getByRole('group', { name: 'Agencies that assess themselves in this cycle' }).getByLabel(a, { exact: true }).check();
  }
  await bt.click('button:has-text("Open the cycle")');
  await expectSaved(bt, 'Cycle opened');
  const cycleUrl = bt.url().replace(/[#?].*$/, '');
  await expectText(bt, '0 of 2');
  await check(bt, 'cycle opened');

  // 2. The police lead, with JavaScript off, completes the self-assessment.
  const leadCtx = await context(browser, false);
  const lead = await leadCtx.newPage();
  await signIn(lead, 'agency.lead@northbrook.example', PASSWORD);
  await lead.click(`a:has-text("${TITLE}: ${POLICE}'s self-assessment")`);
  await check(lead, 'self-assessment form');
  await lead.fill('#answer-1', 'The chief officer group reviews safeguarding quarterly.');
  await lead.click('button:has-text("Submit return")');
  await expectText(lead, 'There is a problem');
  await expectText(lead, 'from the framework');
  await check(lead, 'submission without ratings refused');
  for (let i = 1; i <= STANDARDS; i += 1) {
    await lead.fill(`#answer-${i}`, `Evidence for standard ${i}: the policy, training figures and the last audit.`);
    await lead.getByRole('group', { name: `Rating for standard ${i}` }).getByLabel(i === 5 ? 'Fully met' : 'Largely met', { exact: true }).check();
  }
  await lead.click('button:has-text("Submit return")');
  await expectSaved(lead, 'Return submitted');
  await check(lead, 'self-assessment submitted');

  // 3. The panel challenges standard 5 and moderates it.
  await bt.goto(cycleUrl);
  await expectText(bt, '1 of 2');
  await bt.selectOption('#return', { label: POLICE });
  await bt.selectOption('#line', { index: 5 });
  await bt.fill('#challenge', 'Fully met, yet only half of response officers are trained: explain.');
  await bt.selectOption('#rating', { label: 'Partly met' });
  await bt.click('button:has-text("Record the challenge")');
  await expectSaved(bt, 'Challenge recorded');
  await expectText(bt, 'Moderated: Partly met');
  await check(bt, 'standard challenged and moderated');

  // 4. The lead responds.
  await lead.goto(cycleUrl);
  await expectText(lead, 'only half of response officers are trained');
  if ((await lead.locator(`text=${HOSPITAL}`).count()) > 0) fail('the police lead sees the hospital\'s row');
  await lead.locator('textarea[name^="response-"]').fill('Training for the rest is booked for the spring; figures attached to the return.');
  await lead.click('button:has-text("Send the response")');
  await expectSaved(lead, 'Response sent');
  await check(lead, 'response sent');

  // 5. The overview goes to the board; a practitioner reads it.
  await bt.goto(cycleUrl);
  await fillDate(bt, 'on', daysFromToday(0));
  await bt.click('button:has-text("Save the board date")');
  await expectSaved(bt, 'Board date saved');
  await check(bt, 'overview at the board');
  const prCtx = await context(browser, true);
  const pr = await prCtx.newPage();
  await signIn(pr, 'practitioner@northbrook.example', PASSWORD);
  await pr.goto(cycleUrl);
  await expectText(pr, 'Overview');
  await expectText(pr, 'Moderated: Partly met');
  if ((await pr.locator('text=only half of response officers').count()) > 0) fail('a practitioner reads the challenge');
  await check(pr, 'practitioner reads the overview');
});
