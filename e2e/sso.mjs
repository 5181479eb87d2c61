// Single sign-on in a real browser, with axe-core on each page: the business team sets up its
// council's identity provider (a real OpenID Connect provider, e2e/oidc-provider.mjs, run here
// on loopback), a domain that is not one refused first; the police lead, invited long ago,
// signs in with the council's button and lands on their home page without a Learnloop
// password; someone the partnership never invited is refused with a page that says what to
// do. Environment: BASE_URL, SHOTS_DIR.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BASE, PASSWORD, check, context, expectSaved, expectText, fail, run, signIn } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const idp = spawn(process.execPath, [join(here, 'oidc-provider.mjs'), 'learnloop-e2e', 'e2e-client-secret', `${BASE}/sign-in/sso/callback`], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
const issuer = await new Promise((resolve, reject) => {
  const lines = createInterface({ input: idp.stdout });
  lines.once('line', (l) => resolve(JSON.parse(l).issuer));
  idp.once('exit', (code) => reject(new Error(`the identity provider stopped (${code})`)));
});
const next = async (email, amr = ['pwd']) => {
  const r = await fetch(`${issuer}/_test/next`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, email_verified: true, amr }),
  });
  if (r.status !== 204) fail(`the provider did not take the next sign-in (${r.status})`);
};

try {
  await run(async (browser) => {
    const bt = await (await context(browser, true)).newPage();
    await signIn(bt, 'business.manager@northbrook.example', PASSWORD);
    await bt.click('nav a:has-text("Settings")');
    await bt.click('a:has-text("Set up signing in with your agencies")');
    await check(bt, 'single sign-on with no provider');
    await bt.click('a:has-text("Add a provider")');
    await bt.fill('#name', 'Northbrook Council');
    await bt.fill('#issuer', issuer);
    await bt.fill('#client_id', 'learnloop-e2e');
    await bt.fill('#client_secret', 'e2e-client-secret');
    await bt.fill('#email_domains', 'northbrook.example, not_a_domain');
    await bt.click('button:has-text("Save provider")');
    await expectText(bt, 'is not an email domain');
    await check(bt, 'a provider with a domain refused');
    // A form sent back never keeps the secret: it is typed again.
    await bt.fill('#client_secret', 'e2e-client-secret');
    await bt.fill('#email_domains', 'northbrook.example');
    await bt.click('button:has-text("Save provider")');
    await expectSaved(bt, 'Single sign-on provider saved');
    await expectText(bt, '/sign-in?partnership=northbrook');
    await check(bt, 'single sign-on with the council');
    const body = await bt.textContent('body');
    if (body.includes('e2e-client-secret')) fail('the settings page shows the client secret');

    // The police lead signs in with the council's account: no Learnloop password.
    await next('agency.lead@northbrook.example');
    const lead = await (await context(browser, false)).newPage();
    await lead.goto(`${BASE}/sign-in?partnership=northbrook`);
    await check(lead, 'the sign-in page with the council button');
    await lead.click('button:has-text("Sign in with Northbrook Council")');
    await lead.waitForLoadState();
    if (!lead.url().endsWith('/home')) fail(`expected the home page after single sign-on, at ${lead.url()}`);
    await expectText(lead, 'Sign out');
    await check(lead, 'home after single sign-on');

    // With two-step sign-in required of everyone, the practitioner comes back from the
    // provider to setting it up (the step's cookie survives the way back from another site).
    await bt.goto(`${BASE}/settings`);
    await bt.check('input[name="second_factor"][value="everyone"]');
    await bt.click('button:has-text("Save settings")');
    await expectSaved(bt, 'Partnership settings saved');
    await next('practitioner@northbrook.example');
    const pr = await (await context(browser, false)).newPage();
    await pr.goto(`${BASE}/sign-in?partnership=northbrook`);
    await pr.click('button:has-text("Sign in with Northbrook Council")');
    await pr.waitForLoadState();
    if (!pr.url().includes('/sign-in/set-up')) fail(`expected to set up two-step sign-in, at ${pr.url()}`);
    await expectText(pr, 'Set up two-step sign-in');
    await check(pr, 'two-step sign-in set up after single sign-on');

    // Someone never invited: refused, told what to do.
    await next('new.starter@northbrook.example', ['mfa']);
    const stranger = await (await context(browser, false)).newPage();
    await stranger.goto(`${BASE}/sign-in?partnership=northbrook`);
    await stranger.click('button:has-text("Sign in with Northbrook Council")');
    await stranger.waitForLoadState();
    await expectText(stranger, 'You have not been signed in');
    await expectText(stranger, 'You need an invitation');
    await check(stranger, 'single sign-on refused without an invitation');
  });
} finally {
  idp.kill();
}
