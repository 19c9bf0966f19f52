// A CSV row as a card: each column read as the field the mapping names
// (guessed from the header as Google's, Outlook's, Apple's and Thunderbird's
// exports and people's own spreadsheets name them, in the five languages);
// an e-mail address, a phone or a birthday that cannot be read is an error
// naming the row's line, not a silent loss.
import { CONTACT_EMAIL_PATTERN, CONTACT_LIMITS, CONTACT_PHONE_PATTERN, CSV_FIELDS, type ContactAddressView, type ContactBody, type ContactKind, type CsvField } from '@parley/protocol';
import { InvalidImport } from './import-read.ts';

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();

/** Header words (folded) and the field each names. */
const GUESSES: [CsvField, string[]][] = [
  ['givenName', ['first name', 'given name', 'firstname', 'prenom', 'vorname', 'nome', 'nombre']],
  ['familyName', ['last name', 'family name', 'surname', 'lastname', 'nom', 'nom de famille', 'nachname', 'cognome', 'apellido', 'apellidos']],
  ['middleName', ['middle name', 'additional name', 'second prenom', 'zweiter vorname']],
  ['prefix', ['title prefix', 'name prefix', 'prefix', 'civilite', 'anrede']],
  ['suffix', ['name suffix', 'suffix']],
  ['displayName', ['name', 'display name', 'full name', 'nom complet', 'anzeigename', 'nome completo', 'nombre completo']],
  ['organization', ['company', 'organization', 'organisation', 'organization 1 name', 'entreprise', 'societe', 'firma', 'unternehmen', 'azienda', 'empresa']],
  ['department', ['department', 'organization 1 department', 'service', 'abteilung', 'reparto', 'departamento']],
  ['title', ['job title', 'organization 1 title', 'title', 'fonction', 'position', 'funktion', 'ruolo', 'cargo']],
  ['email', ['e mail', 'email', 'e mail address', 'email address', 'primary email', 'e mail 1 value', 'courriel', 'adresse e mail', 'e mail adresse', 'indirizzo e mail', 'correo', 'correo electronico']],
  ['emailHome', ['home email', 'e mail 2 value', 'secondary email', 'e mail 2 address']],
  ['emailWork', ['work email', 'business email']],
  ['phone', ['phone', 'telephone', 'phone 1 value', 'primary phone', 'telefon', 'telefono', 'tel']],
  ['phoneCell', ['mobile', 'mobile phone', 'cell', 'cellular', 'portable', 'mobile number', 'handy', 'mobiltelefon', 'cellulare', 'movil', 'phone 2 value']],
  ['phoneHome', ['home phone', 'telephone domicile', 'telefon privat', 'telefono casa']],
  ['phoneWork', ['work phone', 'business phone', 'telephone professionnel', 'telefon geschaftlich', 'telefono lavoro', 'telefono trabajo']],
  ['street', ['street', 'address', 'address 1 street', 'home street', 'business street', 'rue', 'adresse', 'strasse', 'via', 'indirizzo', 'calle', 'direccion']],
  ['postcode', ['postal code', 'postcode', 'zip', 'zip code', 'address 1 postal code', 'home postal code', 'business postal code', 'code postal', 'npa', 'plz', 'postleitzahl', 'cap', 'codigo postal']],
  ['city', ['city', 'address 1 city', 'home city', 'business city', 'ville', 'localite', 'ort', 'stadt', 'citta', 'localita', 'ciudad']],
  ['region', ['region', 'state', 'address 1 region', 'home state', 'business state', 'canton', 'kanton', 'provincia', 'bundesland']],
  ['country', ['country', 'address 1 country', 'home country', 'business country', 'pays', 'land', 'paese', 'pais']],
  ['birthday', ['birthday', 'date of birth', 'anniversaire', 'date de naissance', 'geburtstag', 'compleanno', 'data di nascita', 'cumpleanos', 'fecha de nacimiento']],
  ['note', ['notes', 'note', 'comment', 'comments', 'remarque', 'remarques', 'commentaire', 'notiz', 'notizen', 'bemerkung', 'bemerkungen', 'nota', 'osservazioni', 'notas', 'comentario']],
  ['groups', ['groups', 'group membership', 'categories', 'labels', 'groupes', 'gruppen', 'kategorien', 'gruppi', 'grupos', 'etiquetas']],
];
const BY_WORDS = new Map(GUESSES.flatMap(([field, words]) => words.map((w) => [w, field] as const)));

/** Each header's field, '' for one not recognized; a field is guessed once (the first e-mail column is "email", another one is left to the person). */
export function guessMapping(header: string[]): (CsvField | '')[] {
  const used = new Set<CsvField>();
  return header.map((h) => {
    const field = BY_WORDS.get(fold(h));
    if (!field || used.has(field)) return '';
    used.add(field);
    return field;
  });
}

/** The mapping as the query gives it ("givenName,familyName,,email"); a name that is no field is refused. */
export function parseMapping(text: string): (CsvField | '')[] {
  return text.split(',').map((name) => {
    if (name && !(CSV_FIELDS as readonly string[]).includes(name)) throw new InvalidImport(`mapping: “${name.slice(0, 40)}” is no field`);
    return name as CsvField | '';
  });
}

const EMAIL = new RegExp(CONTACT_EMAIL_PATTERN, 'u');
const PHONE = new RegExp(CONTACT_PHONE_PATTERN, 'u');
const KIND: Partial<Record<CsvField, ContactKind>> = { emailHome: 'home', emailWork: 'work', phoneCell: 'cell', phoneHome: 'home', phoneWork: 'work' };

/** One row as a card's body; `line` names it in an error. */
export function rowToCard(cells: string[], mapping: (CsvField | '')[], line: number): ContactBody {
  const body: ContactBody & { emails: NonNullable<ContactBody['emails']>; phones: NonNullable<ContactBody['phones']>; groups: string[] } = { emails: [], phones: [], groups: [] };
  const address: ContactAddressView = {};
  const fail = (what: string) => {
    throw new InvalidImport(`line ${line}: ${what}`);
  };
  mapping.forEach((field, i) => {
    const value = (cells[i] ?? '').trim();
    if (!field || !value) return;
    if (field.startsWith('email')) {
      for (const v of value.split(/\s*[;,]\s*|\s+:::\s+/).filter(Boolean)) {
        if (!EMAIL.test(v) || v.length > 254) fail(`e-mail address “${v.slice(0, 80)}”: it needs an @ and a dot after it`);
        if (body.emails.length < CONTACT_LIMITS.emails) body.emails.push({ value: v, ...(KIND[field] ? { type: KIND[field] } : {}) });
      }
    } else if (field.startsWith('phone')) {
      if (!PHONE.test(value) || value.length > 40) fail(`phone number “${value.slice(0, 40)}”: digits, and + ( ) . - / and spaces between them`);
      if (body.phones.length < CONTACT_LIMITS.phones) body.phones.push({ value, ...(KIND[field] ? { type: KIND[field] } : {}) });
    } else if (field === 'street' || field === 'postcode' || field === 'city' || field === 'region' || field === 'country') address[field] = value.slice(0, field === 'postcode' ? 20 : 200);
    else if (field === 'birthday') body.birthday = birthdayOf(value) ?? fail(`birthday “${value.slice(0, 20)}”: write it as YYYY-MM-DD (or DD.MM.YYYY)`);
    else if (field === 'groups') body.groups = [...new Set(value.split(/\s*[;,]\s*|\s+:::\s+/).map((g) => g.slice(0, 64)).filter(Boolean))].slice(0, CONTACT_LIMITS.groups);
    else if (field === 'note') body.note = value.slice(0, CONTACT_LIMITS.noteChars);
    else (body as Record<string, unknown>)[field] = value.slice(0, field === 'prefix' || field === 'suffix' ? 50 : field === 'givenName' || field === 'familyName' || field === 'middleName' ? 100 : 200);
  });
  if (Object.keys(address).length) body.addresses = [address];
  return body;
}

/** YYYY-MM-DD, or DD.MM.YYYY as written in Switzerland, Germany and Italy; undefined otherwise. */
function birthdayOf(v: string): string | undefined {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  const dotted = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(v);
  const [y, m, d] = iso ? [iso[1]!, iso[2]!, iso[3]!] : dotted ? [dotted[3]!, dotted[2]!.padStart(2, '0'), dotted[1]!.padStart(2, '0')] : [];
  if (!y) return undefined;
  const text = `${y}-${m}-${d}`;
  const at = Date.parse(`${text}T00:00:00Z`);
  // A day the month does not have (31.02.) is not rolled into the next one.
  return !Number.isNaN(at) && new Date(at).toISOString().slice(0, 10) === text ? text : undefined;
}
