// Signing in safely, in a real browser with axe-core on each page: a practitioner sets up
// two-step sign-in by typing the secret into a (simulated) authenticator app, keeps the
// recovery codes, signs in again with a code (a wrong one first), sees where they are signed
// in; then, with JavaScript off, the business team goes through the confirmation pages of
// taking a role away and deactivating an account, and reactivates it.
//
// Environment: BASE_URL, SHOTS_DIR.

import { createHmac } from 'node:crypto';
import { BASE, PASSWORD, check, context, expectText, fail, run, signIn } from './lib.mjs';

// RFC 6238: the 6-digit code of a base-32 secret at a time, as an authenticator app shows it.
function totp(base32, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of base32.replace(/[\s=]/g, '').toUpperCase()) {
    const v = alphabet.indexOf(c);
    if (v < 0) fail(`not base 32: ${base32}`);
    bits += v.toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)));
  const h = createHmac('sha1', key).update(counter).digest();
  const o = h[h.length - 1] & 0xf;
  const n = ((h[o] & 0x7f) << 24) | (h[o + 1] << 16) | (h[o + 2] << 8) | h[o + 3];
  return String(n % 1_000_000).padStart(6, '0');
}

await run(async (browser) => {
  const mine = await context(browser, true);
  const page = await mine.newPage();
  await signIn(page, 'practitioner@northbrook.example', PASSWORD);
  await page.goto(`${BASE}/account`);
  await check(page, 'account with two-step sign-in off');
  await page.click('a:has-text("Set up two-step sign-in")');
  await check(page, 'set up two-step sign-in');
  if ((await page.locator('.app-qr svg').count()) !== 1) fail('no QR code on the set-up page');
  await page.click('summary:has-text("I cannot scan the QR code")');
  const secret = (await page.locator('code.app-code').textContent()).trim();
  await page.fill('#code', '000000');
  await page.click('button:has-text("Switch on two-step sign-in")');
  await expectText(page, 'The code is not right');
  await check(page, 'set up with a wrong code');
  await page.fill('#code', totp(secret));
  await page.click('button:has-text("Switch on two-step sign-in")');
  await expectText(page, 'Save your recovery codes');
  await check(page, 'recovery codes');
  if ((await page.locator('li code.app-code').count()) !== 10) fail('not ten recovery codes');
  await page.click('a:has-text("I have saved my codes, continue")');
  await expectText(page, 'You have 10 recovery codes left');
  await expectText(page, 'Where you are signed in');
  await check(page, 'account with two-step sign-in on');

  // A new browser: the password, then the code (the one just used is spent: the next one).
  const later = await context(browser, false);
  const again = await later.newPage();
  await signIn(again, 'practitioner@northbrook.example', PASSWORD);
  await expectText(again, 'Enter the code from your authenticator app');
  await check(again, 'code after the password (no JavaScript)');
  await again.fill('#code', '123456');
  await again.click('button:has-text("Continue")');
  await expectText(again, 'The code is not right');
  await check(again, 'wrong code');
  await again.fill('#code', totp(secret, Date.now() + 30_000));
  await again.click('button:has-text("Continue")');
  await expectText(again, 'Hello Aisha');
  await again.goto(`${BASE}/account`);
  if ((await again.locator('form[action^="/account/sessions/"]').count()) !== 2) fail('two sessions expected on the account page');
  await check(again, 'two sessions');

  // The business team, with JavaScript off: every destructive step asks first.
  const team = await context(browser, false);
  const bt = await team.newPage();
  await signIn(bt, 'business.manager@northbrook.example', PASSWORD);
  await bt.goto(`${BASE}/people`);
  await bt.click('a:has-text("Gareth Lewis")');
  await check(bt, 'a person');
  await bt.click('a:has-text("Take away")');
  await expectText(bt, 'Take away the role');
  await check(bt, 'confirm taking a role away');
  await bt.click('a:has-text("Cancel")');
  await expectText(bt, 'Multi-agency training coordinator');
  await bt.click('a:has-text("Deactivate this account")');
  await check(bt, 'confirm deactivating an account');
  await bt.click('button:has-text("Deactivate the account")');
  await expectText(bt, 'Account deactivated');
  await expectText(bt, 'Deactivated: cannot sign in');
  await check(bt, 'account deactivated');
  await bt.click('button:has-text("Reactivate this account")');
  await expectText(bt, 'Account reactivated');
});
