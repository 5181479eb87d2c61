// Action plans in a real browser, with axe-core on each page: a serious incident becomes a
// decided practice review overseen by the Learning and Improvement Subgroup; on the review the
// business team adds a recommendation addressed to two agencies and three actions across two
// lead agencies, one of them owned by the agency lead; the agency lead (with JavaScript off)
// moves it to in progress, then to completed with a PDF as evidence; the subgroup's chair signs
// it off and its impact review is scheduled six months ahead; the business team records the
// impact review. The review's plan downloads as a workbook, which is edited in Node (exceljs)
// with two new rows, one naming an agency the partnership does not have: the import's preview
// names the row, the column and the fix and adds nothing; once fixed, it adds the two actions.
//
// Environment: BASE_URL, SHOTS_DIR.

import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import {
  PASSWORD, check, context, daysFromToday, decidedCase, expectSaved, expectText, fail, fillDate, iso, pdf,
  run, signIn, summaryValue, today,
} from './lib.mjs';

const GROUP = 'Learning and Improvement Subgroup';
const CHILDRENS = 'Northbrook Borough Council Children\'s Services';
const HOSPITAL = 'Northbrook General Hospital NHS Foundation Trust';
const THEME = 'Multi-agency information sharing';
const RECOMMENDATION = 'Police and health share every domestic incident involving a baby with the health visitor the same day.';
const UNKNOWN_AGENCY = 'Northbrook Fire and Rescue Service';

const dir = mkdtempSync(join(tmpdir(), 'learnloop-actions-'));
const evidencePdf = join(dir, 'same-day-sharing-audit.pdf');
writeFileSync(evidencePdf, pdf('Audit: domestic incidents shared the same day'), 'latin1');
const workbook = join(dir, 'action-plan.xlsx');

// A day as the pages show it: 2027-05-25, or 25 May 2027.
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const longDate = (d) => `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
const showsDay = (text, d) => text.includes(iso(d)) || text.includes(longDate(d));
function dayShown(text) {
  const m = text.match(/(\d{4})-(\d{2})-(\d{2})/);
  if (m) return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  const l = text.match(new RegExp(`(\\d{1,2}) (${MONTHS.join('|')}) (\\d{4})`));
  if (l) return new Date(Date.UTC(+l[3], MONTHS.indexOf(l[2]), +l[1]));
  return fail(`no date in "${text}"`);
}

// The row of an action in the plan's table, by its description.
async function planRow(page, description) {
  return page.locator('tr', { has: page.locator(`a:text-is("${description}")`) });
}

// Ticks exactly the wanted boxes of a group of checkboxes.
async function tickOnly(group, wanted) {
  for (const box of await group.getByRole('checkbox').all()) {
    const label = (await box.evaluate((el) => el.labels[0].textContent)).trim();
    await box.setChecked(wanted.includes(label));
  }
}

await run(async (browser) => {
  try {
    // 0. The agency lead's own agency, from where "your agency's open actions" leads.
    const leadCtx = await context(browser, false);
    const lead = await leadCtx.newPage();
    await signIn(lead, 'agency.lead@northbrook.example', PASSWORD);
    const leadName = (await lead.textContent('.app-account__text')).replace(/^[\s\S]*Signed in as /, '').trim();
    await lead.click('nav a:has-text("Actions")');
    await check(lead, 'agency lead actions');
    await lead.click('a:has-text("Your agency\'s open actions")');
    if (!/[?&]agency=/.test(lead.url())) fail(`"your agency's open actions" went to ${lead.url()}`);
    const leadAgency = (await lead.locator('#agency option[selected]').textContent()).trim();
    if (!leadAgency || leadAgency === 'Any') fail(`the agency lead's agency is not chosen on ${lead.url()}`);
    await expectText(lead, `Actions of ${leadAgency}`);
    await check(lead, 'agency lead agency actions');
    // The recommendation is addressed to the lead's agency and one other.
    const other = [CHILDRENS, HOSPITAL].find((a) => a !== leadAgency);

    // 1. A notification, the panel, the rapid review and the independent chair's sign-off.
    const { reference, id, caseUrl } = await decidedCase(browser, {
      group: GROUP,
      childName: 'Kian Ashdown',
      agencies: [CHILDRENS, HOSPITAL],
    });

    // 2. The business team adds a recommendation and three actions to the review.
    const team = await context(browser, true);
    const bt = await team.newPage();
    await signIn(bt, 'business.manager@northbrook.example', PASSWORD);
    const openReview = async () => {
      await bt.goto(caseUrl);
      await bt.click('a:has-text("Open the review")');
      await expectText(bt, `Review of case ${reference}`);
    };
    await openReview();
    // The page's title is its heading, and the plan is shown once, after the recommendations.
    if ((await bt.title()) !== `Review of case ${reference} – Learnloop`) fail(`the review's title is "${await bt.title()}"`);
    if ((await bt.locator('h2:text-is("Action plan")').count()) !== 1) fail('the review shows its action plan more than once');
    await check(bt, 'review without a plan');
    await bt.click('summary:has-text("Add a recommendation")');
    const recForm = bt.locator('form[action$="/recommendations"]');
    await recForm.locator('#recommendation').fill(RECOMMENDATION);
    await recForm.getByRole('group', { name: 'Addressed to' }).getByLabel('Named agencies (choose below)', { exact: true }).check();
    for (const agency of [leadAgency, other]) {
      await recForm.getByRole('group', { name: 'Agencies', exact: true }).getByLabel(agency, { exact: true }).check();
    }
    await recForm.getByRole('group', { name: 'Themes' }).getByLabel(THEME, { exact: true }).check();
    await recForm.locator('button:has-text("Add the recommendation")').click();
    await expectSaved(bt, 'Recommendation added');
    const recRow = bt.locator('tr', { has: bt.locator('td', { hasText: RECOMMENDATION }) });
    const recText = (await recRow.textContent()).replace(/\s+/g, ' ');
    for (const t of [leadAgency, other, THEME]) {
      if (!recText.includes(t)) fail(`the recommendation's row lacks "${t}": ${recText}`);
    }
    await check(bt, 'recommendation added');

    const actions = [
      {
        description: 'Share every domestic incident involving a child under 2 with the health visitor the same day',
        lead: leadAgency,
        supporting: [other],
        owner: leadName,
        due: daysFromToday(10),
        measure: 'A dip sample of 20 incidents finds each shared with health within 24 hours',
      },
      {
        description: 'Brief every social worker on the bruising protocol for non-mobile babies',
        lead: other,
        supporting: [],
        owner: 'Priya Shah',
        due: daysFromToday(90),
        measure: 'Every social work team has had the briefing, and a re-audit finds the protocol followed',
      },
      {
        description: 'Add the bruising protocol to the induction of new staff',
        lead: other,
        supporting: [leadAgency],
        owner: 'Aisha Khan',
        due: daysFromToday(120),
        measure: 'Induction records show the protocol covered for every starter',
      },
    ];
    for (const [i, a] of actions.entries()) {
      await bt.getByRole('link', { name: 'Add an action to recommendation 1' }).click();
      await expectText(bt, RECOMMENDATION);
      if (i === 0) {
        await check(bt, 'add an action');
        await bt.click('button:has-text("Add the action")');
        await expectText(bt, 'There is a problem');
        await expectText(bt, 'Choose the person who owns the action');
        await check(bt, 'action with errors');
      }
      await bt.fill('#description', a.description);
      await bt.selectOption('#lead_agency', { label: a.lead });
      await tickOnly(bt.getByRole('group', { name: 'Supporting agencies (optional)' }), a.supporting);
      await bt.selectOption('#owner', { label: a.owner });
      await fillDate(bt, 'due', a.due);
      await bt.fill('#measure', a.measure);
      await bt.click('button:has-text("Add the action")');
      await expectSaved(bt, 'Action added');
      a.url = bt.url().replace(/[#?].*$/, '');
      if ((await summaryValue(bt, 'Lead agency')) !== a.lead) fail(`action ${i + 1} is not led by ${a.lead}`);
      if ((await summaryValue(bt, 'Owner')) !== a.owner) fail(`action ${i + 1} is not owned by ${a.owner}`);
      if ((await summaryValue(bt, 'Plan owned by')) !== GROUP) fail(`action ${i + 1}'s plan is not owned by the ${GROUP}`);
      await expectText(bt, a.measure);
      await expectText(bt, 'Not started');
      await check(bt, `action ${i + 1} added`);
      await bt.click(`a:has-text("Case ${reference}")`);
      await bt.click('a:has-text("Open the review")');
    }
    for (const a of actions) {
      const row = await planRow(bt, a.description);
      if (!(await row.textContent()).includes('Not started')) fail(`the review's plan lacks "${a.description}"`);
    }
    await check(bt, 'review with its plan');

    // 3. The agency lead (with JavaScript off) finds their action and updates it twice.
    const mine = actions[0];
    await lead.click('nav a:has-text("Home")');
    await lead.click(`a:has-text("Your action: ${mine.description}")`);
    await check(lead, 'agency lead opens the action');
    await lead.click('summary:has-text("Post an update")');
    await lead.fill('#body', 'Police and health visiting have agreed a same-day notification.\nThe first notifications went this week.');
    await lead.getByRole('group', { name: 'Status' }).getByLabel('In progress', { exact: true }).check();
    await lead.click('button:has-text("Post the update")');
    await expectSaved(lead, 'Update posted');
    if (!(await summaryValue(lead, 'Status')).startsWith('In progress')) {
      fail(`the status after the first update is "${await summaryValue(lead, 'Status')}"`);
    }
    await check(lead, 'action in progress');
    await lead.click('summary:has-text("Post an update")');
    await lead.fill('#body', 'Every incident in the last month was shared the same day: the dip sample is attached.');
    await lead.getByRole('group', { name: 'Status' }).getByLabel('Completed, awaiting evidence', { exact: true }).check();
    await lead.setInputFiles('#file', evidencePdf);
    await lead.click('button:has-text("Post the update")');
    await expectSaved(lead, 'Update posted');
    if (!(await summaryValue(lead, 'Status')).startsWith('Completed, awaiting evidence')) {
      fail(`the status after the second update is "${await summaryValue(lead, 'Status')}"`);
    }
    await expectText(lead, 'moved to Completed, awaiting evidence');
    await lead.waitForSelector('a:has-text("same-day-sharing-audit.pdf")');
    await check(lead, 'action completed with evidence');
    await leadCtx.close();

    // 4. The subgroup's chair signs it off; its impact review falls due six months on.
    const chairCtx = await context(browser, true);
    const chair = await chairCtx.newPage();
    await signIn(chair, 'group.chair@northbrook.example', PASSWORD);
    await chair.click('nav a:has-text("Actions")');
    await chair.selectOption('#status', { label: 'Completed, awaiting evidence' });
    await chair.click('button:has-text("Apply filters")');
    if (!chair.url().includes('status=completed')) fail(`the status filter was not applied: ${chair.url()}`);
    await check(chair, 'chair filters actions awaiting sign-off');
    await chair.click(`a:text-is("${mine.description}")`);
    await expectText(chair, 'with 1 piece of evidence');
    await check(chair, 'chair reads the completed action');
    await chair.click('button:has-text("Sign off and close the action")');
    await expectSaved(chair, 'Action signed off and closed: its impact review is scheduled');
    if (!(await summaryValue(chair, 'Status')).startsWith('Closed, evidenced')) {
      fail(`the status after sign-off is "${await summaryValue(chair, 'Status')}"`);
    }
    const impactDue = await summaryValue(chair, 'Impact review due');
    const ahead = (dayShown(impactDue).getTime() - today.getTime()) / (24 * 60 * 60 * 1000);
    if (!(ahead >= 178 && ahead <= 186)) fail(`the impact review is due ${impactDue}, ${ahead} days ahead, not about six months`);
    if (!showsDay(await summaryValue(chair, 'Signed off'), today)) fail('the sign-off is not dated today');
    await check(chair, 'action signed off');
    await chairCtx.close();

    // The business team records the impact review.
    await openReview();
    await bt.click(`a:text-is("${mine.description}")`);
    await expectText(bt, 'Not reviewed yet');
    await fillDate(bt, 'reviewed', today);
    await bt.getByRole('group', { name: 'Has the change been sustained?' }).getByLabel('Yes', { exact: true }).check();
    await bt.getByRole('group', { name: 'Has it made a difference for children?' }).getByLabel('Yes', { exact: true }).check();
    const measure = 'Re-audit of 20 incidents: all 20 shared with the health visitor the same day';
    await bt.fill('#measure', measure);
    await bt.fill('#notes', 'Health visitors report acting on the notifications.\nThe audit will be repeated in a year.');
    await bt.click('button:has-text("Save the impact review")');
    await expectSaved(bt, 'Impact review recorded');
    for (const [k, v] of [['Change sustained', 'Yes'], ['Made a difference', 'Yes'], ['Measure used', measure]]) {
      const got = await summaryValue(bt, k);
      if (got !== v) fail(`the impact review's "${k}" is "${got}", not "${v}"`);
    }
    if (!showsDay(await summaryValue(bt, 'Reviewed'), today)) fail('the impact review is not dated today');
    await check(bt, 'impact review recorded');

    // 5. The review's plan downloads as a workbook, is edited and imported with two new rows.
    await openReview();
    await bt.click('a:has-text("Open the action plan")');
    await expectText(bt, 'Action plan');
    await expectText(bt, '3 actions');
    await check(bt, 'action plan of the review');
    const downloading = bt.waitForEvent('download');
    await bt.click('a:has-text("Excel (XLSX)")');
    const download = await downloading;
    if (download.suggestedFilename() !== 'action-plan.xlsx') fail(`the download is called ${download.suggestedFilename()}`);
    await download.saveAs(workbook);

    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(workbook);
    const sheet = book.worksheets[0];
    const headers = sheet.getRow(1).values;
    const col = (name) => {
      const i = headers.indexOf(name);
      if (i < 1) fail(`the exported plan has no "${name}" column: ${headers.join(', ')}`);
      return i;
    };
    if (sheet.rowCount !== 4) fail(`the exported plan has ${sheet.rowCount - 1} actions, not 3`);
    const exported = [2, 3, 4].map((n) => String(sheet.getRow(n).getCell(col('Action')).value));
    for (const a of actions) {
      if (!exported.includes(a.description)) fail(`the exported plan lacks "${a.description}"`);
    }
    const leadRow = [2, 3, 4].find((n) => sheet.getRow(n).getCell(col('Action')).value === mine.description);
    if (sheet.getRow(leadRow).getCell(col('Status')).value !== 'Closed, evidenced') fail('the export does not show the action closed');
    const workshop = 'Run a multi-agency workshop on sharing domestic incidents with health';
    const briefing = 'Publish a seven-minute briefing on bruising in non-mobile babies';
    const addRow = (n, cells) => {
      const row = sheet.getRow(n);
      for (const [name, value] of Object.entries(cells)) row.getCell(col(name)).value = value;
    };
    // A date typed into Excel is a date cell; another is typed as text.
    const workshopDue = daysFromToday(150);
    addRow(5, {
      Recommendation: 1,
      Action: workshop,
      'Lead agency': other,
      Owner: 'practitioner@northbrook.example',
      'Supporting agencies': leadAgency,
      'Due date': workshopDue,
      'Success measure': 'Practitioners from both agencies attend; feedback shows they know the route',
    });
    sheet.getRow(5).getCell(col('Due date')).numFmt = 'dd/mm/yyyy';
    const briefingDue = daysFromToday(60);
    const dmy = (d) => `${String(d.getUTCDate()).padStart(2, '0')}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${d.getUTCFullYear()}`;
    addRow(6, {
      Action: briefing,
      'Lead agency': UNKNOWN_AGENCY,
      Owner: leadName,
      'Due date': dmy(briefingDue),
      'Success measure': 'The briefing is downloaded by every agency',
    });
    await book.xlsx.writeFile(workbook);

    await openReview();
    await bt.click('a:has-text("Import actions from a spreadsheet")');
    await expectText(bt, 'Import an action plan');
    await check(bt, 'import an action plan');
    await bt.setInputFiles('#file', workbook);
    await bt.click('button:has-text("Check the file")');
    await expectText(bt, 'Nothing has been added');
    await expectText(bt, '1 problem to fix');
    const problem = bt.locator('tbody tr', { has: bt.locator('td', { hasText: UNKNOWN_AGENCY }) });
    const cells = (await problem.locator('td').allTextContents()).map((t) => t.trim());
    const want = ['6', 'Lead agency', `${UNKNOWN_AGENCY} is not an agency of the partnership`, 'Use an agency\'s name exactly as the partnership\'s agency list spells it'];
    if (JSON.stringify(cells) !== JSON.stringify(want)) fail(`the problem reads ${JSON.stringify(cells)}, not ${JSON.stringify(want)}`);
    await check(bt, 'import with a problem');

    sheet.getRow(6).getCell(col('Lead agency')).value = leadAgency;
    await book.xlsx.writeFile(workbook);
    await bt.setInputFiles('#file', workbook);
    await bt.click('button:has-text("Check the file")');
    await expectSaved(bt, '2 new actions ready to add');
    await expectText(bt, '3 already in the plan will be left as they are');
    const preview = (await bt.locator('table').first().textContent()).replace(/\s+/g, ' ');
    for (const t of [workshop, briefing]) {
      if (!preview.includes(t)) fail(`the preview lacks "${t}": ${preview}`);
    }
    // The date typed as a date and the one typed as text are both read as the right day.
    if (!showsDay(preview, workshopDue) || !showsDay(preview, briefingDue)) fail(`the preview has the wrong due dates: ${preview}`);
    await check(bt, 'import ready');
    await bt.click('button:has-text("Add 2 actions to the plan")');
    await expectSaved(bt, 'Action plan imported');
    if (!bt.url().includes(`source=case_review:${id}`)) fail(`the import led to ${bt.url()}`);
    await expectText(bt, '5 actions');
    for (const d of [...actions.map((a) => a.description), workshop, briefing]) {
      if ((await (await planRow(bt, d)).count()) !== 1) fail(`the plan does not list "${d}" once`);
    }
    const imported = (await (await planRow(bt, workshop)).textContent()).replace(/\s+/g, ' ');
    for (const t of [other, 'Aisha Khan', 'Not started']) {
      if (!imported.includes(t)) fail(`the imported action's row lacks "${t}": ${imported}`);
    }
    await check(bt, 'plan with the imported actions');
    await team.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
