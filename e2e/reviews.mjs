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
import { BASE, PASSWORD, check, context, expectText, fail, run, signIn } from './lib.mjs';

const CHILD_NAME = 'Jayden Oakfield';
const REVIEWER = 'Dr Alison Fairbrother';
const AGENCIES = ['Northbrook Borough Council Children\'s Services', 'Northbrook General Hospital NHS Foundation Trust'];
const LCSPR = 'Local child safeguarding practice review';

// Dates relative to today, in the local calendar day the server also uses (UTC).
const DAY = 24 * 60 * 60 * 1000;
const today = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()));
const daysFromToday = (n) => new Date(today.getTime() + n * DAY);
const parts = (d) => ({ day: String(d.getUTCDate()), month: String(d.getUTCMonth() + 1), year: String(d.getUTCFullYear()) });

// Like expectText, but a form sent back with errors says what they were.
async function expectSaved(page, text) {
  const body = await page.textContent('body');
  if (body.includes(text)) return;
  const problems = await page.locator('.govuk-error-summary').textContent().catch(() => '');
  fail(`expected "${text}" on ${page.url()}${problems ? `; the form said: ${problems.replace(/\s+/g, ' ').trim()}` : ''}`);
}

// The stage in the case's or the review's summary list.
async function expectStage(page, label) {
  const row = page.locator('.govuk-summary-list__row', { has: page.locator('dt', { hasText: /^Stage$/ }) }).first();
  const stage = (await row.locator('dd').textContent()).trim();
  if (stage !== label) fail(`expected the stage "${label}" on ${page.url()}, found "${stage}"`);
}

async function fillDate(page, prefix, d) {
  const p = parts(d);
  await page.fill(`#${prefix}-day`, p.day);
  await page.fill(`#${prefix}-month`, p.month);
  await page.fill(`#${prefix}-year`, p.year);
}

// A minimal, valid one-page PDF (cross-reference offsets computed, not guessed).
function pdf(title) {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    null,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  const text = `BT /F1 14 Tf 72 770 Td (${title}) Tj ET`;
  objects[3] = `<< /Length ${text.length} >>\nstream\n${text}\nendstream`;
  let out = '%PDF-1.4\n';
  const offsets = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const o of offsets) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'learnloop-reviews-'));
const draftPdf = join(dir, 'child-a-draft-report.pdf');
const finalPdf = join(dir, 'child-a-final-report.pdf');
writeFileSync(draftPdf, pdf('Child A: draft report'), 'latin1');
writeFileSync(finalPdf, pdf('Child A: final report'), 'latin1');

await run(async (browser) => {
  try {
    // 1. The business team records the notification.
    const team = await context(browser, true);
    const page = await team.newPage();
    await signIn(page, 'business.manager@northbrook.example', PASSWORD);
    await page.click('nav a:has-text("Case reviews")');
    await check(page, 'case reviews');
    await page.click('a:has-text("Record a serious incident notification")');
    await check(page, 'record a notification');
    await page.click('button:has-text("Record notification")');
    await expectText(page, 'There is a problem');
    await check(page, 'notification with errors');

    await page.getByRole('group', { name: 'What was notified' })
      .getByLabel('Death or serious harm, abuse or neglect known or suspected').check();
    await fillDate(page, 'aware', daysFromToday(-3));
    await fillDate(page, 'notified', daysFromToday(-2));
    await page.fill('#panel_reference', 'NCSPRP-2026-0412');
    // Text areas take several lines, as people type them.
    await page.fill('#summary', 'Child A, aged 2, was admitted to hospital with injuries that suggest physical abuse.\nThe family were known to children\'s services and to health visiting.');
    await page.fill('#child-1-pseudonym', 'Child A');
    await page.fill('#child-1-name', CHILD_NAME);
    for (const agency of AGENCIES) {
      await page.getByRole('group', { name: 'Agencies involved' }).getByLabel(agency, { exact: true }).check();
    }
    await page.selectOption('#group', { label: 'Serious Incident and Learning Group' });
    await page.click('button:has-text("Record notification")');
    await expectSaved(page, 'Notification recorded: its deadlines have started');
    const heading = (await page.textContent('h1')).trim();
    const reference = heading.replace(/^Case /, '');
    if (!reference || reference === heading) fail(`no case reference in "${heading}"`);
    await expectText(page, `Deadlines of case ${reference}`);
    await expectText(page, CHILD_NAME);
    const caseUrl = page.url().replace(/[#?].*$/, '');
    const id = caseUrl.split('/').pop();
    await check(page, 'case recorded with its deadlines');

    // 2. The independent chair joins the panel; the rapid review is recorded.
    await page.selectOption('#person', { label: 'Margaret Osei' });
    await page.click('button:has-text("Add to the panel")');
    await expectSaved(page, 'Panel updated');
    await check(page, 'panel updated');

    await page.click('summary:has-text("Record the rapid review")');
    await page.fill('#facts', 'Child A was seen by the health visitor two weeks before the admission.\nBruising was noted and not referred.\nPolice attended a domestic incident at the address a month earlier.');
    await page.fill('#safety_assurance', 'Child A and a sibling are placed with their grandmother under a child protection plan; contact with the parents is supervised.');
    await page.fill('#safety_by', 'Northbrook Borough Council Children\'s Services');
    await page.fill('#learning', 'How bruising in non-mobile babies is responded to, and how police share domestic incidents with health.');
    await page.getByRole('group', { name: 'Recommendation on next steps' }).getByLabel(LCSPR, { exact: true }).check();
    await page.click('button:has-text("Save the rapid review")');
    await expectSaved(page, 'Rapid review saved');
    await expectText(page, 'Waiting for the independent chair');
    await expectStage(page, 'Rapid review');
    await check(page, 'rapid review recorded');
    await team.close();

    // 3. The independent chair signs off the decision.
    const icCtx = await context(browser, true);
    const ic = await icCtx.newPage();
    await signIn(ic, 'independent.chair@northbrook.example', PASSWORD);
    await ic.click('nav a:has-text("Case reviews")');
    await check(ic, 'independent chair case reviews');
    await ic.click(`a:has-text("${reference}")`);
    await check(ic, 'independent chair reads the case');
    await fillDate(ic, 'signed', today);
    await ic.click('button:has-text("Sign off the decision")');
    await expectSaved(ic, 'Decision signed off');
    await expectStage(ic, 'Decision made');
    await check(ic, 'decision signed off');
    await icCtx.close();

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
