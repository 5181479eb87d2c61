// Case reviews in a real browser, with axe-core on each page: the business team records a
// serious incident notification (the deadlines start at once), puts the independent chair on
// the case's panel and records the rapid review; the independent chair signs off the decision
// to hold a local child safeguarding practice review; the business team agrees its terms of
// reference and reviewer, adds a draft and then the final report, a finding and a
// recommendation, and records the decision to publish; the tracker shows the case, filters
// keep it and its spreadsheet downloads. An agency lead who is not on the panel is refused the
// review and never sees the child's name.
//
// Environment: BASE_URL, SHOTS_DIR.

import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BASE, LCSPR, PASSWORD, check, context, daysFromToday, decidedCase, expectSaved, expectStage, expectText,
  fail, fillDate, pdf, run, signIn, today,
} from './lib.mjs';

const CHILD_NAME = 'Jayden Oakfield';
const REVIEWER = 'Dr Alison Fairbrother';
const AGENCIES = ['Northbrook Borough Council Children\'s Services', 'Northbrook General Hospital NHS Foundation Trust'];

const dir = mkdtempSync(join(tmpdir(), 'learnloop-reviews-'));
const draftPdf = join(dir, 'child-a-draft-report.pdf');
const finalPdf = join(dir, 'child-a-final-report.pdf');
writeFileSync(draftPdf, pdf('Child A: draft report'), 'latin1');
writeFileSync(finalPdf, pdf('Child A: final report'), 'latin1');

await run(async (browser) => {
  try {
    // 1-3. The business team records the notification, the independent chair joins the panel,
    // the rapid review is recorded and the independent chair signs off the decision.
    const { reference, id, caseUrl } = await decidedCase(browser, {
      group: 'Serious Incident and Learning Group',
      childName: CHILD_NAME,
      agencies: AGENCIES,
    });

    // 4. The business team runs the review.
    const runCtx = await context(browser, true);
    const r = await runCtx.newPage();
    await signIn(r, 'business.manager@northbrook.example', PASSWORD);
    await r.goto(caseUrl);
    await r.click('a:has-text("Open the review")');
    await expectText(r, LCSPR);
    await expectStage(r, 'Decision made');
    await check(r, 'review page');

    await fillDate(r, 'scope-from', daysFromToday(-365));
    await fillDate(r, 'scope-to', daysFromToday(-3));
    await r.fill('#lines', [
      'How practitioners responded to bruising in a non-mobile baby',
      'How information about domestic abuse reached health visiting',
      'Whether the voice of Child A was heard',
    ].join('\n'));
    await r.getByRole('group', { name: 'Methodology' }).getByLabel('Systems approach', { exact: true }).check();
    await r.fill('#proportionality', 'Several agencies were involved over a year: a systems approach finds why practice happened as it did.');
    await r.fill('#reviewer', REVIEWER);
    await r.fill('#independence', 'Has never worked for any of the agencies involved.');
    await r.fill('#reviewer_reason', 'Experienced in systems reviews of harm to babies.');
    await r.fill('#family', 'Child A\'s grandmother and mother were invited to meet the reviewer; the mother agreed.');
    await fillDate(r, 'agreed', today);
    await r.click('button:has-text("Save the terms of reference")');
    await expectSaved(r, 'Terms of reference and reviewer saved');
    await expectStage(r, 'Review under way');
    await check(r, 'terms of reference saved');

    const addReport = async (kind, note, file) => {
      await r.getByRole('group', { name: 'Which version is this?' }).getByLabel(kind, { exact: true }).check();
      await r.fill('#note', note);
      await r.setInputFiles('#file', file);
      await r.click('button:has-text("Add the report")');
      await expectSaved(r, 'Report added');
    };
    await addReport('A draft', 'Considered by the group this month', draftPdf);
    await expectStage(r, 'Draft report');
    await check(r, 'draft report added');
    await addReport('The final report', 'Agreed by the partnership', finalPdf);
    await expectStage(r, 'Final report');
    await check(r, 'final report added');

    await r.click('summary:has-text("Add a finding")');
    await r.fill('#finding', 'Bruising in a baby who could not yet move was seen but not referred: practitioners did not follow the partnership\'s protocol.');
    await r.getByRole('group', { name: 'Themes' }).first().getByLabel('Professional curiosity and challenge', { exact: true }).check();
    await r.click('button:has-text("Add the finding")');
    await expectSaved(r, 'Finding added');
    await check(r, 'finding added');

    await r.click('summary:has-text("Add a recommendation")');
    await r.fill('#recommendation', 'Train every health visitor and GP in the bruising protocol for non-mobile babies, and audit its use within six months.');
    await r.getByRole('group', { name: 'Addressed to' }).getByLabel('Named agencies (choose below)', { exact: true }).check();
    for (const agency of AGENCIES) {
      await r.getByRole('group', { name: 'Agencies', exact: true }).getByLabel(agency, { exact: true }).check();
    }
    await r.click('button:has-text("Add the recommendation")');
    await expectSaved(r, 'Recommendation added');
    await expectText(r, AGENCIES.join(', '));
    await check(r, 'recommendation added');

    await r.getByRole('group', { name: 'Decision', exact: true }).getByLabel('Publish in full', { exact: true }).check();
    await r.fill('#public_interest', 'The learning about babies\' bruising matters to every partnership: publishing it serves the public interest.');
    await r.fill('#child_welfare', 'Child A and the sibling are anonymised; their grandmother was consulted and agrees.');
    await r.fill('#legal', 'None: no reporting restrictions apply.\nThe family court has been told.');
    await r.fill('#criminal', 'Criminal proceedings concluded; the police and the Crown Prosecution Service agree.');
    await fillDate(r, 'decided', today);
    await fillDate(r, 'sent', today);
    // At least 7 working days' notice: three calendar weeks is enough even over Christmas.
    await fillDate(r, 'planned', daysFromToday(21));
    await r.click('button:has-text("Save the publication decision")');
    await expectSaved(r, 'Publication decision saved');
    await expectStage(r, 'Publication decided');
    await expectText(r, 'Publish in full');
    const body = await r.textContent('body');
    if (body.includes('less than 7 working days before publication')) fail('the notice to the Panel was judged too short');
    await check(r, 'publication decided');

    // 5. The tracker shows the case; the filter keeps it; the spreadsheet downloads.
    await r.click('nav a:has-text("Case reviews")');
    const row = r.locator('tr', { has: r.locator(`a:has-text("${reference}")`) });
    const rowText = await row.textContent();
    for (const t of [REVIEWER, 'Publish in full', LCSPR, 'Publication decided']) {
      if (!rowText.includes(t)) fail(`the tracker's row for ${reference} lacks "${t}": ${rowText}`);
    }
    await check(r, 'tracker');
    await r.selectOption('#type', { label: LCSPR });
    await r.click('button:has-text("Apply filters")');
    if (!r.url().includes('type=lcspr')) fail(`the filter was not applied: ${r.url()}`);
    await r.waitForSelector(`a:has-text("${reference}")`);
    await check(r, 'tracker filtered by type');
    const xlsx = await r.getAttribute('a:has-text("Excel (XLSX)")', 'href');
    const got = await runCtx.request.get(new URL(xlsx, BASE).toString());
    if (got.status() !== 200) fail(`the XLSX export answered ${got.status()}`);
    if (!(got.headers()['content-type'] || '').includes('spreadsheetml')) fail('the XLSX export is not a workbook');
    const bytes = await got.body();
    if (bytes.subarray(0, 2).toString('latin1') !== 'PK') fail('the XLSX export is not a zip');
    await runCtx.close();

    // 6. An agency lead not on the panel is refused the review and never sees the name.
    const leadCtx = await context(browser, true);
    const lead = await leadCtx.newPage();
    await signIn(lead, 'agency.lead@northbrook.example', PASSWORD);
    const refused = await lead.goto(`${BASE}/reviews/${id}/review`);
    if (refused.status() !== 403) fail(`an agency lead not on the panel got ${refused.status()} for the review`);
    await expectText(lead, 'You do not have permission to see this page');
    await check(lead, 'agency lead refused the review');
    const summary = await lead.goto(caseUrl);
    if (summary.status() !== 200) fail(`an agency lead got ${summary.status()} for the case summary`);
    await expectText(lead, `Case ${reference}`);
    const seen = await lead.content();
    if (seen.includes(CHILD_NAME) || seen.includes('Jayden')) fail('the agency lead saw the child\'s name');
    if (seen.includes('Open the review')) fail('the agency lead was offered the review');
    await check(lead, 'agency lead reads the summary');
    await leadCtx.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
