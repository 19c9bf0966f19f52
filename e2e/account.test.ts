// Account screens in Chromium as a new user meets them: every field has a
// label, every refusal is a sentence about what to change, a forgotten
// password is reset by the e-mailed link, and a password is changed from the
// Account dialog (other devices are then signed out). App passwords are made
// (shown once, copied), listed and revoked there. At 1280×800 and 390×844.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Parley } from '@parley/server';
import { signUp } from './chat-pages.ts';
import { launchBrowser, shotsDir, startStack, tmpDir, waitFor } from './helpers.ts';
import { screenProblems } from './layout.ts';

const shots = shotsDir('account');

describe('account screens', () => {
  let parley: Parley;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const tag = crypto.randomBytes(3).toString('hex');

  beforeAll(async () => {
    parley = await startStack({ config: { database: { kind: 'pglite', dir: path.join(tmpDir('account-e2e'), 'pglite') } } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await parley?.close();
  });

  async function page(viewport = { width: 1280, height: 800 }): Promise<Page> {
    const context = await browser.newContext({ viewport });
    contexts.push(context);
    const p = await context.newPage();
    p.on('pageerror', (e) => console.error('page error:', e.message));
    return p;
  }
  const error = (p: Page) => p.getByTestId('auth-error');
  const noSidewaysScroll = (p: Page) => p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

  test('sign-up: labelled fields, and each mistake said as a sentence about the field', async () => {
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      const p = await page(viewport);
      await p.goto(`${parley.url}/chat`);
      await p.getByTestId('tab-signup').click();
      // Labels, not placeholders: each field is found by its label (in the form: the corner's menu is "Language and theme").
      const form = p.getByTestId('auth-page').locator('form');
      for (const label of ['Your name', 'Username', 'E-mail', 'Password', 'Language', 'Organization']) assert.equal(await form.getByLabel(label, { exact: false }).count(), 1, label);
      // The language menu sits in the page's corner, above the form, not on it.
      const menu = (await p.getByTestId('prefs-button').boundingBox())!;
      for (const other of [p.getByRole('heading', { name: 'Parley', exact: true }), p.getByTestId('tab-login'), p.getByTestId('tab-signup')]) {
        const box = (await other.boundingBox())!;
        const apart = menu.x + menu.width <= box.x || box.x + box.width <= menu.x || menu.y + menu.height <= box.y || box.y + box.height <= menu.y;
        assert.ok(apart, `the language menu overlaps the page at ${viewport.width}px`);
      }
      assert.ok(await noSidewaysScroll(p), `no sideways scroll at ${viewport.width}px`);
      await p.screenshot({ path: `${shots}/signup-${viewport.width}.png` });
    }
    // The language field starts at the page's language; choosing another switches the page at once.
    const lang = await page();
    await lang.goto(`${parley.url}/chat`);
    await lang.getByTestId('tab-signup').click();
    assert.equal(await lang.getByTestId('language-field').inputValue(), await lang.evaluate(() => document.documentElement.lang.split('-')[0]));
    await lang.getByTestId('language-field').selectOption('de');
    await waitFor('the page in German', async () => (await lang.evaluate(() => document.documentElement.lang)).startsWith('de'));
    await lang.getByTestId('prefs-button').filter({ hasText: 'DE' }).waitFor();
    await lang.reload();
    await lang.getByTestId('tab-signup').click();
    assert.equal(await lang.getByTestId('language-field').inputValue(), 'de', 'remembered by this browser');

    const p = await page();
    await p.goto(`${parley.url}/chat`);
    await p.getByTestId('tab-signup').click();
    await p.getByTestId('signup-submit').click();
    await error(p).filter({ hasText: 'Enter your name (at most 64 characters).' }).waitFor();
    await p.getByTestId('name-field').fill('Dora');
    await p.getByTestId('username-field').fill('d');
    await p.getByTestId('signup-submit').click();
    await error(p).filter({ hasText: 'A username has 2 to 32 letters' }).waitFor();
    await p.getByTestId('username-field').fill(`dora${tag}`);
    await p.getByTestId('email-field').fill('a@b');
    await p.getByTestId('signup-submit').click();
    await error(p).filter({ hasText: 'Enter your e-mail address, like name@example.org.' }).waitFor();
    await p.getByTestId('email-field').fill(`dora${tag}@example.org`);
    await p.getByTestId('signup-password').fill('short');
    await p.getByTestId('signup-submit').click();
    await error(p).filter({ hasText: 'A password has at least 8 characters.' }).waitFor();
    // The server judges strength: its answer is a sentence with advice.
    await p.getByTestId('signup-password').fill('password123');
    await p.getByTestId('signup-submit').click();
    await error(p).filter({ hasText: 'This password is too easy to guess.' }).waitFor();
    const shown = (await error(p).textContent())!;
    assert.doesNotMatch(shown, /body\/|must not|fewer than/, shown);
    await p.screenshot({ path: `${shots}/signup-weak-password.png` });
    await p.getByTestId('signup-password').fill('violet harbour lantern 7');
    await p.getByTestId('org-field').fill('Dora & Co');
    await p.getByTestId('signup-submit').click();
    await p.getByTestId('chat-app').waitFor();
    // The same username again: the server's sentence.
    const q = await page();
    await q.goto(`${parley.url}/chat`);
    await q.getByTestId('tab-signup').click();
    await q.getByTestId('name-field').fill('Other Dora');
    await q.getByTestId('username-field').fill(`dora${tag}`);
    await q.getByTestId('email-field').fill(`other${tag}@example.org`);
    await q.getByTestId('signup-password').fill('violet harbour lantern 8');
    await q.getByTestId('signup-submit').click();
    await error(q).filter({ hasText: 'This username is taken. Choose another one.' }).waitFor();
  });

  test('a forgotten password: the e-mailed link sets a new one and signs in; the old password and other devices are out', async () => {
    const other = await page();
    await signUp(other, `${parley.url}/chat`, { name: 'Emil', username: `emil${tag}`, org: 'Emil AG' });
    const p = await page({ width: 390, height: 844 });
    await p.goto(`${parley.url}/chat`);
    await p.getByTestId('login-input').fill(`emil${tag}`);
    await p.getByTestId('password-input').fill('not my password');
    await p.getByTestId('login-submit').click();
    await error(p).filter({ hasText: 'The e-mail address, username or password is not right.' }).waitFor();
    await p.getByTestId('forgot-password').click();
    await p.getByTestId('reset-email').fill(`emil${tag}@example.org`);
    await p.getByTestId('reset-submit').click();
    await p.getByTestId('reset-sent').waitFor();
    assert.ok(await noSidewaysScroll(p));
    await p.screenshot({ path: `${shots}/reset-request-390.png` });
    const mail = await waitFor('the reset mail', async () => {
      const [row] = await parley.chat!.db.query<{ body_text: string }>('select body_text from mail_outbox where to_address = $1 order by created_at desc limit 1', [`emil${tag}@example.org`]);
      return row;
    });
    const link = /https?:\/\/\S+\/chat\/reset\/[A-Za-z0-9_-]+/.exec(mail.body_text)![0];
    await p.goto(link);
    await p.getByTestId('reset-page').waitFor();
    await p.getByTestId('new-password').fill('amber meadow trumpet 5');
    await p.getByTestId('new-password-again').fill('amber meadow trumpet 6');
    await p.getByTestId('reset-confirm').click();
    await error(p).filter({ hasText: 'The two passwords are not the same.' }).waitFor();
    await p.screenshot({ path: `${shots}/reset-page-390.png` });
    await p.getByTestId('new-password-again').fill('amber meadow trumpet 5');
    await p.getByTestId('reset-confirm').click();
    await p.getByTestId('chat-app').waitFor();
    // The other device was signed out by the reset.
    await other.getByTestId('auth-page').waitFor();
    // The link worked once.
    const again = await page();
    await again.goto(link);
    await again.getByTestId('new-password').fill('amber meadow trumpet 9');
    await again.getByTestId('new-password-again').fill('amber meadow trumpet 9');
    await again.getByTestId('reset-confirm').click();
    await error(again).waitFor();
    assert.match((await error(again).textContent())!, /[A-Z].*\.$/, 'a sentence');
  });

  test('changing one’s password from the Account dialog signs out the other devices', async () => {
    const laptop = await page();
    await signUp(laptop, `${parley.url}/chat`, { name: 'Fritz', username: `fritz${tag}`, org: 'Fritz GmbH' });
    const phone = await page({ width: 390, height: 844 });
    await phone.goto(`${parley.url}/chat`);
    await phone.getByTestId('login-input').fill(`fritz${tag}`);
    await phone.getByTestId('password-input').fill('correct horse battery');
    await phone.getByTestId('login-submit').click();
    await phone.getByTestId('chat-app').waitFor();
    await laptop.getByTestId('open-account').click();
    await laptop.getByTestId('current-password').fill('wrong one');
    await laptop.getByTestId('new-password').fill('silver canyon piano 3');
    await laptop.getByTestId('new-password-again').fill('silver canyon piano 3');
    await laptop.getByTestId('change-password-submit').click();
    await laptop.getByTestId('account-error').filter({ hasText: 'Your current password is not right.' }).waitFor();
    await laptop.getByTestId('current-password').fill('correct horse battery');
    await laptop.getByTestId('change-password-submit').click();
    await laptop.getByTestId('password-changed').waitFor();
    await laptop.screenshot({ path: `${shots}/account-dialog-1280.png` });
    await phone.getByTestId('auth-page').waitFor();
    // The laptop stays signed in, and the new password opens the account.
    assert.equal(await laptop.getByTestId('chat-app').count(), 1);
    await phone.getByTestId('login-input').fill(`fritz${tag}`);
    await phone.getByTestId('password-input').fill('silver canyon piano 3');
    await phone.getByTestId('login-submit').click();
    await phone.getByTestId('chat-app').waitFor();
    for (const c of contexts) await c.close();
  });

  test('app passwords: made and shown once on the laptop, copied, signing a device in; listed without the secret and revoked on the phone', async () => {
    const laptop = await page();
    await laptop.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await signUp(laptop, `${parley.url}/chat`, { name: 'Greta', username: `greta${tag}`, org: 'Greta AG' });
    await laptop.getByTestId('open-account').click();
    await laptop.getByTestId('app-passwords-none').waitFor();
    // A nameless device is a sentence, not a request.
    await laptop.getByTestId('app-password-create').click();
    await laptop.getByTestId('app-password-error').filter({ hasText: 'Give the device a name' }).waitFor();
    await laptop.getByTestId('app-password-name').fill('Thunderbird');
    // The account password confirms it is its owner, not someone at an open session.
    await laptop.getByTestId('app-password-account-password').fill('wrong one');
    await laptop.getByTestId('app-password-create').click();
    await laptop.getByTestId('app-password-error').filter({ hasText: 'Your current password is not right.' }).waitFor();
    await laptop.getByTestId('app-password-account-password').fill('correct horse battery');
    await laptop.getByTestId('app-password-create').click();
    const secret = (await laptop.getByTestId('app-password-secret').textContent())!;
    assert.match(secret, /^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    await laptop.getByTestId('app-password-made').filter({ hasText: `Username: greta${tag}` }).waitFor();
    await laptop.getByTestId('app-password-copy').click();
    await laptop.getByTestId('app-password-copy').filter({ hasText: 'Copied' }).waitFor();
    assert.equal(await laptop.evaluate(() => navigator.clipboard.readText()), secret);
    // What a device (CalDAV, CardDAV) signs in with: the username and this secret, not the account password.
    const accounts = parley.chat!.accounts;
    assert.equal((await accounts.byAppPassword(`greta${tag}`, secret, 'e2e-device')).username, `greta${tag}`);
    await laptop.getByTestId('app-password-item').filter({ hasText: 'never used' }).waitFor();
    const problems = await screenProblems(laptop, { shown: ['app-password-name', 'app-password-account-password', 'app-password-create', 'app-password-secret', 'app-password-copy', 'app-password-revoke'] });
    assert.deepEqual(problems, [], problems.join('; '));
    await laptop.screenshot({ path: `${shots}/app-passwords-1280.png` });

    // On the phone: listed by name with its last use, never its secret; revoked there.
    const phone = await page({ width: 390, height: 844 });
    await phone.goto(`${parley.url}/chat`);
    await phone.getByTestId('login-input').fill(`greta${tag}`);
    await phone.getByTestId('password-input').fill('correct horse battery');
    await phone.getByTestId('login-submit').click();
    await phone.getByTestId('chat-app').waitFor();
    await phone.getByTestId('open-drawer').click();
    await phone.getByTestId('open-account').click();
    const item = phone.getByTestId('app-password-item').filter({ hasText: 'Thunderbird' });
    await item.filter({ hasText: 'last used' }).waitFor();
    assert.ok(!(await phone.getByTestId('app-passwords').textContent())!.includes(secret), 'the secret is never shown again');
    await phone.getByTestId('app-password-revoke').scrollIntoViewIfNeeded();
    const onPhone = await screenProblems(phone, { shown: ['app-password-name', 'app-password-account-password', 'app-password-create', 'app-password-revoke'], touch: ['app-password-create', 'app-password-revoke'] });
    assert.deepEqual(onPhone, [], onPhone.join('; '));
    await phone.screenshot({ path: `${shots}/app-passwords-390.png` });
    await phone.getByTestId('app-password-revoke').click();
    await phone.getByTestId('app-passwords-none').waitFor();
    await assert.rejects(accounts.byAppPassword(`greta${tag}`, secret, 'e2e-device'), /not right/);
    for (const c of contexts) await c.close();
  });
});
