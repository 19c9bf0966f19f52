// Administrators' people screens in team chat: invitations (by address, or
// an open link for collaborators), pending invitations, roles and removal.
// The server checks every action; these only ask.
import { useEffect, useState } from 'preact/hooks';
import type { InvitationReply, InvitationView, TeamView } from '@parley/protocol';
import { api } from '../core/api.ts';
import { sessionToken } from '../account/session.ts';
import { teamsApi } from './teams-api.ts';
import { errorText } from '../i18n/errors.ts';
import { formatDate } from '../i18n/format.ts';
import { hasMessage, t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import { isEmailAddress } from '../account/messages.ts';
import type { ChatClient } from './client.ts';

const MAX_ADDRESSES = 50;

/** A role's name in the organization (legal, admin, collaborator, external, bot). */
function roleLabel(role: string): string {
  const key = `chat.role.${role}`;
  return hasMessage(key) ? t(key) : role;
}

/**
 * Invitations by address (one per address, mailed, single use), or for
 * collaborators an open link that lets in a chosen number of people.
 */
export function Invite({ client, close }: { client: ChatClient; close: () => void }) {
  const [role, setRole] = useState<'collaborator' | 'admin' | 'external'>('collaborator');
  const [emails, setEmails] = useState('');
  const [open, setOpen] = useState(false);
  const [maxUses, setMaxUses] = useState(10);
  const [picked, setPicked] = useState<string[]>([]);
  const [teams, setTeams] = useState<TeamView[]>([]);
  const [pickedTeams, setPickedTeams] = useState<string[]>([]);
  useEffect(() => void teamsApi.teams(client.org.value!.id, sessionToken.value!).then((r) => setTeams(r.teams), () => undefined), []);
  const [sent, setSent] = useState<InvitationReply[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);
  const rooms = client.channels.value.filter((c) => c.kind === 'public' || c.kind === 'private');
  const byLink = open && role === 'collaborator';
  const addresses = emails
    .split(/[\s,;]+/)
    .map((a) => a.trim())
    .filter(Boolean);
  const copy = (url: string) => void navigator.clipboard?.writeText(url).then(() => (setCopied(url), setTimeout(() => setCopied(null), 2000)));
  return (
    <Dialog title={t('chat.invite.title')} close={close}>
      <form
        class="dialog-form"
        data-testid="invite-form"
        noValidate
        onSubmit={async (e) => {
          e.preventDefault();
          setError(null);
          if (!byLink) {
            const bad = addresses.find((a) => !isEmailAddress(a));
            if (addresses.length === 0) return setError(t('chat.invite.errorNoEmail'));
            if (bad) return setError(t('chat.invite.errorBadEmail', { address: bad }));
            if (addresses.length > MAX_ADDRESSES) return setError(t('chat.invite.errorTooMany', { max: MAX_ADDRESSES }));
          }
          if (role === 'external' && picked.length === 0) return setError(t('chat.invite.errorNoChannels'));
          setBusy(true);
          const org = client.org.value!.id;
          const done: InvitationReply[] = [];
          try {
            // Guests name their channels; members may arrive in teams.
            const where = role === 'external' ? { channelIds: picked } : pickedTeams.length ? { teamIds: pickedTeams } : {};
            if (byLink) done.push(await api.invite(org, { role, open: true, maxUses, ...where }, sessionToken.value!));
            else for (const email of addresses) done.push(await api.invite(org, { role, email, ...where }, sessionToken.value!));
            setEmails('');
          } catch (err) {
            setError(errorText(err));
          } finally {
            setSent(done);
            setBusy(false);
          }
        }}
      >
        <label>
          {t('chat.invite.role')}
          <select data-testid="invite-role" value={role} onChange={(e) => (setRole((e.target as HTMLSelectElement).value as 'admin'), setSent([]))}>
            <option value="collaborator">{t('chat.role.collaborator')}</option>
            <option value="admin">{t('chat.role.admin')}</option>
            <option value="external">{t('chat.invite.guestOption')}</option>
          </select>
        </label>
        {role === 'collaborator' && (
          <label class="check">
            <input type="checkbox" data-testid="invite-open" checked={open} onChange={(e) => (setOpen((e.target as HTMLInputElement).checked), setSent([]))} />
            {t('chat.invite.open')}
          </label>
        )}
        {byLink ? (
          <label>
            {t('chat.invite.maxUses')}
            <input type="number" data-testid="invite-max-uses" min={1} max={500} value={maxUses} onInput={(e) => setMaxUses(Math.max(1, Math.min(500, Number((e.target as HTMLInputElement).value) || 1)))} />
          </label>
        ) : (
          <label>
            {t('chat.invite.emails')} <span class="dim">{t('chat.invite.emailsHint')}</span>
            <textarea data-testid="invite-email" rows={2} value={emails} onInput={(e) => setEmails((e.target as HTMLTextAreaElement).value)} />
          </label>
        )}
        {role === 'external' && (
          <fieldset class="pick-channels">
            <legend>{t('chat.invite.channels')}</legend>
            {rooms.map((c) => (
              <label class="check" key={c.id}>
                <input
                  type="checkbox"
                  data-testid="invite-channel"
                  data-channel-name={c.name}
                  checked={picked.includes(c.id)}
                  onChange={(e) => setPicked((e.target as HTMLInputElement).checked ? [...picked, c.id] : picked.filter((x) => x !== c.id))}
                />
                {c.name}
              </label>
            ))}
          </fieldset>
        )}
        {role !== 'external' && teams.length > 0 && (
          <fieldset class="pick-channels">
            <legend>{t('chat.invite.teams')}</legend>
            {teams.map((tm) => (
              <label class="check" key={tm.id}>
                <input
                  type="checkbox"
                  data-testid="invite-team"
                  data-team-name={tm.name}
                  checked={pickedTeams.includes(tm.id)}
                  onChange={(e) => setPickedTeams((e.target as HTMLInputElement).checked ? [...pickedTeams, tm.id] : pickedTeams.filter((x) => x !== tm.id))}
                />
                {tm.name}
              </label>
            ))}
          </fieldset>
        )}
        <button type="submit" class="primary" data-testid="invite-create" disabled={busy}>
          {byLink ? t('chat.invite.createLink') : t('chat.invite.send', { count: Math.max(1, addresses.length) })}
        </button>
        {sent.map((inv) => (
          <div class="invite-url" key={inv.id} data-testid="invite-sent">
            <span>{inv.email ? t('chat.invite.mailed', { email: inv.email }) : t('chat.invite.linkWorks', { count: maxUses })}</span>
            <input readOnly data-testid="invite-url" aria-label={t('chat.invite.link')} value={inv.url} onFocus={(e) => (e.target as HTMLInputElement).select()} />
            <button type="button" onClick={() => copy(inv.url)}>
              {copied === inv.url ? t('chat.invite.copied') : t('chat.invite.copy')}
            </button>
          </div>
        ))}
        {error && <p class="hint error">{error}</p>}
      </form>
    </Dialog>
  );
}

/** Invitations not used yet: resend (a fresh link by mail) or revoke. */
function PendingInvitations({ orgId }: { orgId: string }) {
  const [list, setList] = useState<InvitationView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = () => api.invitations(orgId, sessionToken.value!).then((r) => setList(r.invitations), (e: unknown) => setError(errorText(e)));
  useEffect(() => void load(), [orgId]);
  const act = (p: Promise<unknown>) => {
    setError(null);
    p.catch((e: unknown) => setError(errorText(e))).finally(() => void load());
  };
  if (!list) return null;
  return (
    <section class="pending-invitations" data-testid="pending-invitations">
      <h3>{t('chat.invitations.title', { count: list.length })}</h3>
      {list.length === 0 && <p class="dim">{t('chat.invitations.none')}</p>}
      <ul class="plain-list">
        {list.map((i) => (
          <li key={i.id} data-testid="pending-invitation" data-email={i.email ?? ''}>
            <span>
              {i.email ?? t('chat.invitations.openLink', { uses: i.uses, max: i.maxUses ?? 1 })}{' '}
              <span class="dim">· {t('chat.invitations.details', { role: roleLabel(i.role), date: formatDate(i.expiresAt) })}</span>
            </span>
            {i.email && (
              <button type="button" class="link" data-testid="invitation-resend" onClick={() => act(api.resendInvitation(orgId, i.id, sessionToken.value!))}>
                {t('chat.invitations.resend')}
              </button>
            )}
            <button type="button" class="link" data-testid="invitation-revoke" onClick={() => act(api.revokeInvitation(orgId, i.id, sessionToken.value!))}>
              {t('chat.invitations.revoke')}
            </button>
          </li>
        ))}
      </ul>
      {error && <p class="hint error">{error}</p>}
    </section>
  );
}

/** Administrators: everyone's role, and removal. The server enforces who may do what (and keeps the last legal representative). */
export function ManagePeople({ client, close }: { client: ChatClient; close: () => void }) {
  const org = client.org.value!;
  const me = client.me.value!;
  const [error, setError] = useState<string | null>(null);
  const [, refresh] = useState(0);
  const people = [...client.users.value.values()].filter((u) => !u.isBot).sort((a, b) => a.name.localeCompare(b.name));
  const act = (p: Promise<unknown>) => {
    setError(null);
    // Refused or not, the list is read again: a refused change shows the role as it is.
    p.catch((e: unknown) => setError(errorText(e)))
      .then(() => client.loadState(org.id))
      .finally(() => refresh((n) => n + 1));
  };
  return (
    <Dialog title={t('chat.people.title')} close={close}>
      <ul class="plain-list">
        {people.map((u) => (
          <li key={u.id} data-testid="org-member" data-username={u.username}>
            <span>
              {u.name} <span class="dim">@{u.username}</span>
            </span>
            <select
              aria-label={t('chat.people.roleOf', { name: u.name })}
              data-testid="org-role"
              value={u.role}
              onChange={(e) => act(api.setOrgRole(org.id, u.id, (e.target as HTMLSelectElement).value, sessionToken.value!))}
            >
              {['legal', 'admin', 'collaborator', 'external'].map((r) => (
                <option key={r} value={r}>
                  {roleLabel(r)}
                </option>
              ))}
            </select>
            {u.id !== me.id && (
              <button type="button" class="link" data-testid="org-remove" onClick={() => confirm(t('chat.people.removeConfirm', { name: u.name, org: org.name })) && act(api.removeMember(org.id, u.id, sessionToken.value!))}>
                {t('chat.people.remove')}
              </button>
            )}
          </li>
        ))}
      </ul>
      {error && (
        <p class="hint error" data-testid="admin-error">
          {error}
        </p>
      )}
      <PendingInvitations orgId={org.id} />
    </Dialog>
  );
}
