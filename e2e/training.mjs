// Training in a real browser, with axe-core on each page, in three phases the Rust test runs
// in turn (PHASE), moving time on between them as the server's clock cannot be:
//
// PHASE=book. A serious incident becomes a decided review; the business team adds a
// recommendation and plans training from it: the course form shows what it answers. Two
// sessions of the course: one of two places and one the next day. The practitioner books a
// place on the first (first with a line manager's address that is not one), the agency lead
// the second; the auditor, finding it full, joins the waiting list. The practitioner cancels:
// the auditor gets a mail through the real SMTP server with a link that holds the freed place,
// opens it without signing in and takes the place; the link then works no more. The
// practitioner books the second session instead.
// (The test then moves the second session to yesterday: it has been held.)
// PHASE=held. Its trainer marks the practitioner as attended; the practitioner opens the
// evaluation from the mail it sent and rates the session against each learning outcome.
// (The test then runs `learnloop remind --on` three months on: the follow-up goes out.)
// PHASE=followup. The line manager, who has no account, answers by the link in their mail,
// once; the practitioner answers their own follow-up. The course page shows the evaluation,
// the response rates and the recommendation that asked for the course.
//
// Environment: BASE_URL, MAILDIR, SHOTS_DIR, PHASE; the phases share what they found through
// SHOTS_DIR/journey.json.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BASE, PASSWORD, check, context, daysFromToday, decidedCase, expectSaved, expectText, fail, fillDate, mailTo,
  run, signIn,
} from './lib.mjs';

const COURSE = 'Working with fathers and male carers (browser journey)';
const RECOMMENDATION = 'Every agency includes fathers and male carers in its assessments of a child\'s needs.';
const MANAGER = 'ward.manager@northbrook-hospital.example';
const PHASE = process.env.PHASE || 'book';
const STATE = join(process.env.SHOTS_DIR, 'journey.json');

const signedIn = async (browser, email, js = false) => {
  const ctx = await context(browser, js);
  const page = await ctx.newPage();
  await signIn(page, email, PASSWORD);
  return page;
};

const book = async (page, sessionUrl, manager, expect) => {
  await page.goto(sessionUrl);
  await page.fill('#manager', manager);
  await page.click('form[action$="/book"] button');
  await expectSaved(page, expect);
};

async function bookPhase(browser) {
  // 1. A decided review, a recommendation, and a course planned from it.
  const { reference, caseUrl } = await decidedCase(browser, {
    group: 'Learning and Improvement Subgroup',
    childName: 'Noah Fairweather',
    agencies: ['Northbrook Borough Council Children\'s Services', 'Northbrook General Hospital NHS Foundation Trust'],
  });
  const bt = await signedIn(browser, 'business.manager@northbrook.example', true);
  await bt.goto(caseUrl);
  await bt.click('a:has-text("Open the review")');
  await bt.click('summary:has-text("Add a recommendation")');
  const recForm = bt.locator('form[action$="/recommendations"]');
  await recForm.locator('#recommendation').fill(RECOMMENDATION);
  await recForm.getByRole('group', { name: 'Addressed to' }).getByLabel('The partnership as a whole', { exact: true }).check();
  await recForm.locator('button:has-text("Add the recommendation")').click();
  await expectSaved(bt, 'Recommendation added');
  await bt.getByRole('link', { name: 'Plan training for recommendation 1' }).click();
  await expectText(bt, `Recommendation 1 of Case ${reference}`);
  await check(bt, 'course planned from a recommendation');
  await bt.fill('#title', COURSE);
  await bt.selectOption('#kind', { label: 'Workshop' });
  await bt.getByLabel('Level 2: core multi-agency').check();
  await bt.fill('#audience', 'Front-line staff of every agency who work with families');
  await bt.click('button:has-text("Add the course")');
  await expectText(bt, 'Enter at least one learning outcome');
  await check(bt, 'course without outcomes refused');
  await bt.fill('#outcomes', 'Include fathers and male carers in assessments\nRecognise risk from men who are not the birth father');
  await bt.click('button:has-text("Add the course")');
  await expectSaved(bt, 'Course added');
  await expectText(bt, `Recommendation 1 of Case ${reference}`);
  await check(bt, 'course page');
  const courseUrl = bt.url().replace(/[#?].*$/, '');

  // 2. Two sessions: two places in a fortnight, and one tomorrow.
  const addSession = async (days, capacity) => {
    await bt.goto(courseUrl);
    await fillDate(bt, 'on', daysFromToday(days));
    await bt.fill('#time', '09:30');
    await bt.fill('#length', '180');
    await bt.fill('#venue', 'Civic Centre, Committee Room 2');
    await bt.selectOption('#trainer', { label: 'Gareth Lewis' });
    await bt.fill('#capacity', String(capacity));
    await bt.click('button:has-text("Add the session")');
    await expectSaved(bt, 'Session added');
    return bt.url().replace(/[#?].*$/, '');
  };
  const sessionUrl = await addSession(14, 2);
  await check(bt, 'session page (business team)');
  const heldUrl = await addSession(1, 12);

  // 3. Two places booked, then the waiting list.
  const pr = await signedIn(browser, 'practitioner@northbrook.example');
  await pr.goto(`${BASE}/training`);
  await pr.click(`a:has-text("${COURSE}")`);
  await pr.goto(sessionUrl);
  await pr.fill('#manager', 'my ward manager');
  await pr.click('button:has-text("Book a place")');
  await expectText(pr, 'Enter an email address in the correct format');
  await check(pr, 'booking with a manager address that is not one refused');
  await pr.fill('#manager', MANAGER);
  await pr.click('button:has-text("Book a place")');
  await expectSaved(pr, 'Place booked');
  await expectText(pr, 'Your booking: Place confirmed');
  await check(pr, 'place booked');
  await book(await signedIn(browser, 'agency.lead@northbrook.example'), sessionUrl, 'superintendent@northbrook-police.example', 'Place booked');
  const aud = await signedIn(browser, 'auditor@northbrook.example');
  await book(aud, sessionUrl, 'head.of.quality@northbrook.example', 'on the waiting list');
  await expectText(aud, 'Your booking: On the waiting list');
  await check(aud, 'waiting list joined');

  // 4. The practitioner cancels; the auditor is offered the place by mail and takes it.
  await pr.goto(sessionUrl);
  await pr.click('button:has-text("Cancel your booking")');
  await expectSaved(pr, 'Booking cancelled');
  await check(pr, 'booking cancelled');
  const mail = await mailTo('auditor@northbrook.example', '/training/offers/');
  const link = mail.match(/https?:\/\/\S+\/training\/offers\/[0-9a-f]+/);
  if (!link) fail(`no offer link in the mail:\n${mail}`);
  const anyone = await (await context(browser, true)).newPage();
  await anyone.goto(link[0]);
  await expectText(anyone, 'A place is free for you');
  await check(anyone, 'offered place, from the mail');
  await anyone.click('button:has-text("Take the place")');
  await expectText(anyone, 'The place is yours');
  await check(anyone, 'offered place taken');
  await anyone.goto(link[0]);
  await expectText(anyone, 'has been used already');
  await bt.goto(sessionUrl);
  await expectText(bt, 'Place confirmed');
  if ((await bt.locator('text=On the waiting list').count()) > 0) fail('someone is still waiting');
  await check(bt, 'session bookings after the offer was taken');

  // 5. The practitioner books the next day's session instead.
  await book(pr, heldUrl, MANAGER, 'Place booked');
  mkdirSync(process.env.SHOTS_DIR, { recursive: true });
  writeFileSync(STATE, JSON.stringify({ courseUrl, heldUrl, reference }));
}

async function heldPhase(browser) {
  const { heldUrl } = JSON.parse(readFileSync(STATE, 'utf8'));
  // 6. The session's trainer marks who came.
  const trainer = await signedIn(browser, 'trainer@northbrook.example');
  await trainer.goto(heldUrl);
  await check(trainer, 'session held (trainer)');
  await trainer.getByLabel('Attended: Aisha Khan').check();
  await trainer.click('button:has-text("Save attendance")');
  await expectSaved(trainer, 'Attendance recorded');
  await check(trainer, 'attendance recorded');

  // 7. The practitioner evaluates it from the mail.
  const mail = await mailTo('practitioner@northbrook.example', '/training/evaluations/');
  const link = mail.match(/https?:\/\/\S+\/training\/evaluations\/[^\s"<>]+/);
  if (!link) fail(`no evaluation link in the mail:\n${mail}`);
  const pr = await signedIn(browser, 'practitioner@northbrook.example');
  await pr.goto(link[0]);
  await expectText(pr, 'How useful was the session for your work?');
  await check(pr, 'evaluation form');
  await pr.click('button:has-text("Send the evaluation")');
  await expectText(pr, 'There is a problem');
  await check(pr, 'evaluation without ratings refused');
  for (const [n, v] of [[1, 5], [2, 2], [3, 4], [4, 1], [5, 4]]) {
    await pr.locator(`input[name="rating-${n}"][value="${v}"]`).check();
  }
  await pr.fill('textarea[name="text"]', 'The case studies about fathers who are not on the birth certificate were the most useful part.');
  await pr.click('button:has-text("Send the evaluation")');
  await expectSaved(pr, 'Evaluation sent');
  await check(pr, 'evaluation sent');
}

async function followUpPhase(browser) {
  const { courseUrl, reference } = JSON.parse(readFileSync(STATE, 'utf8'));
  // 8. The line manager answers by the link, without an account, once.
  const mail = await mailTo(MANAGER, '/respond/');
  const link = mail.match(/https?:\/\/\S+\/respond\/[0-9a-f]+/);
  if (!link) fail(`no follow-up link in the manager's mail:\n${mail}`);
  const anyone = await (await context(browser, false)).newPage();
  await anyone.goto(link[0]);
  await expectText(anyone, 'Has their practice changed?');
  await check(anyone, 'line manager follow-up, from the mail');
  await anyone.fill('#answer-1', 'She now asks about every adult man in the household at the first visit.');
  await anyone.fill('#answer-2', 'In a recent assessment she found the mother\'s new partner and arranged a joint visit.');
  await anyone.click('button:has-text("Send your answer")');
  await expectText(anyone, 'Thank you');
  await check(anyone, 'line manager answer sent');
  await anyone.goto(link[0]);
  await expectText(anyone, 'used already');

  // 9. The practitioner answers their own follow-up.
  const own = await mailTo('practitioner@northbrook.example', 'Three months ago');
  const ret = own.match(/https?:\/\/\S+\/returns\/[^\s"<>]+/);
  if (!ret) fail(`no follow-up link in the practitioner's mail:\n${own}`);
  const pr = await signedIn(browser, 'practitioner@northbrook.example');
  await pr.goto(ret[0]);
  await check(pr, 'participant follow-up');
  await pr.fill('#answer-1', 'I ask who else lives in or visits the home, and record fathers by name.');
  await pr.fill('#answer-2', 'At a home visit last month I invited the father to the child\'s health review.');
  await pr.click('button:has-text("Submit return")');
  await expectSaved(pr, 'Return submitted');
  await check(pr, 'participant follow-up submitted');

  // 10. The course shows its results and what asked for it.
  const bt = await signedIn(browser, 'business.manager@northbrook.example', true);
  await bt.goto(courseUrl);
  await expectText(bt, `Recommendation 1 of Case ${reference}`);
  await expectText(bt, '1 of 1 evaluations sent in (100%)');
  await expectText(bt, '1 of 1 answered (100%)');
  await expectText(bt, 'arranged a joint visit');
  if ((await bt.locator('text=1 of 1 answered (100%)').count()) < 2) fail('participants and managers should each show 1 of 1 answered');
  await check(bt, 'course page with its results');

  // 11. Next year's needs, the agencies' own training, and an agency's view of its bookings.
  await bt.goto(`${BASE}/training`);
  await bt.click('a:has-text("Training needs")');
  await check(bt, 'training needs');
  await bt.fill('#need', 'Working with fathers who do not live with the child');
  await bt.getByRole('group', { name: 'Priority' }).getByLabel('High').check();
  await bt.getByRole('group', { name: 'Where the need came from' }).getByLabel('An agency\'s request').check();
  await bt.selectOption('#agency', { label: 'Northbrook Constabulary' });
  await bt.click('button:has-text("Add the need")');
  await expectSaved(bt, 'Training need added');
  await expectText(bt, 'Asked for by Northbrook Constabulary');
  await check(bt, 'training need added');
  await bt.goto(`${BASE}/training/register`);
  await check(bt, 'single-agency training register');
  await fillDate(bt, 'due', daysFromToday(60));
  await bt.click('button:has-text("Ask the agencies")');
  await expectText(bt, 'Single-agency training register');
  await check(bt, 'training register round');
  const lead = await signedIn(browser, 'agency.lead@northbrook.example');
  await lead.goto(`${BASE}/training`);
  await lead.click('a:has-text("Your agency\'s bookings and attendance")');
  await expectText(lead, COURSE);
  await check(lead, 'agency bookings and attendance');
}

await run(async (browser) => {
  if (PHASE === 'book') await bookPhase(browser);
  else if (PHASE === 'held') await heldPhase(browser);
  else if (PHASE === 'followup') await followUpPhase(browser);
  else fail(`unknown PHASE ${PHASE}`);
});
