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

import { BASE, PASSWORD, check, context, expectText, fail, mailTo, run, signIn } from './lib.mjs';

await run(async (browser) => {
  for (const javaScriptEnabled of [true, false]) {
    const mode = javaScriptEnabled ? 'js-on' : 'js-off';
    const team = await context(browser, javaScriptEnabled);
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

    for (const path of ['/clocks?rule=rapid-review&start-day=18&start-month=12&start-year=2026', '/clocks/holidays?year=2027', '/audit', '/settings', '/account', '/calendar', '/groups', '/themes', '/escalations', '/reviews', '/reviews/new']) {
      await page.goto(`${BASE}${path}`);
      await check(page, `${mode} ${path}`);
    }
    await team.close();

    const mail = await mailTo(invitee);
    const link = mail.split(/\s+/).find((w) => w.startsWith(`${BASE}/set-password/`));
    if (!link) fail(`no set-password link in the mail:\n${mail}`);

    const lead = await context(browser, javaScriptEnabled);
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
});
