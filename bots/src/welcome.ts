// Euria's welcome, in the newcomer's language. An organization may replace
// the text per language (PUT /api/orgs/:id/welcome); {name}, {username} and
// {org} are filled in. The result is plain text: clients render it as such.
import type { Language, WelcomeJob } from '@parley/protocol';

export const DEFAULT_WELCOME: Record<Language, string> = {
  en: "Welcome to {org}, {name}! I'm Euria, your assistant. Your channels are on the left: #general is where everyone meets. Mention someone with @ to get their attention, and start a call from any channel with the call button.",
  fr: "Bienvenue dans {org}, {name} ! Je suis Euria, votre assistante. Vos canaux sont à gauche : #general réunit tout le monde. Mentionnez quelqu'un avec @ pour attirer son attention, et lancez un appel depuis n'importe quel canal avec le bouton d'appel.",
  de: 'Willkommen bei {org}, {name}! Ich bin Euria, deine Assistentin. Deine Kanäle findest du links: In #general treffen sich alle. Erwähne jemanden mit @, um seine Aufmerksamkeit zu bekommen, und starte aus jedem Kanal einen Anruf mit der Anruf-Schaltfläche.',
  it: 'Benvenuto in {org}, {name}! Sono Euria, la tua assistente. I tuoi canali sono a sinistra: #general è dove si incontrano tutti. Menziona qualcuno con @ per attirare la sua attenzione e avvia una chiamata da qualsiasi canale con il pulsante di chiamata.',
  es: '¡Bienvenido a {org}, {name}! Soy Euria, tu asistente. Tus canales están a la izquierda: #general es donde se encuentra todo el mundo. Menciona a alguien con @ para llamar su atención e inicia una llamada desde cualquier canal con el botón de llamada.',
};

export function renderWelcome(job: Pick<WelcomeJob, 'language' | 'template' | 'name' | 'username' | 'orgName'>): string {
  const template = job.template ?? DEFAULT_WELCOME[job.language] ?? DEFAULT_WELCOME.en;
  const values: Record<string, string> = { name: job.name, username: job.username, org: job.orgName };
  // One pass: a value that itself contains "{org}" is not expanded again.
  return template.replace(/\{(name|username|org)\}/g, (_, key: string) => values[key]!);
}
