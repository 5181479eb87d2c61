// Shared by the browser journeys: launching Chromium, axe-core on every page (with JavaScript
// on, and with it off by checking the same markup in a page that runs scripts), screenshots,
// reading the test SMTP server's Maildir, signing in.

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
  const body = await page.textContent('body');
  if (!body.includes(text)) fail(`expected "${text}" on ${page.url()}`);
}

function decodeQuotedPrintable(s) {
  return s.replace(/=\r?\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

export async function mailTo(address) {
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

export async function signIn(page, email, password) {
  await page.goto(`${BASE}/sign-in`);
  await page.fill('#email', email);
  await page.fill('#password', password);
  await page.click('button:has-text("Sign in")');
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
