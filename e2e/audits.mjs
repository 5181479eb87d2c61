// A multi-agency audit in a real browser, with axe-core on each page: the business team plans
// an audit with three lines of enquiry and four cases; the auditor's declared involvement in
// one case is recorded, so the police lead (with JavaScript off) is refused when choosing them
// for it and chooses them for another; two agencies return; one return is sent back and
// resubmitted; the workshop moderates a grade; the overview report makes two recommendations,
// and the first becomes an action.
//
// Environment: BASE_URL, SHOTS_DIR.

import {
  PASSWORD, check, context, daysFromToday, expectSaved, expectText, fail, fillDate, run, signIn,
} from './lib.mjs';

const GROUP = 'Learning and Improvement Subgroup';
const POLICE = 'Northbrook Constabulary';
const HOSPITAL = 'Northbrook General Hospital NHS Foundation Trust';
const TITLE = 'Neglect and home conditions (browser journey)';
const AUDITOR = 'Helen Brooks';

await run(async (browser) => {
  // 1. The business team plans the audit.
  const team = await context(browser, true);
  const bt = await team.newPage();
  await signIn(bt, 'business.manager@northbrook.example', PASSWORD);
  await bt.click('nav a:has-text("Audits")');
  await expectText(bt, 'Audit programme');
  await check(bt, 'audit programme');
  await bt.click('a:has-text("Plan an audit")');
  await check(bt, 'plan an audit');
  await bt.click('button:has-text("Plan audit")');
  await expectText(bt, 'There is a problem');
  await expectText(bt, 'Choose the group that runs the audit');
  await check(bt, 'plan an audit with errors');
  await bt.fill('#title', TITLE);
  await bt.fill('#reason', 'Two rapid reviews this year found neglect recognised late.');
  await bt.selectOption('#group', { label: GROUP });
  await bt.fill('#lines', 'Quality of practice\nMulti-agency working\nOutcomes for children');
  for (const a of [POLICE, HOSPITAL]) {
    await bt.getByRole('group', { name: 'Agencies taking part' }).getByLabel(a, { exact: true }).check();
  }
  await fillDate(bt, 'fieldwork', daysFromToday(0));
  await fillDate(bt, 'due', daysFromToday(28));
  await bt.click('button:has-text("Plan audit")');
  await expectSaved(bt, 'Audit planned');
  const auditUrl = bt.url().replace(/[#?].*$/, '');
  await check(bt, 'audit planned');

  // 2. Four cases in the sample, and the auditor's involvement in Child A.
  const cases = [
    ['Child A', [POLICE, HOSPITAL]],
    ['Child B', [POLICE]],
    ['Child C', [HOSPITAL]],
    ['Child D', [POLICE]],
  ];
  for (const [label, agencies] of cases) {
    await bt.fill('#label', label);
    for (const a of agencies) {
      await bt.getByRole('group', { name: 'Agencies involved with this case' }).getByLabel(a, { exact: true }).check();
    }
    await bt.click('button:has-text("Add case")');
    await expectSaved(bt, 'Case added to the sample');
  }
  await check(bt, 'sample of four cases');
  await bt.selectOption('#case', { label: 'Child A' });
  await bt.selectOption('#person', { label: AUDITOR });
  await bt.fill('#note', 'Health visitor to the family in 2025');
  await bt.click('button:has-text("Record involvement")');
  await expectSaved(bt, 'Involvement recorded');
  await bt.click('button:has-text("Start fieldwork")');
  await expectSaved(bt, 'Audit moved on');
  await expectText(bt, '0 of 5 returns in');
  await check(bt, 'fieldwork started');

  // 3. The police lead, with JavaScript off, chooses the auditors.
  const leadCtx = await context(browser, false);
  const lead = await leadCtx.newPage();
  await signIn(lead, 'agency.lead@northbrook.example', PASSWORD);
  await expectText(lead, `Return for the audit “${TITLE}”: ${POLICE}, Child A`);
  await lead.goto(auditUrl);
  await expectText(lead, 'Your returns');
  if ((await lead.locator('text=Case sample').count()) > 0) fail('the agency lead sees the sample');
  await check(lead, 'agency lead sees their returns');
  const openReturn = async (page, label) => {
    await page.goto(auditUrl);
    await page.locator(`a:has-text("${label}: ${POLICE}")`).first().click();
  };
  await openReturn(lead, 'Child A');
  await lead.selectOption('#person', { label: AUDITOR });
  await lead.click('button:has-text("Choose auditor")');
  await expectText(lead, `${AUDITOR} cannot audit Child A: they had a part in the case`);
  await check(lead, 'auditor with a conflict refused');
  await openReturn(lead, 'Child B');
  await lead.selectOption('#person', { label: AUDITOR });
  await lead.click('button:has-text("Choose auditor")');
  await expectSaved(lead, 'Auditor saved');
  // The lead writes Child D's return themselves.
  await openReturn(lead, 'Child D');
  await lead.fill('#answer-1', 'The child was seen alone at each visit.');
  await lead.fill('#answer-2', 'Concerns reached children\'s services within a day.');
  await lead.fill('#answer-3', 'School attendance rose from 70% to 95%.');
  await lead.getByRole('group', { name: 'Grade' }).getByLabel('Good', { exact: true }).check();
  await lead.fill('#strengths', 'Curious, persistent officers.');
  await lead.fill('#improvements', 'Record the child\'s own words.');
  await lead.click('button:has-text("Submit return")');
  await expectSaved(lead, 'Return submitted');
  await check(lead, 'police return submitted');

  // 4. The auditor writes Child B's return from their home page; it is sent back once.
  const audCtx = await context(browser, true);
  const aud = await audCtx.newPage();
  await signIn(aud, 'auditor@northbrook.example', PASSWORD);
  await aud.click(`a:has-text("Return for the audit “${TITLE}”: ${POLICE}, Child B")`);
  await check(aud, 'auditor opens their return');
  await aud.fill('#answer-1', 'Visits were announced.');
  await aud.click('button:has-text("Save as draft")');
  await expectSaved(aud, 'Return saved as a draft');
  await aud.fill('#answer-2', 'Health and police did not share the school\'s worries.');
  await aud.fill('#answer-3', 'Home conditions improved for a while.');
  await aud.getByRole('group', { name: 'Grade' }).getByLabel('Requires improvement', { exact: true }).check();
  await aud.fill('#strengths', 'Detailed records.');
  await aud.fill('#improvements', 'Unannounced visits.');
  await aud.click('button:has-text("Submit return")');
  await expectSaved(aud, 'Return submitted');
  const returnUrl = aud.url().replace(/[#?].*$/, '');
  await bt.goto(returnUrl);
  await bt.fill('#note', 'Say how the child\'s views were sought.');
  await bt.click('button:has-text("Send back for more work")');
  await expectSaved(bt, 'Return sent back for more work');
  await check(bt, 'return sent back');
  await aud.goto(returnUrl);
  await expectText(aud, 'Say how the child\'s views were sought.');
  await aud.fill('#answer-1', 'Visits were announced; the child was seen alone twice and asked about home.');
  await aud.click('button:has-text("Submit return")');
  await expectSaved(aud, 'Return submitted');
  await bt.goto(returnUrl);
  await bt.click('button:has-text("Accept return")');
  await expectSaved(bt, 'Return accepted and locked');
  await expectText(bt, 'Version 2');
  await check(bt, 'return accepted');

  // 5. The workshop moderates a grade.
  await bt.goto(auditUrl);
  await expectText(bt, '2 of 5 returns in');
  await bt.click('button:has-text("Move to the workshop")');
  await expectSaved(bt, 'Audit moved on');
  await bt.click('a:has-text("Workshop: the returns side by side")');
  await check(bt, 'workshop grid');
  await bt.selectOption('#return', { label: `Child B, ${POLICE}: Requires improvement` });
  await bt.selectOption('#grade', { label: 'Inadequate' });
  await bt.click('button:has-text("Save moderated grade")');
  await expectSaved(bt, 'Moderated grade saved beside the original');
  await expectText(bt, 'Moderated: Inadequate');
  await check(bt, 'grade moderated');

  // 6. The overview report: children's views and two recommendations; one becomes an action.
  await bt.goto(`${auditUrl}/report`);
  await check(bt, 'overview report');
  await bt.fill('#summary', 'Neglect was recognised late where visits were announced.');
  await bt.fill('#strengths', 'Children were seen alone.');
  await bt.fill('#improvements', 'Unannounced visits; sharing school concerns.');
  await bt.click('button:has-text("Save report")');
  await expectSaved(bt, 'Overview report saved');
  await bt.fill('#how', 'Two group sessions at the youth centre');
  await bt.fill('#whom', '12 young people aged 13 to 17');
  await bt.fill('#said', 'They want workers to see their home as it really is.');
  await bt.click('button:has-text("Record views")');
  await expectSaved(bt, 'Children\'s views recorded');
  for (const r of [
    'Agencies visit unannounced when neglect is suspected.',
    'Schools share neglect concerns with children\'s services within a day.',
  ]) {
    await bt.fill('#recommendation', r);
    await bt.getByRole('group', { name: 'Addressed to' }).getByLabel('The partnership as a whole', { exact: true }).check();
    await bt.click('button:has-text("Add recommendation")');
    await expectSaved(bt, 'Recommendation added');
  }
  await check(bt, 'report with recommendations');
  await bt.getByRole('link', { name: 'Add an action for recommendation 1' }).click();
  await expectText(bt, `Audit “${TITLE}”, recommendation 1`);
  await check(bt, 'action from an audit recommendation');
  await bt.fill('#description', 'Make unannounced visits the rule when neglect is suspected');
  await bt.selectOption('#lead_agency', { label: POLICE });
  await bt.selectOption('#owner', { label: 'Priya Shah' });
  await fillDate(bt, 'due', daysFromToday(90));
  await bt.fill('#measure', 'A re-audit finds unannounced visits in most neglect cases');
  await bt.click('button:has-text("Add the action")');
  await expectSaved(bt, 'Action added');
  await check(bt, 'action from the audit added');
});
