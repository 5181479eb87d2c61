// Governance in a real browser, with axe-core on each page: the business team records the
// terms of reference of a serious incident and learning group (as a partnership's own
// document sets them out), generates a year of monthly meetings; the group's chair builds and
// issues an agenda, records attendance (not quorate, then quorate), a decision and a meeting
// action, and escalates an issue to the independent chair, who sends it to the board.
//
// Environment: BASE_URL, SHOTS_DIR.

import { BASE, PASSWORD, check, context, expectText, fail, run, signIn } from './lib.mjs';

const nextYear = String(new Date().getFullYear() + 1);

await run(async (browser) => {
  const team = await context(browser, true);
  const page = await team.newPage();
  await signIn(page, 'business.manager@northbrook.example', PASSWORD);

  await page.click('nav a:has-text("Groups")');
  await check(page, 'structure of groups');
  await page.click('a:has-text("Serious Incident and Learning Group")');
  await check(page, 'group without terms');
  await page.click('a:has-text("Record the terms of reference")');
  await check(page, 'terms of reference form');
  await page.click('button:has-text("Save terms of reference")');
  await expectText(page, 'There is a problem');
  await check(page, 'terms of reference with errors');

  await page.fill('#purpose', 'Oversees rapid reviews and case reviews for serious incidents within the statutory timescales, recommends the level of review to the independent chair, and makes sure agencies act on what reviews find.');
  await page.fill('#functions', [
    'Receive every notification of a serious incident or case referred for review',
    'Carry out a rapid review where an incident meets the criteria',
    'Make sure the rapid review reaches the national Panel within 15 working days',
    'Consider each case against the statutory criteria for a practice review',
    'Recommend the level and type of review to the independent chair for sign-off',
    'Help start each review and appoint a suitable reviewer',
    'Oversee the timeline of every review at each meeting',
    'Consider draft reports before they go to the partnership board',
    'Oversee the action plans that answer review recommendations',
    'Check regularly that single-agency and multi-agency actions have made a difference',
  ].join('\n'));
  for (const agency of ['Northbrook Borough Council Children\'s Services', 'Northbrook Constabulary', 'Northbrook and Wyvern Integrated Care Board', 'Northbrook General Hospital NHS Foundation Trust']) {
    await page.getByRole('group', { name: 'Core member agencies' }).getByLabel(agency, { exact: true }).check();
  }
  await page.selectOption('#chair', { label: 'Tom Hughes' });
  await page.fill('#chair_appointed_by', 'Senior representatives of the partner agencies, agreed by the partnership');
  await page.check('input[name=frequency][value=monthly]');
  await page.fill('#meeting_minutes', '120');
  await page.fill('#outputs', 'Reports on referrals, decisions and the progress of case reviews to the partnership business group');
  await page.fill('#admin_support', 'Partnership business team');
  await page.fill('#agreed-day', '1');
  await page.fill('#agreed-month', '11');
  await page.fill('#agreed-year', '2026');
  await page.fill('#review-day', '1');
  await page.fill('#review-month', '5');
  await page.fill('#review-year', nextYear);
  await page.click('button:has-text("Save terms of reference")');
  await expectText(page, 'Terms of reference saved as a new version');
  await expectText(page, 'Recommend the level and type of review to the independent chair for sign-off');
  await check(page, 'group with terms');

  await page.click('a:has-text("Add meetings")');
  await check(page, 'add meetings');
  await page.fill('#first-day', '12');
  await page.fill('#first-month', '1');
  await page.fill('#first-year', nextYear);
  await page.fill('#time', '10:00');
  await page.fill('#place', 'Civic Centre, Room 2');
  await page.click('button:has-text("Add meetings")');
  await expectText(page, 'Meetings added');
  await expectText(page, `Tuesday 12 January ${nextYear} at 10:00`);
  await expectText(page, `Tuesday 14 December ${nextYear} at 10:00`);
  await check(page, 'group with meetings');
  await team.close();

  // The group's chair runs the first meeting. (Tom Hughes chairs the L&I subgroup in the demo;
  // the business team gives him the SILG chair role first.)
  const admin = await context(browser, true);
  const a = await admin.newPage();
  await signIn(a, 'business.manager@northbrook.example', PASSWORD);
  await a.goto(`${BASE}/people`);
  await a.click('a:has-text("Tom Hughes")');
  await a.check('input[name=role][value=group-chair]');
  await a.selectOption('#group', { label: 'Serious Incident and Learning Group' });
  await a.click('button:has-text("Give role")');
  await expectText(a, 'Role given');
  await check(a, 'chair given the group');
  await admin.close();

  const chairCtx = await context(browser, true);
  const c = await chairCtx.newPage();
  await signIn(c, 'group.chair@northbrook.example', PASSWORD);
  await c.goto(`${BASE}/groups`);
  await c.click('a:has-text("Serious Incident and Learning Group")');
  await c.click(`a:has-text("Tuesday 12 January ${nextYear}")`);
  await expectText(c, 'Not issued yet');
  await check(c, 'meeting with live agenda');
  await c.click('summary:has-text("Add an item to the agenda")');
  await c.fill('#title', 'Rapid review: Child P');
  await c.click('button:has-text("Add item")');
  await expectText(c, 'Agenda item added');
  await c.click('button:has-text("Issue the agenda")');
  await expectText(c, 'Agenda issued');
  await check(c, 'agenda issued');

  const attend = async (name, agency, status, deputisingFor = '') => {
    await c.click('summary:has-text("Record attendance")');
    await c.fill('#name', name);
    await c.selectOption('#agency', { label: agency });
    await c.check(`input[name=status][value=${status}]`);
    if (deputisingFor) await c.fill('#deputising_for', deputisingFor);
    await c.click('button:has-text("Record attendance")');
    await expectText(c, 'Attendance recorded');
  };
  await attend('Ann Lee', 'Northbrook Borough Council Children\'s Services', 'present');
  await attend('DI Sam Carter', 'Northbrook Constabulary', 'present');
  await attend('Dr Ravi Nair', 'Northbrook and Wyvern Integrated Care Board', 'apologies');
  await expectText(c, 'Not quorate');
  await check(c, 'attendance not quorate');
  await attend('Jo Hart', 'Northbrook and Wyvern Integrated Care Board', 'deputy', 'Dr Ravi Nair');
  await expectText(c, 'Quorate: every statutory partner was represented');
  await check(c, 'attendance quorate');

  await c.click('summary:has-text("Record a decision")');
  await c.fill('#decision', 'Recommend a local child safeguarding practice review for Child P to the independent chair');
  await c.click('button:has-text("Record decision")');
  await expectText(c, 'Decision 1.');
  await c.click('a:has-text("Add a meeting action")');
  await check(c, 'add a meeting action');
  await c.fill('#description', 'Send the rapid review of Child P to the national Panel');
  await c.selectOption('#lead_agency', { label: 'Northbrook Borough Council Children\'s Services' });
  await c.selectOption('#owner', { label: 'Priya Shah' });
  await c.fill('#due-day', '26');
  await c.fill('#due-month', '1');
  await c.fill('#due-year', nextYear);
  await c.click('button:has-text("Add action")');
  await expectText(c, 'Action added');
  await check(c, 'decision and action recorded');

  await c.click('a:has-text("Escalate an issue the group cannot resolve")');
  await check(c, 'escalate an issue');
  await c.fill('#title', 'Health chronologies arrive after the rapid review deadline');
  await c.fill('#detail', 'Two rapid reviews this quarter waited for health chronologies. The group has asked twice.');
  await c.click('button:has-text("Escalate")');
  await expectText(c, 'Escalated to the independent chair');
  await check(c, 'escalation raised');
  await chairCtx.close();

  const icCtx = await context(browser, true);
  const ic = await icCtx.newPage();
  await signIn(ic, 'independent.chair@northbrook.example', PASSWORD);
  await expectText(ic, 'Escalation: Health chronologies arrive after the rapid review deadline');
  await check(ic, 'independent chair home');
  await ic.click('a:has-text("Escalation: Health chronologies")');
  await ic.check('input[name=next][value=to-board]');
  await ic.fill('#note', 'The integrated care board must agree a fix with the trusts.');
  await ic.click('button:has-text("Save")');
  await expectText(ic, 'With the board');
  await check(ic, 'escalation with the board');
  const refused = await ic.goto(`${BASE}/agencies`);
  if (refused.status() !== 403) fail('the independent chair could manage agencies');
  await icCtx.close();
});
