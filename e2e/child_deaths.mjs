// Learning from child deaths in a real browser, with axe-core on each page: the business team
// records the child death overview panel's annual report (deaths with modifiable factors
// outnumbering the deaths reviewed are refused first), adds its document and a recommendation
// to the hospital trust that becomes an action; from the report it refers a case with the panel
// as referrer, considers it and recommends a local learning review, which the independent chair
// signs off. A practitioner cannot read the report until it is published. Environment:
// BASE_URL, SHOTS_DIR.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  BASE, PASSWORD, check, context, daysFromToday, expectSaved, expectStage, expectText, fail, fillDate, pdf, run,
  signIn, summaryValue, today,
} from './lib.mjs';

mkdirSync(process.env.SHOTS_DIR, { recursive: true });
const document = join(process.env.SHOTS_DIR, 'cdop-annual-report.pdf');
writeFileSync(document, pdf('Child death overview panel annual report'), 'latin1');
const HOSPITAL = 'Northbrook General Hospital NHS Foundation Trust';

const signedIn = async (browser, email, js = false) => {
  const ctx = await context(browser, js);
  const page = await ctx.newPage();
  await signIn(page, email, PASSWORD);
  return page;
};

await run(async (browser) => {
  const bt = await signedIn(browser, 'business.manager@northbrook.example', true);
  await bt.click('nav a:has-text("Child deaths")');
  await expectText(bt, 'national child death systems');
  await check(bt, 'learning from child deaths');
  await bt.click('a:has-text("Record an annual report")');
  await check(bt, 'record an annual report');
  await bt.fill('#deaths', '38');
  await bt.fill('#modifiable', '40');
  await bt.fill('#themes', 'Safe sleep\nWater safety');
  await bt.fill('#summary', 'Unsafe sleep was a modifiable factor in five infant deaths.\nTwo drownings happened in garden ponds.');
  await bt.click('button:has-text("Save the report")');
  await expectText(bt, 'cannot be more than the 38 reviewed');
  await check(bt, 'modifiable factors above the deaths refused');
  await bt.fill('#modifiable', '11');
  await bt.click('button:has-text("Save the report")');
  await expectSaved(bt, 'Annual report recorded');
  const url = bt.url().replace(/[#?].*$/, '');
  if ((await summaryValue(bt, 'With modifiable factors')) !== '11') fail('the figure is not shown');
  await bt.setInputFiles('#file', document);
  await bt.click('button:has-text("Upload")');
  await expectSaved(bt, 'Report added');
  await bt.waitForSelector('a:has-text("cdop-annual-report.pdf")');
  const form = bt.locator('form[action$="/recommendations"]');
  await form.locator('#recommendation').fill('Give safe sleep advice at every contact in a baby\'s first year, and record it.');
  await form.getByRole('group', { name: 'Addressed to' }).getByLabel('Named agencies (choose below)').check();
  await form.getByRole('group', { name: 'Agencies' }).getByLabel(HOSPITAL).check();
  await form.locator('button:has-text("Add recommendation")').click();
  await expectSaved(bt, 'Recommendation added');
  await check(bt, 'annual report with its document and recommendation');

  await bt.getByRole('link', { name: 'Add an action for recommendation 1' }).click();
  await expectText(bt, 'Child death overview panel annual report');
  await bt.fill('#description', 'Add safe sleep advice to every postnatal and health visiting checklist');
  await bt.selectOption('#lead_agency', { label: HOSPITAL });
  await bt.selectOption('#owner', { label: 'Priya Shah' });
  await fillDate(bt, 'due', daysFromToday(120));
  await bt.fill('#measure', 'The checklist audit shows the advice given and recorded');
  await bt.click('button:has-text("Add the action")');
  await expectSaved(bt, 'Action added');
  if ((await summaryValue(bt, 'Plan owned by')) !== 'Safeguarding Children Partnership Executive') fail('the action is not on the board\'s plan');
  await check(bt, 'action from the panel\'s recommendation');

  // A practitioner does not read it before it is published.
  const pr = await signedIn(browser, 'practitioner@northbrook.example');
  const refused = await pr.goto(url);
  if (refused.status() !== 403) fail(`a practitioner read the unpublished report (${refused.status()})`);
  await pr.goto(`${BASE}/child-deaths`);
  await expectText(pr, 'No annual report published yet');
  await check(pr, 'child deaths read by a practitioner');

  // The panel refers a case through the referral, named as the referrer.
  await bt.goto(url);
  await bt.click('a:has-text("refer it from the panel")');
  await check(bt, 'referral from the panel');
  if (!(await bt.getByLabel('The child death overview panel').isChecked())) fail('the panel is not the referrer');
  await bt.fill('#referrer', 'Dr Ade Okoro, chair of the child death overview panel');
  await bt.fill('#reason', 'Infant E died suddenly at eleven weeks; two health visits were missed and the family had moved twice.');
  await bt.fill('#question', 'Should the partnership hold a local learning review?');
  await bt.getByRole('group', { name: 'Agencies involved' }).getByLabel(HOSPITAL, { exact: true }).check();
  await bt.click('button:has-text("Send the referral")');
  await expectSaved(bt, 'Referral sent');
  const heading = (await bt.textContent('h1')).trim();
  const reference = heading.replace(/^Case /, '');
  const caseUrl = bt.url().replace(/[#?].*$/, '');
  await check(bt, 'case referred by the panel');

  await bt.click('a:has-text("Add someone to the panel")');
  await bt.selectOption('#person', { label: 'Margaret Osei' });
  await bt.click('button:has-text("Add to the panel")');
  await expectSaved(bt, 'Panel updated');
  await bt.click('summary:has-text("Record the rapid review")');
  await bt.fill('#facts', 'Infant E was found unresponsive in an adult bed.\nTwo health visits were missed after the family moved.');
  await bt.fill('#safety_assurance', 'There are no other children in the household.');
  await bt.fill('#safety_by', HOSPITAL);
  await bt.fill('#learning', 'How health visiting follows families who move between areas.');
  await bt.getByRole('group', { name: 'Recommendation on next steps' }).getByLabel('Local learning review (below the statutory threshold)').check();
  await bt.click('button:has-text("Save the rapid review")');
  await expectSaved(bt, 'Rapid review saved');
  await check(bt, 'the referral considered');

  const ic = await signedIn(browser, 'independent.chair@northbrook.example', true);
  await ic.click('nav a:has-text("Case reviews")');
  await ic.click(`a:has-text("${reference}")`);
  await fillDate(ic, 'signed', today);
  await ic.click('button:has-text("Sign off the decision")');
  await expectSaved(ic, 'Decision signed off');
  await expectStage(ic, 'Decision made');
  await ic.goto(`${caseUrl}/review`);
  await expectText(ic, 'Local learning review');
  await expectText(ic, 'The child death overview panel');
  await check(ic, 'a local learning review opened from the panel\'s referral');
});
