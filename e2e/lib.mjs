// Shared by the browser journeys: launching Chromium, axe-core on every page (with JavaScript
// on, and with it off by checking the same markup in a page that runs scripts), screenshots,
// reading the test SMTP server's Maildir, signing in, dates and forms, a small PDF, and a
// serious incident taken to a decided practice review.

import { chromium } from 'playwright-core';
import { readFileSync, readdirSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
export const BASE = process.env.BASE_URL;
const MAILDIR = process.env.MAILDIR;
const SHOTS = process.env.SHOTS_DIR || 'e2e/screenshots';
export const PASSWORD = 'demo-password-2026';
export const LCSPR = 'Local child safeguarding practice review';
mkdirSync(SHOTS, { recursive: true });

let step = 0;
export const counts = { checked: 0 };
let checker = null;

export function fail(msg) {
  throw new Error(msg);
}

// Runs axe on the page and fails on any violation of WCAG 2.0/2.1/2.2 A and AA.
export async function check(page, label) {
  step += 1;
  const file = join(SHOTS, `${String(step).padStart(2, '0')}-${label.replace(/[^a-z0-9]+/gi, '-')}.png`);
  // A very tall page can be too big for a full-page capture: fall back to the viewport. A
  // screenshot is for looking at a failure later; it never fails the journey itself.
  await page.screenshot({ path: file, fullPage: true }).catch(() => page.screenshot({ path: file }).catch(() => {}));
  // With JavaScript off, axe cannot run in the page itself: check the same markup, with the
  // same stylesheet, in a page that runs scripts.
  let target = page;
  if (!page.context()._javaScriptEnabled) {
    target = checker;
    await target.goto(`${BASE}/healthz`);
    await target.setContent(await page.content(), { waitUntil: 'load' });
  }
  await target.addScriptTag({ path: AXE });
  const result = await target.evaluate(async () => {
    // eslint-disable-next-line no-undef
    return await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
    });
  });
  counts.checked += 1;
  if (result.violations.length > 0) {
    const detail = result.violations
      .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`)
      .join('\n  ');
    fail(`accessibility violations on "${label}" (${page.url()}):\n  ${detail}`);
  }
  console.log(`ok ${step} ${label}: no accessibility violations`);
}

export async function expectText(page, text) {
  // A click that sends a form returns as the answer starts to load: wait for the page it
  // brings (up to ten seconds) before reading it, so the page before is never read instead.
  await page.locator('body', { hasText: text }).first().waitFor({ timeout: 10000 }).catch(() => {});
  const body = await page.textContent('body');
  if (!body.includes(text)) fail(`expected "${text}" on ${page.url()}`);
}

// Like expectText, but a form sent back with errors says what they were.
export async function expectSaved(page, text) {
  // The answer to the form may still be on its way (a redirect back to the same address, on a
  // busy machine): wait for it a while before reading the page.
  await page
    .waitForFunction((t) => document.body && document.body.textContent.includes(t), text, { timeout: 15000 })
    .catch(() => {});
  const body = await page.textContent('body');
  if (body.includes(text)) return;
  const problems = await page.locator('.govuk-error-summary').first().textContent().catch(() => '');
  fail(`expected "${text}" on ${page.url()}${problems ? `; the form said: ${problems.replace(/\s+/g, ' ').trim()}` : ''}`);
}

// The value of a summary list's row, by its key.
export async function summaryValue(page, key) {
  const row = page.locator('.govuk-summary-list__row', { has: page.locator('dt', { hasText: new RegExp(`^${key}$`) }) }).first();
  return (await row.locator('dd').textContent()).replace(/\s+/g, ' ').trim();
}

// The stage in the case's or the review's summary list.
export async function expectStage(page, label) {
  const stage = await summaryValue(page, 'Stage');
  if (stage !== label) fail(`expected the stage "${label}" on ${page.url()}, found "${stage}"`);
}

// Dates relative to today, in the calendar day the server also uses (UTC).
const DAY = 24 * 60 * 60 * 1000;
export const today = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()));
export const daysFromToday = (n) => new Date(today.getTime() + n * DAY);
export const iso = (d) => d.toISOString().slice(0, 10);

export async function fillDate(page, prefix, d) {
  await page.fill(`#${prefix}-day`, String(d.getUTCDate()));
  await page.fill(`#${prefix}-month`, String(d.getUTCMonth() + 1));
  await page.fill(`#${prefix}-year`, String(d.getUTCFullYear()));
}

// A minimal, valid one-page PDF (cross-reference offsets computed, not guessed), as latin1.
export function pdf(title) {
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

function decodeQuotedPrintable(s) {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

// The first mail to an address (and holding `needle`, when given) that has arrived.
export async function mailTo(address, needle = '') {
  for (let i = 0; i < 100; i++) {
    for (const sub of ['new', 'cur']) {
      const dir = join(MAILDIR, sub);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) {
        const text = readFileSync(join(dir, f), 'utf8');
        if (text.split(/\r?\n/).some((l) => l.startsWith('To:') && l.includes(address))) {
          const decoded = decodeQuotedPrintable(text);
          if (decoded.includes(needle)) return decoded;
        }
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  fail(`no mail to ${address} arrived`);
}

export async function signIn(page, email, password) {
  await page.goto(`${BASE}/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('form[action="/sign-in"] button');
  await page.waitForLoadState();
}


export async function launch() {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
  const checkerContext = await browser.newContext({ bypassCSP: true });
  checker = await checkerContext.newPage();
  return browser;
}

// A browser context; bypassCSP lets axe be injected, the application's pages never need it.
export async function context(browser, javaScriptEnabled) {
  const ctx = await browser.newContext({ javaScriptEnabled, bypassCSP: true });
  ctx._javaScriptEnabled = javaScriptEnabled;
  return ctx;
}

// Runs a journey, printing the closing line and setting the exit code.
export async function run(journey) {
  const browser = await launch();
  try {
    await journey(browser);
    console.log(`${counts.checked} passed, 0 failed`);
  } catch (e) {
    console.error(String(e.stack || e));
    console.log(`${counts.checked} passed, 1 failed`);
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

// A serious incident taken to a decided local child safeguarding practice review: the business
// team records the notification (overseen by `group`), puts the independent chair on the
// case's panel and records the rapid review recommending a practice review; the independent
// chair signs the decision off. Returns the case's reference, id and address.
export async function decidedCase(browser, { group, childName, agencies }) {
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
  await page.fill('#child-1-name', childName);
  for (const agency of agencies) {
    await page.getByRole('group', { name: 'Agencies involved' }).getByLabel(agency, { exact: true }).check();
  }
  await page.selectOption('#group', { label: group });
  await page.click('button:has-text("Record notification")');
  await expectSaved(page, 'Notification recorded: its deadlines have started');
  const heading = (await page.textContent('h1')).trim();
  const reference = heading.replace(/^Case /, '');
  if (!reference || reference === heading) fail(`no case reference in "${heading}"`);
  await expectText(page, `Deadlines of case ${reference}`);
  await expectText(page, childName);
  const caseUrl = page.url().replace(/[#?].*$/, '');
  const id = caseUrl.split('/').pop();
  await check(page, 'case recorded with its deadlines');

  await page.click('a:has-text("Add someone to the panel")');
  await check(page, 'add someone to the panel');
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
  return { reference, id, caseUrl };
}
