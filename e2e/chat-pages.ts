// Steps of the chat client shared by browser tests: signing up (with a new
// organization or by invitation) and making an invitation link.
import type { Page } from 'playwright-core';

export async function signUp(page: Page, url: string, who: { name: string; username: string; language?: string; org?: string }): Promise<void> {
  await page.goto(url);
  await page.getByTestId('auth-page').waitFor();
  await page.getByTestId('tab-signup').click();
  await page.getByTestId('name-field').fill(who.name);
  await page.getByTestId('username-field').fill(who.username);
  await page.getByTestId('email-field').fill(`${who.username}@example.org`);
  await page.getByTestId('signup-password').fill('correct horse battery');
  if (who.language) await page.getByTestId('language-field').selectOption(who.language);
  if (who.org) await page.getByTestId('org-field').fill(who.org);
  await page.getByTestId('signup-submit').click();
  await page.getByTestId('chat-app').waitFor();
}

/**
 * Invites `email` from the chat's "Invite people" dialog (mailed; the dialog
 * also shows the link, which the test opens as the person would from the mail).
 */
export async function invite(page: Page, role: 'collaborator' | 'external', email: string, channels: string[] = []): Promise<string> {
  await page.getByTestId('invite-people').click();
  await page.getByTestId('invite-role').selectOption(role);
  await page.getByTestId('invite-email').fill(email);
  for (const c of channels) await page.locator(`[data-testid=invite-channel][data-channel-name="${c}"]`).check();
  await page.getByTestId('invite-create').click();
  await page.getByTestId('invite-sent').filter({ hasText: `Mailed to ${email}` }).waitFor();
  const url = await page.getByTestId('invite-url').inputValue();
  await page.getByRole('dialog').getByLabel('Close').click();
  return url;
}
