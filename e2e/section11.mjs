// Section 11 in a real browser, with axe-core on each page. The police lead has assessed the
// force once already. The business team opens a new cycle for three agencies (first without
// choosing any, and is told to). The police lead, with JavaScript off, finds the force's
// answers carried forward, each "to review", and adds an evidence file for a standard;
// submitting before reviewing them is refused; they change two standards with new evidence,
// confirm the rest, submit, and add an improvement action. The business team puts the auditor on the challenge panel; the auditor challenges a
// standard and moderates its rating; the lead responds; the overview shows both ratings and
// the action, goes to the board, and a practitioner then reads it. On the way, the lead offers
// the submitted self-assessment to Southvale, a neighbouring partnership the force also
// serves, whose business team finds it submitted in its own cycle.
//
// Environment: BASE_URL, SHOTS_DIR.

import {
  PASSWORD, check, context, daysFromToday, expectSaved, expectText, fail, fillDate, run, signIn,
} from './lib.mjs';

const POLICE = 'Northbrook Constabulary';
const HOSPITAL = 'Northbrook General Hospital NHS Foundation Trust';
const COUNCIL = 'Northbrook Borough Council Children\'s Services';
const TITLE = 'Section 11 self-assessment (browser journey)';
const STANDARDS = 8;

async function openCycle(bt, title, agencies) {
  await bt.goto(`${process.env.BASE_URL}/section11`);
  await bt.fill('#title', title);
  await fillDate(bt, 'due', daysFromToday(60));
  for (const a of agencies) {
    await bt.getByRole('group', { name: 'Agencies that assess themselves in this cycle' }).getByLabel(a, { exact: true }).check();
  }
  await bt.click('button:has-text("Open the cycle")');
  await expectSaved(bt, 'Cycle opened');
  return bt.url().replace(/[#?].*$/, '');
}

await run(async (browser) => {
  const team = await context(browser, true);
  const bt = await team.newPage();
  await signIn(bt, 'business.manager@northbrook.example', PASSWORD);
  const leadCtx = await context(browser, false);
  const lead = await leadCtx.newPage();
  await signIn(lead, 'agency.lead@northbrook.example', PASSWORD);

  // 0. The force's earlier self-assessment, the one carried forward.
  await openCycle(bt, 'Section 11 self-assessment, last cycle', [POLICE]);
  await lead.goto(`${process.env.BASE_URL}/home`);
  await lead.click('a:has-text("Section 11 self-assessment, last cycle: Northbrook Constabulary\'s self-assessment")');
  for (let i = 1; i <= STANDARDS; i += 1) {
    await lead.fill(`#answer-${i}`, `Last cycle's evidence for standard ${i}.`);
    await lead.getByRole('group', { name: `Rating for standard ${i}` }).getByLabel('Largely met', { exact: true }).check();
  }
  await lead.click('button:has-text("Submit return")');
  await expectSaved(lead, 'Return submitted');

  // 1. The business team opens the new cycle for three agencies.
  await bt.click('nav a:has-text("Section 11")');
  await expectText(bt, 'Section 11 self-assessments');
  await check(bt, 'section 11 cycles');
  await bt.click('a:has-text("The standards")');
  await expectText(bt, 'Version 1');
  await check(bt, 'the standards');
  await bt.goto(`${process.env.BASE_URL}/section11`);
  await bt.fill('#title', TITLE);
  await fillDate(bt, 'due', daysFromToday(60));
  await bt.click('button:has-text("Open the cycle")');
  await expectText(bt, 'Choose at least one agency to assess itself in this cycle');
  await check(bt, 'cycle without agencies refused');
  const cycleUrl = await openCycle(bt, TITLE, [POLICE, HOSPITAL, COUNCIL]);
  await expectText(bt, '0 of 3');
  await check(bt, 'cycle opened for three agencies');

  // 2. The police lead reviews what was carried forward.
  await lead.goto(`${process.env.BASE_URL}/home`);
  await lead.click(`a:has-text("${TITLE}: ${POLICE}'s self-assessment")`);
  await expectText(lead, 'Carried forward from the last cycle: Largely met');
  await expectText(lead, 'To review');
  await check(lead, 'self-assessment carried forward');
  await lead.selectOption('#line', { index: 5 });
  await lead.setInputFiles('#file', { name: 'training-figures.txt', mimeType: 'text/plain', buffer: Buffer.from('Response officers trained: 212 of 420.') });
  await lead.click('button:has-text("Add the file")');
  await expectSaved(lead, 'Evidence file added');
  await expectText(lead, 'training-figures.txt');
  await check(lead, 'evidence file added');
  await lead.click('button:has-text("Submit return")');
  await expectText(lead, 'There is a problem');
  await expectText(lead, 'confirm it is still current or change it before submitting');
  await check(lead, 'submission with standards to review refused');
  for (const i of [5, 7]) {
    await lead.fill(`#answer-${i}`, `New evidence for standard ${i}: this year's figures by team.`);
    await lead.getByRole('group', { name: `Rating for standard ${i}` }).getByLabel(i === 5 ? 'Fully met' : 'Partly met', { exact: true }).check();
  }
  for (let i = 1; i <= STANDARDS; i += 1) {
    if (i !== 5 && i !== 7) await lead.locator(`input[name="confirm-${i}"]`).check();
  }
  await lead.click('button:has-text("Submit return")');
  await expectSaved(lead, 'Return submitted');
  await expectText(lead, 'Changed since last cycle');
  await expectText(lead, 'Confirmed as current');
  await check(lead, 'self-assessment submitted');
  await lead.goto(cycleUrl);
  if ((await lead.locator(`text=${HOSPITAL}`).count()) > 0) fail('the police lead sees the hospital\'s row');
  await lead.click('a:has-text("Add an improvement action")');
  await lead.click('button:has-text("Add the action")');
  await expectText(lead, 'Choose the standard the action improves');
  await check(lead, 'improvement action without a standard refused');
  await lead.selectOption('#action_line', { index: 7 });
  await lead.fill('#action_text', 'Agree an information-sharing protocol with the hospital\'s safeguarding team');
  await lead.selectOption('#action_owner', { label: 'Detective Inspector Sam Carter' });
  await fillDate(lead, 'action_due', daysFromToday(120));
  await lead.click('button:has-text("Add the action")');
  await expectSaved(lead, 'Action added');
  await expectText(lead, `${POLICE}: 1 still open`);
  await check(lead, 'improvement action added');

  // 2b. The force serves Southvale too, and the two business teams have linked it: the lead
  // offers this self-assessment to Southvale's open cycle instead of writing another, and
  // Southvale's business team finds it there, submitted, to challenge on its own.
  await expectText(lead, 'Offer it to another partnership');
  await lead.click('button:has-text("Offer it to Southvale Safeguarding Children Partnership")');
  await expectSaved(lead, 'Self-assessment offered');
  await expectText(lead, 'Submitted there');
  await check(lead, 'self-assessment offered to a linked partnership');
  const svCtx = await context(browser, true);
  const sv = await svCtx.newPage();
  await signIn(sv, 'business.manager@southvale.example', PASSWORD);
  await sv.click('nav a:has-text("Section 11")');
  await sv.click('a:has-text("Section 11 self-assessment")');
  await expectText(sv, 'From another partnership');
  if ((await sv.locator(`text=${HOSPITAL}`).count()) > 0) fail('Southvale sees Northbrook\'s hospital');
  await check(sv, 'linked partnership\'s cycle');
  await sv.click(`a:has-text("${POLICE}")`);
  await expectText(sv, 'From another partnership:');
  await expectText(sv, 'training-figures.txt');
  await check(sv, 'offered self-assessment in the linked partnership');
  await sv.goto(`${process.env.BASE_URL}/agencies/links`);
  await expectText(sv, 'Linked');
  await check(sv, 'linked agencies');

  // 3. The auditor joins the challenge panel, challenges standard 5 and moderates it.
  await bt.goto(cycleUrl);
  await expectText(bt, '1 of 3');
  await bt.click('a:has-text("Change the panel or the event date")');
  await bt.selectOption('#person', { label: 'Helen Brooks' });
  await bt.click('button:has-text("Put on the panel")');
  await expectSaved(bt, 'Challenge panel saved');
  await check(bt, 'challenge panel');
  const audCtx = await context(browser, true);
  const aud = await audCtx.newPage();
  await signIn(aud, 'auditor@northbrook.example', PASSWORD);
  await aud.goto(cycleUrl);
  await aud.selectOption('#return', { label: POLICE });
  await aud.selectOption('#line', { index: 5 });
  await aud.fill('#challenge', 'Fully met, yet only half of response officers are trained: explain.');
  await aud.selectOption('#rating', { label: 'Partly met' });
  await aud.click('button:has-text("Record the challenge")');
  await expectSaved(aud, 'Challenge recorded');
  await expectText(aud, 'Moderated: Partly met');
  await check(aud, 'panel member challenges and moderates');

  // 4. The lead responds.
  await lead.goto(cycleUrl);
  await expectText(lead, 'only half of response officers are trained');
  await lead.locator('textarea[name^="response-"]').fill('Training for the rest is booked for the spring; figures attached to the return.');
  await lead.click('button:has-text("Send the response")');
  await expectSaved(lead, 'Response sent');
  await check(lead, 'response sent');

  // 5. The overview: both ratings side by side, the action; then the board, then everyone.
  await bt.goto(cycleUrl);
  await expectText(bt, 'Moderated: Partly met');
  await expectText(bt, 'Agree an information-sharing protocol');
  await fillDate(bt, 'on', daysFromToday(0));
  await bt.click('button:has-text("Save the board date")');
  await expectSaved(bt, 'Board date saved');
  await expectText(bt, 'The six-month follow-up of outstanding actions falls on');
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
