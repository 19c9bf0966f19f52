// Debian's vdirsyncer, a real two-way CardDAV sync tool no one here wrote,
// syncs a folder of .vcf files with Parley: it finds the address book from
// the server's name alone, then cards made, edited and deleted on either
// side reach the other, and a card edited on both sides is settled by its
// ETag as vdirsyncer is told ("a wins": the device's copy).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, test } from 'vitest';
import type { AddressBookView, AuthReply, ContactView, NewAppPasswordReply } from '@parley/protocol';
import type { Parley } from '../src/app.ts';
import { authed, signup, startChatServer } from './chat-helpers.ts';

const run = promisify(execFile);

describe('vdirsyncer syncs a folder of vCards with Parley, both ways', () => {
  let parley: Parley;
  let me: AuthReply;
  let dir: string;
  let book: AddressBookView;
  let local: string;

  beforeAll(async () => {
    parley = await startChatServer();
    me = await signup(parley.url, 'Vera');
    const made = await authed<NewAppPasswordReply>(parley.url, me.token, 'POST', '/api/me/app-passwords', { name: 'vdirsyncer', password: 'correct horse battery' });
    book = (await authed<{ books: AddressBookView[] }>(parley.url, me.token, 'GET', '/api/contacts/books')).body.books[0]!;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-vdirsyncer-'));
    local = path.join(dir, 'contacts', book.id);
    // The device's side of the book, as a phone has its own (else discover asks on the terminal whether to make it).
    fs.mkdirSync(local, { recursive: true });
    const quote = (s: string) => JSON.stringify(s);
    fs.writeFileSync(
      path.join(dir, 'config'),
      [
        '[general]',
        `status_path = ${quote(path.join(dir, 'status'))}`,
        '[pair contacts]',
        'a = "phone"',
        'b = "parley"',
        'collections = ["from b"]',
        'conflict_resolution = "a wins"',
        '[storage phone]',
        'type = "filesystem"',
        `path = ${quote(path.join(dir, 'contacts'))}`,
        'fileext = ".vcf"',
        '[storage parley]',
        'type = "carddav"',
        // The server's address alone: vdirsyncer finds the rest (/.well-known/carddav, the principal, its home).
        `url = ${quote(parley.url)}`,
        `username = ${quote(me.user.username)}`,
        `password = ${quote(made.body.secret)}`,
        '',
      ].join('\n'),
    );
  });
  afterAll(async () => {
    await parley?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  const vdirsyncer = async (...args: string[]) => {
    try {
      return await run('vdirsyncer', ['-c', path.join(dir, 'config'), ...args], { env: { ...process.env, HOME: dir, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' }, timeout: 60_000 });
    } catch (e) {
      const err = e as Error & { stdout?: string; stderr?: string };
      throw new Error(`vdirsyncer ${args.join(' ')} failed: ${err.message}\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    }
  };
  const files = () => (fs.existsSync(local) ? fs.readdirSync(local).filter((f) => f.endsWith('.vcf')) : []);
  const fileWith = (text: string) => files().find((f) => fs.readFileSync(path.join(local, f), 'utf8').includes(text));
  const inParley = async () => (await authed<{ contacts: ContactView[] }>(parley.url, me.token, 'GET', `/api/contacts/books/${book.id}/contacts`)).body.contacts;
  const card = (uid: string, fn: string, extra = '') => `BEGIN:VCARD\r\nVERSION:3.0\r\nUID:${uid}\r\nFN:${fn}\r\nN:${fn.split(' ').reverse().join(';')};;;\r\n${extra}END:VCARD\r\n`;

  test('made, edited and deleted on either side, seen on the other; a card edited on both sides settled by ETag', { timeout: 180_000 }, async () => {
    // Parley first: a card made in the web client.
    const web = (await authed<{ contact: ContactView }>(parley.url, me.token, 'POST', `/api/contacts/books/${book.id}/contacts`, { givenName: 'Walter', familyName: 'Web', phones: [{ value: '+41 44 123 45 67', type: 'work' }] }))
      .body.contact;
    await vdirsyncer('discover', 'contacts');
    await vdirsyncer('sync');
    const webFile = fileWith('FN:Walter Web');
    assert.ok(webFile, `the web's card is a file on the device: ${files().join(', ')}`);
    assert.match(fs.readFileSync(path.join(local, webFile), 'utf8'), /TEL;TYPE=work,voice:\+41 44 123 45 67/);

    // The device makes one, with a photo: Parley shows it, and keeps the photo.
    fs.writeFileSync(path.join(local, 'dana.vcf'), card('dana-1', 'Dana Device', 'EMAIL;TYPE=HOME:dana@example.org\r\nPHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo=\r\n'));
    await vdirsyncer('sync');
    let cards = await inParley();
    const dana = cards.find((c) => c.uid === 'dana-1');
    assert.deepEqual([dana?.displayName, dana?.emails], ['Dana Device', [{ value: 'dana@example.org', type: 'home' }]]);

    // Edited on the device, then in Parley: each reaches the other side.
    fs.writeFileSync(path.join(local, 'dana.vcf'), card('dana-1', 'Dana Edited', 'EMAIL;TYPE=HOME:dana@example.org\r\nPHOTO;ENCODING=b;TYPE=PNG:iVBORw0KGgo=\r\n'));
    await vdirsyncer('sync');
    assert.equal((await inParley()).find((c) => c.uid === 'dana-1')?.displayName, 'Dana Edited');
    await authed(parley.url, me.token, 'PUT', `/api/contacts/${web.id}`, { givenName: 'Walter', familyName: 'Webber' });
    await vdirsyncer('sync');
    assert.ok(fileWith('FN:Walter Webber'), 'Parley’s edit reached the device');
    assert.ok(fs.readFileSync(path.join(local, 'dana.vcf'), 'utf8').includes('PHOTO'), 'the photo came back');

    // Both sides edit Dana between two syncs: vdirsyncer sees both ETags changed and, told "a wins", writes the device's copy over Parley's with If-Match.
    const danaId = (await inParley()).find((c) => c.uid === 'dana-1')!.id;
    await authed(parley.url, me.token, 'PUT', `/api/contacts/${danaId}`, { givenName: 'Dana', familyName: 'Parley-side' });
    fs.writeFileSync(path.join(local, 'dana.vcf'), card('dana-1', 'Dana Phone-side', 'EMAIL;TYPE=HOME:dana@example.org\r\n'));
    const settled = await vdirsyncer('sync');
    assert.match(settled.stdout + settled.stderr, /Doing conflict resolution for item dana-1/);
    assert.equal((await inParley()).find((c) => c.uid === 'dana-1')?.displayName, 'Dana Phone-side');
    assert.ok(fileWith('FN:Dana Phone-side'));

    // Deleted in Parley: gone from the device. Deleted on the device: in Parley's trash. (A third card stays:
    // vdirsyncer refuses, as a safety, a sync that would empty one side.)
    fs.writeFileSync(path.join(local, 'kim.vcf'), card('kim-1', 'Kim Keeps'));
    await authed(parley.url, me.token, 'DELETE', `/api/contacts/${web.id}`);
    await vdirsyncer('sync');
    assert.equal(fileWith('Walter'), undefined, 'Parley’s deletion reached the device');
    fs.rmSync(path.join(local, 'dana.vcf'));
    await vdirsyncer('sync');
    cards = await inParley();
    assert.deepEqual(cards.map((c) => c.displayName), ['Kim Keeps']);
    const trash = (await authed<{ contacts: ContactView[] }>(parley.url, me.token, 'GET', `/api/contacts/books/${book.id}/trash`)).body.contacts;
    assert.deepEqual(trash.map((c) => c.displayName).sort(), ['Dana Phone-side', 'Walter Webber']);
    // A last sync with nothing new changes nothing on either side.
    await vdirsyncer('sync');
    assert.deepEqual(files(), ['kim.vcf']);
    assert.deepEqual((await inParley()).map((c) => c.displayName), ['Kim Keeps']);
  });
});
