// The drive contract: every implementation (local folder, S3) passes the same
// tests. S3 runs against s3rver (a real S3 HTTP server in this process,
// started here); the AWS SDK talks to it over HTTP like to any S3 store.
import { afterAll, beforeAll, describe, test } from 'vitest';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import S3rver from 's3rver';
import { LocalDrive, S3Drive, type Drive } from '@parley/platform';
import { startServer } from './helpers.ts';

const tmp = fs.mkdtempSync(path.join(process.env.PARLEY_TEST_TMP ?? os.tmpdir(), 'parley-drive-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const text = async (body: Readable): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
};

/** Every implementation must pass these. */
function contract(name: string, make: () => Drive) {
  describe(`drive contract: ${name}`, () => {
    let drive: Drive;
    beforeAll(() => {
      drive = make();
    });

    test('put, get, head: what was written is read back, with its size and type', async () => {
      await drive.put('rec/m1/part-0001.mp4', Buffer.from('not really an mp4'));
      const got = await drive.get('rec/m1/part-0001.mp4');
      assert.equal(await text(got.body), 'not really an mp4');
      assert.equal(got.size, 17);
      assert.equal(got.contentType, 'video/mp4');
      const head = await drive.head('rec/m1/part-0001.mp4');
      assert.equal(head?.size, 17);
      assert.ok(head && Math.abs(head.modifiedAt - Date.now()) < 60_000);
      assert.equal(await drive.head('rec/m1/nothing.mp4'), null);
      await assert.rejects(drive.get('rec/m1/nothing.mp4'), { code: 'NOT_FOUND' });
    });

    test('a stream of several megabytes is written whole; overwriting replaces', async () => {
      const chunk = Buffer.alloc(1024 * 1024, 7);
      const stream = Readable.from((function* () {
        for (let i = 0; i < 9; i++) yield chunk;
      })());
      await drive.put('big/blob.bin', stream);
      assert.equal((await drive.head('big/blob.bin'))?.size, 9 * 1024 * 1024);
      await drive.put('big/blob.bin', 'small now');
      assert.equal(await text((await drive.get('big/blob.bin')).body), 'small now');
    });

    test('list: everything under a folder, sorted, and nothing outside it', async () => {
      await drive.put('list/a/2.ts', 'b');
      await drive.put('list/a/1.ts', 'a');
      await drive.put('list/a/sub/3.ts', 'c');
      await drive.put('list/b/9.ts', 'z');
      assert.deepEqual((await drive.list('list/a/')).map((o) => o.key), ['list/a/1.ts', 'list/a/2.ts', 'list/a/sub/3.ts']);
      assert.deepEqual(await drive.list('list/none/'), []);
    });

    test('delete is idempotent', async () => {
      await drive.put('del/x.txt', 'x');
      await drive.delete('del/x.txt');
      await drive.delete('del/x.txt');
      assert.equal(await drive.head('del/x.txt'), null);
    });

    test('a share link lets anyone download the file', async () => {
      await drive.put('share/s.txt', 'shared');
      const url = await drive.shareUrl('share/s.txt', 60);
      if (drive.kind === 'local') return; // served by the HTTP route: tested there
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'shared');
    });

    test('keys that could escape are refused before anything is touched', async () => {
      for (const bad of ['../x', 'a/../../x', '/abs', 'a//b', 'a/', '', 'a/.hidden', 'sp ace', 'x'.repeat(600), 'a\\b']) {
        await assert.rejects(drive.put(bad, 'nope'), { code: 'INVALID_PAYLOAD' }, bad);
        await assert.rejects(drive.head(bad), { code: 'INVALID_PAYLOAD' }, bad);
      }
      await assert.rejects(drive.list('../'), { code: 'INVALID_PAYLOAD' });
      await assert.rejects(drive.list('no-slash'), { code: 'INVALID_PAYLOAD' });
    });
  });
}

contract('local folder', () => new LocalDrive({ root: path.join(tmp, 'local'), secret: 'test', baseUrl: 'http://127.0.0.1:1' }));

let s3rver: S3rver;
let s3: S3Drive;
beforeAll(async () => {
  s3rver = new S3rver({ port: 0, address: '127.0.0.1', directory: path.join(tmp, 's3'), silent: true, configureBuckets: [{ name: 'media' }] });
  const { port } = await s3rver.run();
  s3 = new S3Drive({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', bucket: 'media', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true, prefix: 'parley/' });
});
afterAll(async () => {
  s3?.close();
  await s3rver?.close();
});
contract('S3 (s3rver)', () => s3);

describe('local share links', () => {
  const drive = new LocalDrive({ root: path.join(tmp, 'links'), secret: 'test', baseUrl: 'http://parley.example' });

  test('signed for one key and expiring', async () => {
    const url = new URL(await drive.shareUrl('rec/a.mp4', 60));
    assert.equal(url.pathname, '/drive/rec/a.mp4');
    const expires = url.searchParams.get('expires')!;
    const sig = url.searchParams.get('sig')!;
    assert.equal(drive.verifyShare('rec/a.mp4', expires, sig), true);
    assert.equal(drive.verifyShare('rec/b.mp4', expires, sig), false, 'another key');
    assert.equal(drive.verifyShare('rec/a.mp4', String(Number(expires) + 1), sig), false, 'a longer life');
    assert.equal(drive.verifyShare('rec/a.mp4', expires, sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A')), false, 'a forged signature');
    assert.equal(drive.verifyShare('rec/a.mp4', expires, sig, (Number(expires) + 1) * 1000), false, 'expired');
    assert.equal(drive.verifyShare('../etc/passwd', expires, sig), false);
    assert.equal(drive.verifyShare('rec/a.mp4', undefined, sig), false);
  });
});

describe('GET /drive/*: the local drive served by the server', () => {
  test('a share link downloads the file; a tampered, expired or unsigned one gets FORBIDDEN and says nothing of the file', async () => {
    const parley = await startServer({ config: { drive: { kind: 'local', dir: path.join(tmp, 'served') } } });
    try {
      await parley.drive.put('rec/m1/meeting.mp4', Buffer.from('recorded bytes'));
      const url = await parley.drive.shareUrl('rec/m1/meeting.mp4', 60);
      assert.ok(url.startsWith(parley.url), url);
      const res = await fetch(url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'video/mp4');
      assert.equal(await res.text(), 'recorded bytes');

      const u = new URL(url);
      const refused = async (href: string) => {
        const r = await fetch(href);
        assert.equal(r.status, 403, href);
        assert.equal(((await r.json()) as { error: { code: string } }).error.code, 'FORBIDDEN');
      };
      await refused(`${parley.url}/drive/rec/m1/meeting.mp4`);
      await refused(url.replace('meeting.mp4', 'other.mp4'));
      await refused(`${u.origin}${u.pathname}?expires=${Number(u.searchParams.get('expires')) + 100}&sig=${u.searchParams.get('sig')}`);
      const expired = new URL(await parley.drive.shareUrl('rec/m1/meeting.mp4', -10));
      await refused(expired.href);
      await refused(`${parley.url}/drive/..%2F..%2Fsecret?expires=9999999999&sig=x`);

      // A valid link to a file deleted since: NOT_FOUND.
      await parley.drive.delete('rec/m1/meeting.mp4');
      assert.equal((await fetch(url)).status, 404);
    } finally {
      await parley.close();
    }
  });
});
