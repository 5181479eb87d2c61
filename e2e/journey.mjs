// A user journey in headless Chromium, with axe-core run on every page visited.
//
// The business team signs in, adds an agency, invites a person as agency lead; the invited
// person follows the link in the real mail, sets a password, signs in and is refused a
// business-team page. Part of it is repeated with JavaScript off: every page must work
// without it. Fails on any WCAG 2.2 A/AA violation. A screenshot of every page is kept in
// SHOTS_DIR, so a failed journey can be looked at.
//
// Environment: BASE_URL (the running server), MAILDIR (where the test SMTP server writes),
// SHOTS_DIR (screenshots).

import { chromium } from 'playwright-core';
import { readFileSync, readdirSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const AXE = require.resolve('axe-core/axe.min.js');
const BASE = process.env.BASE_URL;
const MAILDIR = process.env.MAILDIR;
const SHOTS = process.env.SHOTS_DIR || 'e2e/screenshots';
const PASSWORD = 'demo-password-2026';
mkdirSync(SHOTS, { recursive: true });

let step = 0;
let checked = 0;

function fail(msg) {
  throw new Error(msg);
}

// Runs axe on the page and fails on any violation of WCAG 2.0/2.1/2.2 A and AA.
async function check(page, label) {
  step += 1;
  const file = join(SHOTS, `${String(step).padStart(2, '0')}-${label.replace(/[^a-z0-9]+/gi, '-')}.png`);
  await page.screenshot({ path: file, fullPage: true });
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
  checked += 1;
  if (result.violations.length > 0) {
    const detail = result.violations
      .map((v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`)
      .join('\n  ');
    fail(`accessibility violations on "${label}" (${page.url()}):\n  ${detail}`);
  }
  console.log(`ok ${step} ${label}: no accessibility violations`);
}

async function expectText(page, text) {
  const body = await page.textContent('body');
  if (!body.includes(text)) fail(`expected "${text}" on ${page.url()}`);
}

function decodeQuotedPrintable(s) {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

async function mailTo(address) {
  for (let i = 0; i < 100; i++) {
    for (const sub of ['new', 'cur']) {
      const dir = join(MAILDIR, sub);
      if (!existsSync(dir)) continue;
      for (const f of readdirSync(dir)) {
        const text = readFileSync(join(dir, f), 'utf8');
        if (text.split(/\r?\n/).some((l) => l.startsWith('To:') && l.includes(address))) {
          return decodeQuotedPrintable(text);
        }
      }
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  fail(`no mail to ${address} arrived`);
}

async function signIn(page, email, password) {
  await page.goto(`${BASE}/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button:has-text("Sign in")');
  await page.waitForLoadState();
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
});

const checkerContext = await browser.newContext({ bypassCSP: true });
const checker = await checkerContext.newPage();

try {
  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'js-on' : 'js-off';
    // bypassCSP lets axe be injected; the application's own pages never need it.
    const team = await browser.newContext({ javaScriptEnabled, bypassCSP: true });
    team._javaScriptEnabled = javaScriptEnabled;
    const page = await team.newPage();
    const agency = `Northbrook Early Help Service (${mode})`;
    const invitee = `casey.morgan.${mode}@northbrook.example`;

    await page.goto(`${BASE}/sign-in`);
    await check(page, `${mode} sign in`);
    await page.click('button:has-text("Sign in")');
    await expectText(page, 'There is a problem');
    await check(page, `${mode} sign in with errors`);
    await signIn(page, 'business.manager@northbrook.example', PASSWORD);
    await expectText(page, 'Hello Priya');
    await check(page, `${mode} business team home`);

    await page.click('nav a:has-text("Agencies")');
    await check(page, `${mode} agencies`);
    await page.click('a:has-text("Add an agency")');
    await check(page, `${mode} add an agency`);
    await page.click('button:has-text("Save agency")');
    await expectText(page, 'Enter the agency name');
    await check(page, `${mode} add an agency with errors`);
    await page.fill('#name', agency);
    await page.selectOption('#sector', 'local-authority');
    await page.click('button:has-text("Save agency")');
    await expectText(page, 'Agency added');
    await expectText(page, agency);
    await check(page, `${mode} agency added`);

    await page.click('nav a:has-text("People")');
    await check(page, `${mode} people`);
    await page.click('a:has-text("Invite a person")');
    await check(page, `${mode} invite a person`);
    await page.fill('#name', 'Casey Morgan');
    await page.fill('#email', invitee);
    await page.check('input[name=role][value=agency-lead]');
    await page.selectOption('#agency', { label: agency });
    await page.click('button:has-text("Send invitation")');
    await expectText(page, 'Invitation sent');
    await check(page, `${mode} person invited`);

    for (const path of ['/clocks?rule=rapid-review&start-day=18&start-month=12&start-year=2026', '/clocks/holidays?year=2027', '/audit', '/settings', '/account']) {
      await page.goto(`${BASE}${path}`);
      await check(page, `${mode} ${path}`);
    }
    await team.close();

    const mail = await mailTo(invitee);
    const link = mail.split(/\s+/).find((w) => w.startsWith(`${BASE}/set-password/`));
    if (!link) fail(`no set-password link in the mail:\n${mail}`);

    const lead = await browser.newContext({ javaScriptEnabled, bypassCSP: true });
    lead._javaScriptEnabled = javaScriptEnabled;
    const leadPage = await lead.newPage();
    await leadPage.goto(link);
    await expectText(leadPage, 'Create your password');
    await check(leadPage, `${mode} create your password`);
    await leadPage.fill('#password', 'casey has a long passphrase');
    await leadPage.fill('#confirm', 'casey has a long passphrase');
    await leadPage.click('button:has-text("Save password")');
    await expectText(leadPage, 'Your password has been set');
    await signIn(leadPage, invitee, 'casey has a long passphrase');
    await expectText(leadPage, 'Hello Casey');
    await check(leadPage, `${mode} agency lead home`);
    const refused = await leadPage.goto(`${BASE}/people`);
    if (refused.status() !== 403) fail(`the agency lead opened /people (status ${refused.status()})`);
    await expectText(leadPage, 'You do not have permission to see this page');
    await check(leadPage, `${mode} agency lead refused`);
    const missing = await leadPage.goto(`${BASE}/no-such-page`);
    if (missing.status() !== 404) fail('an unknown page did not answer 404');
    await check(leadPage, `${mode} page not found`);
    await lead.close();
  }
  console.log(`${checked} passed, 0 failed`);
} catch (e) {
  console.error(String(e.stack || e));
  console.log(`${checked} passed, 1 failed`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
