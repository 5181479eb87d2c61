// The voice of children and young people in a real browser, with axe-core on each page: the
// business team records a consultation (a full name among those who took part is refused
// first), the year's priority, and what the young people said as "you said"; it becomes an
// action for the police; "you said, we did" shows it being done, and, once the police lead
// completes it, what was done, on a page a practitioner reads and prints. Environment:
// BASE_URL, SHOTS_DIR.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BASE, PASSWORD, check, context, daysFromToday, expectSaved, expectText, fail, fillDate, pdf, run, signIn,
  today,
} from './lib.mjs';

mkdirSync(process.env.SHOTS_DIR, { recursive: true });
const evidence = join(process.env.SHOTS_DIR, 'who-to-tell.pdf');
writeFileSync(evidence, pdf('Who to tell: the page for every school'), 'latin1');
const POLICE = 'Northbrook Constabulary';
const SAID = 'Tell us who we can talk to when something online worries us.';

const signedIn = async (browser, email, js = false) => {
  const ctx = await context(browser, js);
  const page = await ctx.newPage();
  await signIn(page, email, PASSWORD);
  return page;
};

await run(async (browser) => {
  const bt = await signedIn(browser, 'business.manager@northbrook.example', true);
  await bt.click('nav a:has-text("Voice of children")');
  await check(bt, 'voice of children and young people');
  await bt.fill('#priority', 'Feeling safe on the way to school');
  await bt.click('button:has-text("Add the priority")');
  await expectSaved(bt, 'Priority added');
  await bt.click('a:has-text("Record an event")');
  await check(bt, 'record an event');
  await bt.getByLabel('Consultation', { exact: true }).check();
  await fillDate(bt, 'held', today);
  await bt.fill('#topic', 'Feeling safe online');
  await bt.fill('#took_part', 'Year 10 pupils at Northbrook Academy\nSam Jones');
  await bt.fill('#heard', 'Most did not know who to tell when something online worried them.\nThey wanted one place to find out.');
  await bt.click('button:has-text("Save the event")');
  await expectText(bt, 'looks like a full name');
  await check(bt, 'a full name refused');
  await bt.fill('#took_part', 'Year 10 pupils at Northbrook Academy\nSam and Amy from the youth forum');
  await bt.click('button:has-text("Save the event")');
  await expectSaved(bt, 'Event recorded');
  const url = bt.url().replace(/[#?].*$/, '');
  const form = bt.locator('form[action$="/recommendations"]');
  await form.locator('#recommendation').fill(SAID);
  await form.getByRole('group', { name: 'Addressed to' }).getByLabel('The partnership as a whole').check();
  await form.locator('button:has-text("Add recommendation")').click();
  await expectSaved(bt, 'Recommendation added');
  await check(bt, 'the event with what young people said');

  await bt.getByRole('link', { name: 'Add an action for recommendation 1' }).click();
  await expectText(bt, 'Youth voice: Feeling safe online');
  await bt.fill('#description', 'Put a who-to-tell page on every school\'s website, written with pupils');
  await bt.selectOption('#lead_agency', { label: POLICE });
  await bt.selectOption('#owner', { label: 'Detective Inspector Sam Carter' });
  await fillDate(bt, 'due', daysFromToday(90));
  await bt.fill('#measure', 'Pupils asked can name someone to tell');
  await bt.click('button:has-text("Add the action")');
  await expectSaved(bt, 'Action added');
  const action = bt.url().replace(/[#?].*$/, '');
  await check(bt, 'the answer as an action');

  await bt.goto(`${BASE}/voice`);
  await expectText(bt, '1 of 3 held');
  await bt.click('a:has-text("You said, we did")');
  await expectText(bt, SAID);
  await expectText(bt, 'We are doing');
  await check(bt, 'you said, we are doing');

  // The police lead completes the action with evidence.
  const lead = await signedIn(browser, 'agency.lead@northbrook.example', true);
  await lead.goto(action);
  await lead.click('summary:has-text("Post an update")');
  await lead.fill('#body', 'Drafting the page with pupils from two schools.');
  await lead.getByRole('group', { name: 'Status' }).getByLabel('In progress', { exact: true }).check();
  await lead.click('button:has-text("Post the update")');
  await expectSaved(lead, 'Update posted');
  await lead.click('summary:has-text("Post an update")');
  await lead.fill('#body', 'Every secondary school now has a who-to-tell page, written with its pupils.');
  await lead.getByRole('group', { name: 'Status' }).getByLabel('Completed, awaiting evidence', { exact: true }).check();
  await lead.setInputFiles('#file', evidence);
  await lead.click('button:has-text("Post the update")');
  await expectSaved(lead, 'Update posted');
  await check(lead, 'the action completed');

  // The business team writes the answer for young people.
  await bt.goto(url);
  await bt.fill('#answer-1', 'Every secondary school now has a page that tells you who you can talk to.');
  await bt.click('button:has-text("Save the answer")');
  await expectSaved(bt, 'Answer saved');
  await check(bt, 'the answer for young people');

  // A practitioner reads what was done, on a page made for paper.
  const pr = await signedIn(browser, 'practitioner@northbrook.example');
  await pr.goto(`${BASE}/voice`);
  await expectText(pr, 'Feeling safe on the way to school');
  if (await pr.locator('text=Sam and Amy').count()) fail('a practitioner sees who took part');
  await pr.click('a:has-text("You said, we did")');
  await expectText(pr, 'We did');
  await expectText(pr, 'Put a who-to-tell page on every school');
  if (await pr.locator('text=Drafting the page with pupils').count()) fail('a progress note is shown to young people');
  await expectText(pr, 'Every secondary school now has a page that tells you who you can talk to');
  await pr.emulateMedia({ media: 'print' });
  if (await pr.locator('.govuk-service-navigation').isVisible()) fail('the menus are printed');
  await pr.emulateMedia({ media: 'screen' });
  await check(pr, 'you said, we did, read by a practitioner');
  const refused = await pr.goto(url);
  if (refused.status() !== 403) fail(`a practitioner read the event (${refused.status()})`);
});
