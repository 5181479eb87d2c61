// Training in a real browser, with axe-core on each page. The business team adds a course
// (first without learning outcomes, and is told to) and a session of two places delivered by
// the demo trainer. The practitioner books a place (first with a line manager's address that is
// not one), the agency lead the second; the auditor, finding it full, joins the waiting list.
// The practitioner cancels: the auditor gets a mail through the real SMTP server with a link
// that holds the freed place, opens it without signing in and takes the place; the link then
// works no more. The business team finds the auditor's place confirmed. With JavaScript off for
// the people booking.
//
// Environment: BASE_URL, MAILDIR, SHOTS_DIR.

import {
  BASE, PASSWORD, check, context, daysFromToday, expectSaved, expectText, fail, fillDate, mailTo, run, signIn,
} from './lib.mjs';

const COURSE = 'Working with fathers and male carers (browser journey)';

await run(async (browser) => {
  const team = await context(browser, true);
  const bt = await team.newPage();
  await signIn(bt, 'business.manager@northbrook.example', PASSWORD);

  // 1. A course, then a session of two places.
  await bt.click('nav a:has-text("Training")');
  await expectText(bt, 'Sessions coming up');
  await check(bt, 'training programme');
  await bt.click('a:has-text("Add a course")');
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
  await check(bt, 'course page');
  await fillDate(bt, 'on', daysFromToday(14));
  await bt.fill('#venue', 'Civic Centre, Committee Room 2');
  await bt.selectOption('#trainer', { index: 1 });
  await bt.fill('#capacity', '2');
  await bt.click('button:has-text("Add the session")');
  await expectSaved(bt, 'Session added');
  await check(bt, 'session page (business team)');
  const sessionUrl = bt.url().replace(/[#?].*$/, '');

  // 2. Two places booked, then the waiting list.
  const book = async (email, manager, expect) => {
    const ctx = await context(browser, false);
    const page = await ctx.newPage();
    await signIn(page, email, PASSWORD);
    await page.goto(sessionUrl);
    await page.fill('#manager', manager);
    await page.click('form[action$="/book"] button');
    await expectSaved(page, expect);
    return page;
  };
  const prCtx = await context(browser, false);
  const pr = await prCtx.newPage();
  await signIn(pr, 'practitioner@northbrook.example', PASSWORD);
  await pr.goto(`${BASE}/training`);
  await pr.click(`a:has-text("${COURSE}")`);
  await pr.fill('#manager', 'my ward manager');
  await pr.click('button:has-text("Book a place")');
  await expectText(pr, 'Enter an email address in the correct format');
  await check(pr, 'booking with a manager address that is not one refused');
  await pr.fill('#manager', 'ward.manager@northbrook-hospital.example');
  await pr.click('button:has-text("Book a place")');
  await expectSaved(pr, 'Place booked');
  await expectText(pr, 'Your booking: Place confirmed');
  await check(pr, 'place booked');
  await book('agency.lead@northbrook.example', 'superintendent@northbrook-police.example', 'Place booked');
  const aud = await book('auditor@northbrook.example', 'head.of.quality@northbrook.example', 'on the waiting list');
  await expectText(aud, 'Your booking: On the waiting list');
  await check(aud, 'waiting list joined');

  // 3. The practitioner cancels; the auditor is offered the place by mail and takes it.
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

  // 4. The business team sees who has the places.
  await bt.goto(sessionUrl);
  await expectText(bt, 'Place confirmed');
  if ((await bt.locator('text=On the waiting list').count()) > 0) fail('someone is still waiting');
  await check(bt, 'session bookings after the offer was taken');
});
