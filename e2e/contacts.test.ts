// The contacts screen in Chromium as a new user meets it: from the chat to
// /contacts, a card made in the editor (a wrong e-mail address refused with a
// sentence first), found by a search that ignores accents, edited, deleted to
// the trash and restored, the book exported as a .vcf file; a card a phone
// wrote over CardDAV shows there too. On a phone (390×844) the list, the card
// and the drawer each take the screen in turn. Layout asserted at both sizes.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { Parley } from '@parley/server';
import type { AddressBookView, NewAppPasswordReply } from '@parley/protocol';
import { signUp } from './chat-pages.ts';
import { launchBrowser, shotsDir, startStack, tmpDir } from './helpers.ts';
import { assertScreen } from './layout.ts';

const shots = shotsDir('contacts');

/** A real PNG of `w` x `h` (a red-to-blue gradient), made with zlib: what a camera or a screenshot gives. */
function png(w: number, h: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rows.set([Math.round((255 * x) / w), 40, Math.round((255 * y) / h)], y * (w * 3 + 1) + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

describe('contacts screen', () => {
  let parley: Parley;
  let browser: Browser;
  let token = '';
  const tag = crypto.randomBytes(3).toString('hex');

  beforeAll(async () => {
    parley = await startStack({ config: { database: { kind: 'pglite', dir: path.join(tmpDir('contacts-e2e'), 'pglite') } } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await parley?.close();
  });

  async function open(viewport: { width: number; height: number }): Promise<Page> {
    const context = await browser.newContext({ viewport, acceptDownloads: true });
    if (token) await context.addInitScript((t) => localStorage.setItem('parley:session', t), token);
    const p = await context.newPage();
    p.on('pageerror', (e) => console.error('page error:', e.message));
    return p;
  }
  const api = async <T>(method: string, url: string, body?: unknown): Promise<T> => {
    const res = await fetch(`${parley.url}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    assert.ok(res.ok, `${method} ${url}: ${res.status}`);
    return (await res.json()) as T;
  };

  test('on a laptop: made in the editor, found without its accents, edited, trashed and restored, exported; a phone’s card shows too', async () => {
    const p = await open({ width: 1280, height: 800 });
    await signUp(p, `${parley.url}/chat`, { name: 'Clara', username: `clara${tag}`, org: 'Clara & Co' });
    token = (await p.evaluate(() => localStorage.getItem('parley:session')))!;
    await p.getByTestId('go-contacts').click();
    await p.getByTestId('contacts-app').waitFor();
    await p.getByTestId('contacts-empty').waitFor();

    await p.getByTestId('new-contact').click();
    await p.getByTestId('contact-givenName').fill('Jürgen');
    await p.getByTestId('contact-familyName').fill('Müller');
    await p.getByTestId('contact-organization').fill('Acme AG');
    await p.getByTestId('contact-title').fill('Buyer');
    await p.getByTestId('contact-email-0').fill('juergen-at-acme');
    await p.getByTestId('contact-phone-0').fill('+41 79 123 45 67');
    await p.getByTestId('contact-address-add').click();
    await p.getByTestId('contact-address-0-street').fill('Bahnhofstrasse 1');
    await p.getByTestId('contact-address-0-postcode').fill('8001');
    await p.getByTestId('contact-address-0-city').fill('Zürich');
    await p.getByTestId('contact-birthday').fill('1980-05-17');
    await p.getByTestId('contact-groups').fill('Clients, Fair 2026');
    await p.getByTestId('contact-givenName').scrollIntoViewIfNeeded();
    await assertScreen(p, shots, 'editor', { shown: ['contact-givenName', 'contact-familyName', 'contact-email-0', 'contact-phone-0'] });
    await p.getByTestId('contact-save').click();
    // Refused by the server, said as a sentence in the dialog; nothing typed is lost.
    const refusal = await p.getByTestId('contact-error').textContent();
    assert.ok(refusal && refusal.length > 20 && !/INVALID_PAYLOAD|pattern/.test(refusal), `a sentence, not a code: ${refusal}`);
    await p.getByTestId('contact-email-0').fill('juergen@acme.example');
    await p.getByTestId('contact-save').click();
    await p.getByTestId('contact-editor').waitFor({ state: 'detached' });
    assert.equal(await p.getByTestId('contact-name').textContent(), 'Jürgen Müller');
    assert.match((await p.getByTestId('contact-detail').textContent())!, /Buyer · Acme AG.*juergen@acme\.example.*\+41 79 123 45 67.*Bahnhofstrasse 1.*8001 Zürich.*May 17, 1980.*Clients, Fair 2026/s);
    await api('POST', `/api/contacts/books/${(await api<{ books: AddressBookView[] }>('GET', '/api/contacts/books')).books[0]!.id}/contacts`, { givenName: 'Anna', familyName: 'Bianchi', emails: [{ value: 'anna@example.org' }] });

    // A phone writes a card over CardDAV: it shows at once, with no reload (as the card made above over HTTP does).
    const secret = (await api<NewAppPasswordReply>('POST', '/api/me/app-passwords', { name: 'Phone', password: 'correct horse battery' })).secret;
    const [book] = (await api<{ books: AddressBookView[] }>('GET', '/api/contacts/books')).books;
    const me = (await api<{ user: { id: string; username: string } }>('GET', '/api/me')).user;
    const fromPhone = (tel: string) =>
      fetch(`${parley.url}/dav/addressbooks/${me.id}/${book!.id}/from-phone.vcf`, {
        method: 'PUT',
        headers: { authorization: `Basic ${Buffer.from(`${me.username}:${secret}`).toString('base64')}`, 'content-type': 'text/vcard' },
        body: `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:from-phone-1\r\nFN:Pablo Phone\r\nN:Phone;Pablo;;;\r\nTEL;TYPE=CELL:${tel}\r\nEND:VCARD\r\n`,
      });
    assert.equal((await fromPhone('+34 600 000 000')).status, 201);
    await p.locator('[data-testid="contact-row"][data-name="Pablo Phone"]').waitFor();
    assert.deepEqual(await p.getByTestId('contact-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name'))), ['Anna Bianchi', 'Jürgen Müller', 'Pablo Phone']);
    // The phone changes the card being read: the card shown changes with it.
    await p.locator('[data-testid="contact-row"][data-name="Pablo Phone"]').click();
    await p.getByTestId('contact-detail').filter({ hasText: '+34 600 000 000' }).waitFor();
    assert.equal((await fromPhone('+34 611 111 111')).status, 204);
    await p.getByTestId('contact-detail').filter({ hasText: '+34 611 111 111' }).waitFor();
    await assertScreen(p, shots, 'changed-by-phone', { shown: ['contact-list', 'contact-detail'] });
    // A picture for Pablo, chosen in the editor (a 600x400 PNG, made small in the page): shown on his card, and on his phone.
    await p.getByTestId('contact-edit').click();
    await p.getByTestId('contact-photo-file').setInputFiles({ name: 'pablo.png', mimeType: 'image/png', buffer: png(600, 400) });
    await p.getByTestId('contact-photo-preview').waitFor();
    await p.getByTestId('contact-save').click();
    await p.getByTestId('contact-editor').waitFor({ state: 'detached' });
    await p.waitForFunction(() => (document.querySelector<HTMLImageElement>('[data-testid="contact-photo"]')?.naturalWidth ?? 0) > 0);
    assert.deepEqual(await p.getByTestId('contact-photo').evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]), [512, 341], 'made at most 512 px wide');
    // His row in the list shows it too, in place of his initials; the others keep theirs.
    const pabloRow = p.locator('[data-testid="contact-row"][data-name="Pablo Phone"]');
    await p.waitForFunction(() => (document.querySelector<HTMLImageElement>('[data-name="Pablo Phone"] [data-testid="contact-row-photo"]')?.naturalWidth ?? 0) > 0);
    assert.equal(await p.locator('[data-testid="contact-row-photo"]').count(), 1);
    assert.equal(await pabloRow.locator('.contact-avatar').count(), 1, 'the picture, no initials beside it');
    await assertScreen(p, shots, 'contact-photo', { shown: ['contact-detail', 'contact-photo', 'contact-name', 'contact-row-photo'] });
    const onPhone = await fetch(`${parley.url}/dav/addressbooks/${me.id}/${book!.id}/from-phone.vcf`, { headers: { authorization: `Basic ${Buffer.from(`${me.username}:${secret}`).toString('base64')}` } });
    assert.match(await onPhone.text(), /\r\nPHOTO;[^:\r\n]*ENCODING=b[^:\r\n]*:\/9j\//i, 'a phone gets the picture inline (vCard 3.0)');
    // Taken off again: the initials are back.
    await p.getByTestId('contact-edit').click();
    await p.getByTestId('contact-photo-remove').click();
    await p.getByTestId('contact-save').click();
    await p.getByTestId('contact-editor').waitFor({ state: 'detached' });
    await p.getByTestId('contact-photo').waitFor({ state: 'detached' });
    await pabloRow.locator('[data-testid="contact-row-photo"]').waitFor({ state: 'detached' });

    // Search without the accent.
    await p.getByTestId('contact-search').fill('muller');
    await p.waitForFunction(() => document.querySelectorAll('[data-testid="contact-row"]').length === 1);
    await p.getByTestId('contact-row').click();
    await assertScreen(p, shots, 'search', { shown: ['contact-search', 'contact-list', 'contact-detail', 'contact-edit', 'contact-delete', 'new-contact', 'book-entry', 'export-vcf'] });

    // Edited: the title.
    await p.getByTestId('contact-edit').click();
    await p.getByTestId('contact-title').fill('Head buyer');
    await p.getByTestId('contact-save').click();
    await p.getByTestId('contact-editor').waitFor({ state: 'detached' });
    // The card shows the saved version at once, not after the list is read again.
    assert.match((await p.getByTestId('contact-detail').textContent())!, /Head buyer · Acme AG/);

    // Deleted to the trash, restored from it.
    await p.getByTestId('contact-search').fill('');
    await p.getByTestId('contact-delete').click();
    await p.getByTestId('contacts-notice').waitFor();
    assert.match((await p.getByTestId('contacts-notice').textContent())!, /Jürgen Müller was moved to the trash/);
    await p.waitForFunction(() => document.querySelectorAll('[data-testid="contact-row"]').length === 2);
    await p.getByTestId('show-trash').click();
    await p.locator('[data-testid="contact-row"][data-name="Jürgen Müller"]').click();
    await assertScreen(p, shots, 'trash', { shown: ['contact-detail', 'contact-restore', 'show-trash'] });
    await p.getByTestId('contact-restore').click();
    await p.getByTestId('contacts-empty').waitFor();
    await p.getByTestId('book-entry').click();
    await p.waitForFunction(() => document.querySelectorAll('[data-testid="contact-row"]').length === 3);

    // Exported as a vCard file, read back.
    const [download] = await Promise.all([p.waitForEvent('download'), p.getByTestId('export-vcf').click()]);
    assert.equal(download.suggestedFilename(), 'Contacts.vcf');
    const file = path.join(tmpDir('contacts-e2e'), 'export.vcf');
    await download.saveAs(file);
    const text = fs.readFileSync(file, 'utf8');
    for (const line of ['FN:Jürgen Müller', 'TITLE:Head buyer', 'FN:Anna Bianchi', 'FN:Pablo Phone', 'CATEGORIES:Clients,Fair 2026']) assert.ok(text.includes(`${line}\r\n`), `${line} in the export`);
  });

  test('on a phone: the list takes the screen, a card replaces it with a way back, the drawer holds the books and the trash', async () => {
    assert.ok(token, 'signed up by the first test');
    const p = await open({ width: 390, height: 844 });
    // The stream of live changes is held until a card is made after the page's first reading: no note tells of
    // that card, and it shows all the same, as the page reads again when the stream opens.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await p.route('**/api/changes', async (route) => {
      await held;
      await route.continue();
    });
    // The page's first reading is over once no call but the held stream has been in flight for half a second.
    const inFlight = new Set<string>();
    let lastCall = Date.now();
    p.on('request', (r) => void (new URL(r.url()).pathname !== '/api/changes' && inFlight.add(r.url()) && (lastCall = Date.now())));
    const settled = (r: { url(): string }) => void (inFlight.delete(r.url()) && (lastCall = Date.now()));
    p.on('requestfinished', settled);
    p.on('requestfailed', settled);
    await p.goto(`${parley.url}/contacts`);
    await p.locator('[data-testid="contact-row"][data-name="Anna Bianchi"]').waitFor();
    while (inFlight.size || Date.now() - lastCall < 500) await p.waitForTimeout(100);
    const [book] = (await api<{ books: AddressBookView[] }>('GET', '/api/contacts/books')).books;
    // Another stream of Clara's hears the note go out before the page's stream opens.
    const other = new AbortController();
    const reader = (await fetch(`${parley.url}/api/changes`, { headers: { authorization: `Bearer ${token}` }, signal: other.signal })).body!.pipeThrough(new TextDecoderStream()).getReader();
    assert.match((await reader.read()).value!, /listening/);
    await api('POST', `/api/contacts/books/${book!.id}/contacts`, { givenName: 'Zoé', familyName: 'Late', emails: [{ value: 'zoe@example.org' }] });
    for (let heard = ''; !heard.includes(book!.id); ) {
      const { value, done } = await reader.read();
      assert.ok(!done, `the other stream ended before the note came: ${heard}`);
      heard += value;
    }
    other.abort();
    release();
    await p.locator('[data-testid="contact-row"][data-name="Zoé Late"]').waitFor();
    await assertScreen(p, shots, 'list', { shown: ['contact-list', 'contact-search', 'open-drawer', 'export-vcf'], touch: ['open-drawer', 'export-vcf', 'contact-search'], fullWidth: ['contact-list'] });
    await p.locator('[data-testid="contact-row"][data-name="Jürgen Müller"]').click();
    await assertScreen(p, shots, 'card', { shown: ['contact-detail', 'contact-back', 'contact-edit', 'contact-delete'], touch: ['contact-back', 'contact-edit', 'contact-delete'], fullWidth: ['contact-detail'] });
    assert.equal(await p.getByTestId('contact-list').isVisible(), false, 'one pane at a time');
    await p.getByTestId('contact-edit').click();
    await assertScreen(p, shots, 'editor', { shown: ['contact-givenName', 'contact-familyName', 'contact-photo-pick'], touch: ['contact-givenName', 'contact-photo-pick'] });
    await p.keyboard.press('Escape');
    await p.getByTestId('contact-editor').waitFor({ state: 'detached' });
    await p.getByTestId('contact-back').click();
    await p.getByTestId('contact-list').waitFor();
    await p.getByTestId('open-drawer').click();
    await p.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    await assertScreen(p, shots, 'drawer', { shown: ['sidebar', 'new-contact', 'book-entry', 'show-trash'], touch: ['new-contact', 'book-entry', 'show-trash'] });
    await p.getByTestId('show-trash').click();
    await p.getByTestId('contacts-empty').waitFor();
    await p.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    assert.equal(await p.getByTestId('sidebar').evaluate((el) => getComputedStyle(el).visibility), 'hidden', 'picking closes the drawer');
  });

  test('the organization directory: one’s phone set in the Account dialog, colleagues listed, an entry made private by the administrator', async () => {
    assert.ok(token, 'signed up by the first test');
    const me = await api<{ user: { id: string }; orgs: { id: string }[] }>('GET', '/api/me');
    const orgId = me.orgs[0]!.id;
    // A colleague joins by invitation.
    const invitation = await api<{ token: string }>('POST', `/api/orgs/${orgId}/invitations`, { role: 'collaborator', email: `dora${tag}@example.org` });
    const joined = await fetch(`${parley.url}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `dora${tag}@example.org`, username: `dora${tag}`, name: 'Dora Colleague', password: 'correct horse battery', invitation: invitation.token }),
    });
    assert.equal(joined.status, 201);

    const p = await open({ width: 1280, height: 800 });
    await p.goto(`${parley.url}/chat`);
    await p.getByTestId('open-account').click();
    await p.getByTestId('my-phone').fill('+41 44 555 66 77');
    await p.getByTestId('save-details').click();
    await p.getByTestId('details-note').waitFor();
    assert.equal(await p.getByTestId('details-note').textContent(), 'Saved.');
    await assertScreen(p, shots, 'account-details', { shown: ['contact-details', 'my-phone', 'my-email', 'save-details'] });
    await p.keyboard.press('Escape');

    await p.goto(`${parley.url}/contacts`);
    await p.getByTestId('directory-entry').click();
    await p.locator('[data-testid="contact-row"][data-name="Dora Colleague"]').waitFor();
    assert.equal(await p.getByTestId('export-vcf').count(), 0, 'the directory is not exported');
    await p.locator('[data-testid="contact-row"][data-name="Clara"]').click();
    assert.match((await p.getByTestId('contact-detail').textContent())!, /\+41 44 555 66 77/);
    await p.getByTestId('contact-search').fill('dora');
    await p.waitForFunction(() => document.querySelectorAll('[data-testid="contact-row"]').length === 1);
    await p.getByTestId('contact-row').click();
    await Promise.all([p.waitForResponse((r) => r.url().includes('/directory/') && r.request().method() === 'PUT'), p.getByTestId('directory-private').check()]);
    await assertScreen(p, shots, 'directory', { shown: ['contact-list', 'contact-detail', 'directory-private', 'directory-entry'] });
    // Dora no longer sees her own entry; Clara, an administrator, still does.
    const login = (await (await fetch(`${parley.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: `dora${tag}`, password: 'correct horse battery' }) })).json()) as { token: string };
    const seenByDora = (await (await fetch(`${parley.url}/api/orgs/${orgId}/directory`, { headers: { authorization: `Bearer ${login.token}` } })).json()) as { entries: { name: string }[] };
    assert.deepEqual(seenByDora.entries.map((e) => e.name), ['Clara']);

    const phone = await open({ width: 390, height: 844 });
    await phone.goto(`${parley.url}/contacts`);
    await phone.getByTestId('open-drawer').click();
    await phone.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    await phone.getByTestId('directory-entry').click();
    await phone.locator('[data-testid="contact-row"][data-name="Dora Colleague"]').click();
    await assertScreen(phone, shots, 'directory', { shown: ['contact-detail', 'contact-back', 'directory-private'], touch: ['contact-back', 'directory-private'], fullWidth: ['contact-detail'] });
  });

  test('sharing a book with a colleague: she sees it at once on her phone, read only, then may edit', async () => {
    assert.ok(token, 'signed up by the first test');
    const login = (await (await fetch(`${parley.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: `dora${tag}`, password: 'correct horse battery' }) })).json()) as { token: string };
    assert.ok(login.token, 'Dora joined in the directory test');
    // Dora's phone shows her contacts before anything is shared.
    const doraContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
    await doraContext.addInitScript((t) => localStorage.setItem('parley:session', t), login.token);
    const dora = await doraContext.newPage();
    dora.on('pageerror', (e) => console.error('page error:', e.message));
    await dora.goto(`${parley.url}/contacts`);
    await dora.getByTestId('contacts-app').waitFor();

    const p = await open({ width: 1280, height: 800 });
    await p.goto(`${parley.url}/contacts`);
    await p.getByTestId('share-book-open').click();
    await p.getByTestId('share-none').waitFor();
    await p.getByTestId('share-user').selectOption({ label: `Dora Colleague (@dora${tag})` });
    await p.getByTestId('share-save').click();
    await p.getByTestId('share-note').filter({ hasText: 'Shared with Dora Colleague.' }).waitFor();
    await p.locator(`[data-testid="share-row"][data-username="dora${tag}"]`).waitFor();
    await assertScreen(p, shots, 'share-book', { shown: ['share-book', 'share-row', 'share-row-access', 'share-row-stop', 'share-note'] });

    // On Dora's phone, with no reload: the book, whose it is, read only.
    await dora.getByTestId('open-drawer').click();
    await dora.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    const shared = dora.getByTestId('book-entry').filter({ has: dora.getByTestId('book-shared-by') });
    await shared.waitFor();
    assert.equal(await shared.getByTestId('book-shared-by').textContent(), 'Clara · read only');
    await assertScreen(dora, shots, 'shared-book-drawer', { shown: ['book-list', 'book-shared-by'] });
    await shared.click();
    await dora.locator('[data-testid="contact-row"][data-name="Jürgen Müller"]').click();
    await dora.getByTestId('contact-read-only').waitFor();
    await dora.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
    assert.equal(await dora.getByTestId('contact-edit').count(), 0, 'nothing to edit in a book shared to read');
    assert.ok(await dora.getByTestId('new-contact').isDisabled());
    await assertScreen(dora, shots, 'shared-contact-read-only', { shown: ['contact-detail', 'contact-back', 'contact-read-only', 'contact-copy'], touch: ['contact-back'], fullWidth: ['contact-detail'] });
    // She may copy it into her own book (not move it: the book is Clara's to change).
    await dora.getByTestId('contact-copy').click();
    await dora.getByTestId('copy-contact').waitFor();
    assert.equal(await dora.getByTestId('move-run').count(), 0);
    await assertScreen(dora, shots, 'copy-contact', { shown: ['copy-contact', 'copy-book', 'copy-run'], touch: ['copy-run'] });
    await dora.getByTestId('copy-run').click();
    await dora.getByTestId('contacts-notice').filter({ hasText: 'Jürgen Müller was copied to Contacts.' }).waitFor();
    // In her own book now; then back to Clara's.
    await dora.getByTestId('contact-back').click();
    for (const which of [dora.getByTestId('book-entry').first(), shared]) {
      await dora.getByTestId('open-drawer').click();
      await dora.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
      await which.click();
      await dora.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
      await dora.locator('[data-testid="contact-row"][data-name="Jürgen Müller"]').waitFor();
    }
    await dora.locator('[data-testid="contact-row"][data-name="Jürgen Müller"]').click();

    // Clara lets her edit: the card offers it at once.
    await p.getByTestId('share-row-access').selectOption('write');
    await p.getByTestId('share-note').filter({ hasText: 'Access changed.' }).waitFor();
    await dora.getByTestId('contact-edit').waitFor();
    await dora.getByTestId('contact-edit').click();
    await dora.getByTestId('contact-title').fill('Chief buyer');
    await dora.getByTestId('contact-save').click();
    await dora.getByTestId('contact-editor').waitFor({ state: 'detached' });
    // Clara's page shows Dora's change (the card list reads it again by itself).
    await p.keyboard.press('Escape');
    await p.locator('[data-testid="contact-row"][data-name="Jürgen Müller"]').click();
    await p.getByTestId('contact-detail').filter({ hasText: 'Chief buyer' }).waitFor();
    await doraContext.close();
  });

  test('duplicates: found by name, the card to keep picked, merged with the other’s number; the other waits in the trash', async () => {
    assert.ok(token, 'signed up by the first test');
    const [book] = (await api<{ books: AddressBookView[] }>('GET', '/api/contacts/books')).books;
    await api('POST', `/api/contacts/books/${book!.id}/contacts`, { givenName: 'Anna', familyName: 'Bianchi', phones: [{ value: '+39 333 123 4567', type: 'cell' }], organization: 'Bianchi Srl' });
    // Seen on a phone first, merged on a laptop.
    for (const viewport of [
      { width: 390, height: 844 },
      { width: 1280, height: 800 },
    ]) {
      const p = await open(viewport);
      await p.goto(`${parley.url}/contacts`);
      await p.locator('[data-testid="contact-row"][data-name="Anna Bianchi"]').nth(1).waitFor();
      await p.getByTestId('duplicates-open').click();
      await p.getByTestId('duplicate-group').waitFor();
      const group = p.getByTestId('duplicate-group');
      assert.equal(await group.locator('legend').textContent(), 'Same name');
      assert.deepEqual((await group.locator('.duplicate-card').allTextContents()).sort(), ['Anna BianchiBianchi Srl · +39 333 123 4567', 'Anna Bianchianna@example.org']);
      await assertScreen(p, shots, 'duplicates', { shown: ['duplicates', 'duplicate-group', 'duplicate-merge'], ...(viewport.width < 500 ? { touch: ['duplicate-merge'] } : {}) });
      if (viewport.width < 500) {
        // Sought in all her address books: the same pair, each said to be in its book.
        await p.getByTestId('duplicates-everywhere').check();
        await p.getByRole('dialog').getByText('Duplicates in the address books I can edit').waitFor();
        await p.waitForFunction(() => [...document.querySelectorAll('.duplicate-card')].filter((c) => c.textContent!.includes('in “Contacts”')).length === 2);
        await p.context().close();
        continue;
      }
      // Keep the one with the company: the other's address comes into it.
      await p.locator('.duplicate-card', { hasText: 'Bianchi Srl' }).getByTestId('duplicate-keep').check();
      await p.getByTestId('duplicate-merge').click();
      await p.getByTestId('duplicates-none').waitFor();
      await p.keyboard.press('Escape');
      await p.getByTestId('contacts-notice').filter({ hasText: '2 contacts were merged into Anna Bianchi.' }).waitFor();
      await p.waitForFunction(() => document.querySelectorAll('[data-testid="contact-row"][data-name="Anna Bianchi"]').length === 1);
      await p.locator('[data-testid="contact-row"][data-name="Anna Bianchi"]').click();
      assert.match((await p.getByTestId('contact-detail').textContent())!, /Bianchi Srl.*anna@example\.org.*\+39 333 123 4567/s);
      await p.getByTestId('show-trash').click();
      await p.locator('[data-testid="contact-row"][data-name="Anna Bianchi"]').waitFor();
      await p.context().close();
    }
  });

  test('importing a CSV: the count before, each column’s field chosen with its header in sight, a new book, the import’s group; a bad row named by its line', async () => {
    assert.ok(token, 'signed up by the first test');
    const csv = ['Prénom;Nom;Courriel;Portable;Ville;Remarque', 'Élodie;Favre;elodie@example.org;+41 79 444 55 66;Sion;cliente', 'Marco;Rossi;marco@example.org;;Lugano;', 'Nur;Name;;;;'].join('\r\n');
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 390, height: 844 },
    ]) {
      const p = await open(viewport);
      await p.goto(`${parley.url}/contacts`);
      await p.getByTestId('contacts-app').waitFor();
      if (viewport.width < 700) {
        await p.getByTestId('open-drawer').click();
        await p.waitForFunction(() => document.getAnimations().every((a) => a.playState !== 'running'));
      }
      await p.getByTestId('import-open').click();
      // A row Parley refuses: nothing imported, its line named.
      await p.getByTestId('import-file').setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(`${csv}\r\nEve;Bad;eve-at-example;;;`) });
      await p.getByTestId('import-count').waitFor();
      assert.equal(await p.getByTestId('import-count').textContent(), '4 contacts in this file');
      await p.getByTestId('import-run').click();
      await p.getByTestId('import-error').waitFor();
      assert.match((await p.getByTestId('import-error').textContent())!, /Nothing was imported: line 5: e-mail address “eve-at-example”/);

      await p.getByTestId('import-file').setInputFiles({ name: 'clients.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      await p.waitForFunction(() => document.querySelector('[data-testid="import-count"]')?.textContent === '3 contacts in this file');
      assert.equal(await p.getByTestId('import-separator').inputValue(), ';');
      assert.deepEqual(await Promise.all([0, 1, 2, 3, 4, 5].map((i) => p.getByTestId(`import-field-${i}`).inputValue())), ['givenName', 'familyName', 'email', 'phoneCell', 'city', 'note']);
      // The town is not wanted; the book is a new one; name-only rows are left out.
      await p.getByTestId('import-field-4').selectOption('');
      await p.getByTestId('import-book').selectOption('');
      await p.getByTestId('import-book-name').fill(`Clients ${viewport.width}`);
      await p.getByTestId('import-skip-name-only').check();
      await p.getByTestId('import-field-0').scrollIntoViewIfNeeded();
      await assertScreen(p, shots, 'import', { shown: ['import-field-0', 'import-field-1'], ...(viewport.width < 700 ? { touch: ['import-field-0'] } : {}) });
      await p.getByTestId('import-run').click();
      await p.getByTestId('import-dialog').waitFor({ state: 'detached' });
      await p.getByTestId('contacts-notice').waitFor();
      assert.match((await p.getByTestId('contacts-notice').textContent())!, /^2 contacts imported, 1 left out, in the group “Import .*”\.$/);
      await p.locator('[data-testid="contact-row"][data-name="Élodie Favre"]').click();
      const card = (await p.getByTestId('contact-detail').textContent())!;
      assert.match(card, /elodie@example\.org.*\+41 79 444 55 66.*Groups.*Import .*Note.*cliente/s);
      assert.doesNotMatch(card, /Sion/);
      await assertScreen(p, shots, 'imported', viewport.width < 700 ? { shown: ['contact-detail'], fullWidth: ['contact-detail'] } : { shown: ['contact-detail', 'contact-list'] });
      const books = await api<{ books: AddressBookView[] }>('GET', '/api/contacts/books');
      assert.equal(books.books.find((b) => b.name === `Clients ${viewport.width}`)?.count, 2);
      if (viewport.width >= 700) {
        // The import's group, then deleted: its contacts stay.
        const importGroup = (await p.getByTestId('group-filter').locator('option').allTextContents()).find((o) => o.startsWith('Import '))!;
        await p.getByTestId('group-filter').selectOption(importGroup);
        await p.getByTestId('group-delete').click();
        await assertScreen(p, shots, 'group-delete', { shown: ['group-delete-dialog', 'group-delete-contacts', 'group-delete-confirm'] });
        assert.equal(await p.getByTestId('group-delete-confirm').evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(198, 42, 47)', 'an action that destroys is red');
        await p.getByTestId('group-delete-confirm').click();
        await p.waitForFunction(() => document.querySelector('[data-testid="contacts-notice"]')?.textContent?.includes('its contacts stay'));
        await p.waitForFunction(() => document.querySelectorAll('[data-testid="contact-row"]').length === 2);
        assert.equal(await p.getByTestId('group-filter').count(), 0, 'no group left in this book');
      }
      await p.context().close();
    }
    // Signing out from the contacts page: the session ends on the server too.
    const p = await open({ width: 1280, height: 800 });
    await p.goto(`${parley.url}/contacts`);
    await p.getByTestId('sign-out').click();
    await p.waitForFunction(() => localStorage.getItem('parley:session') === null);
    assert.equal((await fetch(`${parley.url}/api/me`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
    await p.context().close();
  });
});
