// Adds English messages to i18n/messages/en.json (keys sorted), from a JSON
// object on stdin: `node scripts/messages-add.ts < new.json`. A key already
// there with another text is refused (rename the key instead). Run it under
// `flock /tmp/parley-messages.lock` when several people add at once.
import fs from 'node:fs';
import path from 'node:path';

const file = path.resolve(import.meta.dirname, '../i18n/messages/en.json');
const added = JSON.parse(fs.readFileSync(0, 'utf8')) as Record<string, unknown>;
const current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
const clashes: string[] = [];
for (const [key, text] of Object.entries(added)) {
  if (typeof text !== 'string' || !/^[a-z][A-Za-z0-9]*(\.[A-Za-z0-9_]+)+$/.test(key)) throw new Error(`not a message: ${key}`);
  if (key in current && current[key] !== text) clashes.push(key);
  else current[key] = text;
}
if (clashes.length) {
  console.error(`already there with another text: ${clashes.join(', ')}`);
  process.exit(1);
}
const sorted = Object.fromEntries(Object.entries(current).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
fs.writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
console.log(`${Object.keys(added).length} messages added; en.json has ${Object.keys(sorted).length}`);
