// Administrators' screen for work teams (a named group of members with the
// channels it works in) and default channels (the public channels every new
// member joins). Each change is saved at once and the screen shows what the
// server answered; the server checks every action.
import { useEffect, useState } from 'preact/hooks';
import type { ChannelView, TeamView } from '@parley/protocol';
import { sessionToken } from '../account/session.ts';
import { teamsApi } from './teams-api.ts';
import { errorText } from '../i18n/errors.ts';
import { t } from '../i18n/index.ts';
import { Dialog } from '../ui/Dialog.tsx';
import type { ChatClient } from './client.ts';

export function TeamsAdmin({ client, close }: { client: ChatClient; close: () => void }) {
  const org = client.org.value!;
  const token = sessionToken.value!;
  const [teams, setTeams] = useState<TeamView[] | null>(null);
  const [defaults, setDefaults] = useState<string[]>([]);
  const [channels, setChannels] = useState<ChannelView[]>([]);
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    void Promise.all([teamsApi.teams(org.id, token), teamsApi.defaultChannels(org.id, token), client.browse()]).then(
      ([t1, d, others]) => {
        setTeams(t1.teams);
        setDefaults(d.channelIds);
        const mine = client.channels.value.filter((c) => c.kind === 'public' || c.kind === 'private');
        setChannels([...mine, ...others].sort((a, b) => a.name.localeCompare(b.name)));
      },
      (e: unknown) => setError(errorText(e)),
    );
  }, [org.id]);
  const act = async <T,>(p: Promise<T>, then: (v: T) => void) => {
    setError(null);
    try {
      then(await p);
    } catch (e) {
      setError(errorText(e));
    }
  };
  const replace = (team: TeamView) => setTeams((list) => (list ?? []).map((x) => (x.id === team.id ? team : x)));
  const publicChannels = channels.filter((c) => c.kind === 'public');
  const people = [...client.users.value.values()].filter((u) => !u.isBot && u.role !== 'external' && u.role !== 'bot').sort((a, b) => a.name.localeCompare(b.name));
  const nameOf = (id: string) => client.users.value.get(id)?.name ?? '…';
  const channelName = (id: string) => channels.find((c) => c.id === id)?.name;
  return (
    <Dialog title={t('chat.teams.title')} close={close} wide>
      <div class="dialog-form" data-testid="teams-admin">
        <fieldset class="pick-channels" data-testid="default-channels">
          <legend>{t('chat.teams.defaults')}</legend>
          <p class="dim">{t('chat.teams.defaultsHint')}</p>
          {publicChannels.map((c) => (
            <label class="check" key={c.id}>
              <input
                type="checkbox"
                data-testid="default-channel"
                data-channel-name={c.name}
                checked={defaults.includes(c.id)}
                onChange={(e) => {
                  const on = (e.target as HTMLInputElement).checked;
                  void act(teamsApi.setDefaultChannels(org.id, on ? [...defaults, c.id] : defaults.filter((x) => x !== c.id), token), (r) => setDefaults(r.channelIds));
                }}
              />
              #{c.name}
            </label>
          ))}
        </fieldset>
        <form
          class="row"
          onSubmit={(e) => {
            e.preventDefault();
            if (!name.trim()) return setError(t('chat.teams.errorNoName'));
            void act(teamsApi.createTeam(org.id, name, token), (r) => (setTeams((list) => [...(list ?? []), r.team]), setName('')));
          }}
        >
          <label>
            {t('chat.teams.newName')}
            <input data-testid="team-name" value={name} maxLength={64} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <button type="submit" class="primary" data-testid="team-create">
            {t('chat.teams.create')}
          </button>
        </form>
        {error && (
          <p class="hint error" role="alert" data-testid="teams-error">
            {error}
          </p>
        )}
        {teams?.length === 0 && <p class="dim">{t('chat.teams.none')}</p>}
        {teams?.map((team) => (
          <section class="team-card" key={team.id} data-testid="team" data-team-name={team.name}>
            <header class="team-head">
              <form
                class="team-rename"
                onSubmit={(e) => {
                  e.preventDefault();
                  const name = ((e.currentTarget as HTMLFormElement).elements.namedItem('name') as HTMLInputElement).value;
                  if (name.trim() && name !== team.name) void act(teamsApi.changeTeam(org.id, team.id, { name }, token), (r) => replace(r.team));
                }}
              >
                <input name="name" aria-label={t('chat.teams.rename', { name: team.name })} data-testid="team-rename" maxLength={64} value={team.name} key={team.name} />
              </form>
              <button type="button" class="link" data-testid="team-delete" onClick={() => confirm(t('chat.teams.deleteConfirm', { name: team.name })) && void act(teamsApi.deleteTeam(org.id, team.id, token), () => setTeams((list) => (list ?? []).filter((x) => x.id !== team.id)))}>
                {t('chat.teams.delete')}
              </button>
            </header>
            <h4>{t('chat.teams.people', { count: team.memberIds.length })}</h4>
            <ul class="plain-list">
              {team.memberIds.map((id) => (
                <li key={id} data-testid="team-member">
                  <span>{nameOf(id)}</span>
                  <button type="button" class="link" aria-label={t('chat.teams.removePerson', { name: nameOf(id) })} onClick={() => void act(teamsApi.changeTeam(org.id, team.id, { removeMembers: [id] }, token), (r) => replace(r.team))}>
                    {t('chat.teams.remove')}
                  </button>
                </li>
              ))}
            </ul>
            <select
              aria-label={t('chat.teams.addPerson')}
              data-testid="team-add-person"
              value=""
              onChange={(e) => {
                const id = (e.target as HTMLSelectElement).value;
                if (id) void act(teamsApi.changeTeam(org.id, team.id, { addMembers: [id] }, token), (r) => replace(r.team));
              }}
            >
              <option value="">{t('chat.teams.addPerson')}</option>
              {people
                .filter((u) => !team.memberIds.includes(u.id))
                .map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
            </select>
            <h4>{t('chat.teams.channels', { count: team.channelIds.length })}</h4>
            <ul class="plain-list">
              {team.channelIds.map((id) => (
                <li key={id} data-testid="team-channel">
                  <span>{channelName(id) ? `#${channelName(id)}` : t('chat.teams.privateChannel')}</span>
                  <button type="button" class="link" aria-label={t('chat.teams.removeChannel', { name: channelName(id) ?? '' })} onClick={() => void act(teamsApi.changeTeam(org.id, team.id, { removeChannels: [id] }, token), (r) => replace(r.team))}>
                    {t('chat.teams.remove')}
                  </button>
                </li>
              ))}
            </ul>
            <select
              aria-label={t('chat.teams.addChannel')}
              data-testid="team-add-channel"
              value=""
              onChange={(e) => {
                const id = (e.target as HTMLSelectElement).value;
                if (id) void act(teamsApi.changeTeam(org.id, team.id, { addChannels: [id] }, token), (r) => replace(r.team));
              }}
            >
              <option value="">{t('chat.teams.addChannel')}</option>
              {channels
                .filter((c) => !team.channelIds.includes(c.id))
                .map((c) => (
                  <option key={c.id} value={c.id}>
                    #{c.name}
                  </option>
                ))}
            </select>
          </section>
        ))}
      </div>
    </Dialog>
  );
}
