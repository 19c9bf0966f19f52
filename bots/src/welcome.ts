// Euria's welcome, in the newcomer's language (euria.welcome in the message
// files). An organization may replace the text per language (PUT
// /api/orgs/:id/welcome); {name}, {username} and {org} are filled in. The
// result is plain text: clients render it as such.
import { translate } from '@parley/i18n/node';
import type { WelcomeJob } from '@parley/protocol';

export function renderWelcome(job: Pick<WelcomeJob, 'language' | 'template' | 'name' | 'username' | 'orgName'>): string {
  const values: Record<string, string> = { name: job.name, username: job.username, org: job.orgName };
  // An organization's own text is not a message format (its braces and apostrophes are its own): plain placeholders only.
  if (job.template === null) return translate(job.language, 'euria.welcome', values);
  // One pass: a value that itself contains "{org}" is not expanded again.
  return job.template.replace(/\{(name|username|org)\}/g, (_, key: string) => values[key]!);
}
