// Team chat: accounts, organizations, channels, messages. HTTP bodies (auth,
// organization admin) and the payloads of the /chat Socket.IO namespace, with
// the views the server sends back. Identity always comes from the session
// token, never from a payload.
import type { WireEvent } from './chat-wire.ts';
import Type from 'typebox';
import type { AckFn } from './errors.ts';
import { IdSchema } from './ids.ts';
import { LANGUAGES, type Language } from './languages.ts';

export { LANGUAGES, type Language };

export const CHAT_LIMITS = {
  /** Message text, in UTF-8 bytes (Mattermost allows 16383 characters). */
  messageBytes: 16_000,
  /** Messages per history page. */
  pageSize: 50,
  /** Events a reconnecting client gets per channel before it is told to reload instead. */
  syncEvents: 500,
  /** Members of a group conversation besides oneself (Mattermost: 7). */
  groupMembers: 7,
  /** Attachments per message. */
  filesPerMessage: 10,
  /** One attachment, in bytes. */
  fileBytes: 25 * 1024 * 1024,
  /** Session lifetime (a login lasts this long unless revoked). */
  sessionDays: 30,
  /** Invitation links are valid this long. */
  invitationDays: 30,
  /** Pending invitations one organization may have at once. */
  pendingInvitations: 500,
  /** Most people one "anyone with the link" invitation lets in. */
  openInvitationUses: 500,
  /** Search results per query. */
  searchResults: 50,
  /** Threads the Threads view lists (the most recently answered). */
  followedThreads: 50,
} as const;

export const ORG_ROLES = ['legal', 'admin', 'collaborator', 'external'] as const;
/** legal: legal representative (owner); external: a guest invited to chosen channels only. */
export type OrgRole = (typeof ORG_ROLES)[number] | 'bot';
export type Presence = 'online' | 'away' | 'dnd' | 'offline';
/** One person's presence as it now is. */
export interface PresenceUpdate {
  userId: string;
  presence: Presence;
  statusText: string;
  statusEmoji: string;
}

const Id = IdSchema;
const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@<>]+@[^\\s@<>]+$' });
const Username = Type.String({ minLength: 2, maxLength: 32, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });
const PersonName = Type.String({ minLength: 1, maxLength: 64 });
const Password = Type.String({ minLength: 8, maxLength: 256 });
/** A language the interface and Euria speak. */
export const LanguageSchema = Type.Union([Type.Literal('en'), Type.Literal('fr'), Type.Literal('de'), Type.Literal('it'), Type.Literal('es')]);
const ChannelName = Type.String({ minLength: 1, maxLength: 64 });
const Text = Type.String({ minLength: 1, maxLength: CHAT_LIMITS.messageBytes });
const Emoji = Type.String({ minLength: 1, maxLength: 32, pattern: '^[^\\s<>&"\']+$' });
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const strict = { additionalProperties: false } as const;

export const SignupBody = Type.Object(
  {
    email: Email,
    username: Username,
    name: PersonName,
    password: Password,
    language: Type.Optional(LanguageSchema),
    /** Creates this organization with the new user as its legal representative. */
    orgName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    /** Joins the organization of this invitation. */
    invitation: Type.Optional(Type.String({ minLength: 10, maxLength: 200 })),
  },
  strict,
);
export const LoginBody = Type.Object({ login: Type.String({ minLength: 1, maxLength: 254 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, strict);
export const CreateOrgBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, strict);
export const InviteBody = Type.Object(
  {
    role: Type.Union([Type.Literal('admin'), Type.Literal('collaborator'), Type.Literal('external')]),
    /**
     * The person invited: the invitation is mailed there, works once, and
     * only for an account with this address. Required unless `open`.
     */
    email: Type.Optional(Email),
    /** Externals: the channels they may see (and nothing else). */
    channelIds: Type.Optional(Type.Array(Id, { maxItems: 50 })),
    /** Members (not guests): the work teams they join on arrival, with those teams' channels. */
    teamIds: Type.Optional(Type.Array(Id, { maxItems: 20 })),
    /** "Anyone with the link", for collaborators only: needs `maxUses`, names no address. */
    open: Type.Optional(Type.Literal(true)),
    maxUses: Type.Optional(Type.Integer({ minimum: 1, maximum: CHAT_LIMITS.openInvitationUses })),
  },
  strict,
);
export const AcceptInvitationBody = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) }, strict);
export const SetOrgRoleBody = Type.Object(
  { role: Type.Union([Type.Literal('legal'), Type.Literal('admin'), Type.Literal('collaborator'), Type.Literal('external')]) },
  strict,
);
export const WelcomeTemplateBody = Type.Object(
  { language: LanguageSchema, template: Type.Union([Type.String({ minLength: 1, maxLength: 4000 }), Type.Null()]) },
  strict,
);
/** A phone number as people write it (digits and + ( ) . - / and spaces), or empty to clear it. */
const PhoneNumber = Type.String({ maxLength: 40, pattern: '^([0-9+()#*.,;/ -]*[0-9][0-9+()#*.,;/ -]*)?$' });
export const ProfileBody = Type.Object({ name: Type.Optional(PersonName), language: Type.Optional(LanguageSchema), phone: Type.Optional(PhoneNumber) }, strict);
/** PUT /api/me/email: the new address, and the account password (the address signs in and receives resets). */
export const EmailBody = Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 256 }) }, strict);
/** PUT /api/orgs/:orgId/directory/:userId (administrators): an entry made private, or public again. */
export const DirectoryEntryBody = Type.Object({ hidden: Type.Boolean() }, strict);
/** POST /api/me/app-passwords: a device's name ("Phone", "Thunderbird at home"), and the account password (a session alone is not enough). */
export const AppPasswordBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 64 }), password: Type.String({ minLength: 1, maxLength: 256 }) }, strict);
export type AppPasswordBody = Type.Static<typeof AppPasswordBody>;
/** An app password as its owner sees it: never the secret, which is shown once, at creation. */
export interface AppPasswordView {
  id: string;
  name: string;
  createdAt: number;
  /** When a device last signed in with it (to the minute); null if never. */
  lastUsedAt: number | null;
}
/** 201 of POST /api/me/app-passwords: `secret` is never shown again. */
export interface NewAppPasswordReply {
  appPassword: AppPasswordView;
  secret: string;
}
/** POST /api/me/password: the current password proves it is the owner. */
export const ChangePasswordBody = Type.Object({ current: Type.String({ minLength: 1, maxLength: 256 }), password: Password }, strict);
/** POST /api/auth/reset: a reset link by e-mail. */
export const ResetRequestBody = Type.Object({ email: Email }, strict);
/** POST /api/auth/reset/confirm: the link's token and the new password. */
export const ResetConfirmBody = Type.Object({ token: Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }), password: Password }, strict);

/** Payloads of the /chat namespace. */
export const ChatPayloads = {
  'chat:state': Type.Object({ orgId: Type.Optional(Id) }, strict),
  'chat:sync': Type.Object({ since: Type.Record(Id, Seq, { maxProperties: 1000 }) }, strict),
  'channel:create': Type.Object(
    { orgId: Id, name: ChannelName, kind: Type.Union([Type.Literal('public'), Type.Literal('private')]), topic: Type.Optional(Type.String({ maxLength: 250 })) },
    strict,
  ),
  'channel:browse': Type.Object({ orgId: Id }, strict),
  'channel:join': Type.Object({ channelId: Id }, strict),
  'channel:leave': Type.Object({ channelId: Id }, strict),
  'channel:mute': Type.Object({ channelId: Id, muted: Type.Boolean() }, strict),
  'channel:invite': Type.Object({ channelId: Id, userIds: Type.Array(Id, { minItems: 1, maxItems: 100 }) }, strict),
  /** Adds every current member of a work team to the channel (a one-off: later team members are not added). */
  'channel:inviteTeam': Type.Object({ channelId: Id, teamId: Id }, strict),
  'channel:remove': Type.Object({ channelId: Id, userId: Id }, strict),
  'channel:setRole': Type.Object({ channelId: Id, userId: Id, role: Type.Union([Type.Literal('admin'), Type.Literal('member')]) }, strict),
  'channel:members': Type.Object({ channelId: Id }, strict),
  'channel:read': Type.Object({ channelId: Id, seq: Seq }, strict),
  'dm:open': Type.Object({ orgId: Id, userIds: Type.Array(Id, { minItems: 1, maxItems: CHAT_LIMITS.groupMembers }) }, strict),
  'message:send': Type.Object(
    {
      channelId: Id,
      /** Chosen by the client; a retry with the same id returns the first message instead of a second one. */
      clientId: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9:_-]+$' }),
      text: Text,
      rootId: Type.Optional(Id),
      fileIds: Type.Optional(Type.Array(Id, { maxItems: CHAT_LIMITS.filesPerMessage })),
    },
    strict,
  ),
  'message:edit': Type.Object({ messageId: Id, text: Text }, strict),
  'message:delete': Type.Object({ messageId: Id }, strict),
  'message:react': Type.Object({ messageId: Id, emoji: Emoji, on: Type.Boolean() }, strict),
  'message:pin': Type.Object({ messageId: Id, on: Type.Boolean() }, strict),
  'message:history': Type.Object({ channelId: Id, before: Type.Optional(Seq), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })) }, strict),
  'message:thread': Type.Object({ messageId: Id }, strict),
  /** The Threads view: the threads one started or replied in, in this organization. */
  'thread:list': Type.Object({ orgId: Id }, strict),
  /** One has read this thread (open in front of them) up to now. */
  'thread:read': Type.Object({ messageId: Id }, strict),
  'message:pins': Type.Object({ channelId: Id }, strict),
  'message:search': Type.Object({ orgId: Id, query: Type.String({ minLength: 1, maxLength: 200 }) }, strict),
  'presence:set': Type.Object(
    {
      presence: Type.Union([Type.Literal('auto'), Type.Literal('away'), Type.Literal('dnd'), Type.Literal('offline')]),
      statusText: Type.Optional(Type.String({ maxLength: 100 })),
      statusEmoji: Type.Optional(Type.String({ maxLength: 32 })),
    },
    strict,
  ),
  'call:start': Type.Object({ channelId: Id }, strict),
} as const;

export type ChatPayloadName = keyof typeof ChatPayloads;
export type ChatPayloadOf<E extends ChatPayloadName> = Type.Static<(typeof ChatPayloads)[E]>;
export type SignupBody = Type.Static<typeof SignupBody>;
export type LoginBody = Type.Static<typeof LoginBody>;
export type ChangePasswordBody = Type.Static<typeof ChangePasswordBody>;
export type ResetRequestBody = Type.Static<typeof ResetRequestBody>;
export type ResetConfirmBody = Type.Static<typeof ResetConfirmBody>;
export type InviteBody = Type.Static<typeof InviteBody>;

export interface UserView {
  id: string;
  username: string;
  name: string;
  language: Language;
  isBot: boolean;
  presence: Presence;
  statusText: string;
  statusEmoji: string;
}
export interface MeView extends UserView {
  email: string;
  /** Shown in the organization's directory ('' when none). */
  phone: string;
}
/** One person of the organization's directory (GET /api/orgs/:orgId/directory). */
export interface DirectoryEntryView {
  id: string;
  name: string;
  username: string;
  email: string;
  phone: string;
  role: OrgRole;
  /** Made private by an administrator: only administrators see it (and see this flag). */
  hidden?: boolean;
}
export interface OrgView {
  id: string;
  name: string;
  role: OrgRole;
}
export interface OrgMemberView extends UserView {
  role: OrgRole;
}
export type ChannelKind = 'public' | 'private' | 'direct' | 'group';
export interface ChannelView {
  id: string;
  orgId: string;
  kind: ChannelKind;
  /** Direct and group conversations: the other members' names. */
  name: string;
  topic: string;
  lastSeq: number;
  createdAt?: number;
  /** Who made it (user id). */
  createdBy?: string;
  /** The reader's own position and counts (absent in browse lists). */
  role?: 'admin' | 'member';
  lastReadSeq?: number;
  unread?: number;
  mentions?: number;
  /** The reader muted it: its messages notify them of nothing. */
  muted?: boolean;
  /** Direct and group conversations: the members' ids. */
  memberIds?: string[];
}
export interface AttachmentView {
  id: string;
  name: string;
  size: number;
  mime: string;
}
export interface ReactionView {
  emoji: string;
  userIds: string[];
}
export interface CallInfo {
  meetingId: string;
  url: string;
  participants: number;
  endedAt: number | null;
}
export interface MessageView {
  id: string;
  channelId: string;
  seq: number;
  authorId: string;
  authorName: string;
  clientId: string;
  rootId: string | null;
  kind: 'user' | 'system' | 'call';
  /** For a system message: what happened, so that each reader's page words it in their language (`text` is its English, for other clients). */
  note?: SystemNote | null;
  text: string;
  mentions: string[];
  attachments: AttachmentView[];
  reactions: ReactionView[];
  createdAt: number;
  editedAt: number | null;
  deletedAt: number | null;
  pinned: boolean;
  replyCount: number;
  call: CallInfo | null;
}
/** What a system message says happened in a channel (usernames, without @). */
export type SystemNote = { event: 'joined' | 'left'; user: string } | { event: 'added' | 'removed'; user: string; by: string };

export interface MemberView extends UserView {
  channelRole: 'admin' | 'member';
}

/** One numbered change of a channel; `seq` counts every change of that channel. */
export type ChannelEvent = { channelId: string; seq: number; at: number } & (
  | { kind: 'message'; message: MessageView }
  | { kind: 'message:edited'; message: MessageView }
  | { kind: 'message:deleted'; messageId: string; rootId: string | null }
  | { kind: 'reactions'; messageId: string; reactions: ReactionView[] }
  | { kind: 'pin'; messageId: string; pinned: boolean; by: string }
  | { kind: 'member:joined'; userId: string; name: string; by: string | null }
  | { kind: 'member:left'; userId: string; by: string | null }
  | { kind: 'member:role'; userId: string; role: 'admin' | 'member' }
);
export type ChannelEventKind = ChannelEvent['kind'];

export interface ChatStateReply {
  me: MeView;
  orgs: OrgView[];
  org: OrgView | null;
  channels: ChannelView[];
  users: OrgMemberView[];
}
/** A thread one follows (started or replied in): its root, where it is, and the replies by others since one last opened it. */
export interface ThreadView {
  root: MessageView;
  channelName: string;
  lastReplyAt: number;
  unread: number;
}
export interface SearchHit {
  message: MessageView;
  channelName: string;
}
export interface AuthReply {
  token: string;
  user: MeView;
  orgs: OrgView[];
}
export interface InvitationReply {
  id: string;
  token: string;
  url: string;
  expiresAt: number;
  /** The address it was mailed to (null: an open invitation, shared by whoever made it). */
  email: string | null;
}

/** A pending invitation, as administrators see it in the people screen. */
export interface InvitationView {
  id: string;
  role: 'admin' | 'collaborator' | 'external';
  email: string | null;
  channelIds: string[];
  teamIds: string[];
  open: boolean;
  uses: number;
  maxUses: number | null;
  createdAt: number;
  expiresAt: number;
  createdBy: string;
}

export interface ChatClientToServerEvents {
  'chat:state': (p: ChatPayloadOf<'chat:state'>, ack: AckFn<ChatStateReply>) => void;
  'chat:sync': (p: ChatPayloadOf<'chat:sync'>, ack: AckFn<{ events: ChannelEvent[]; reload: string[] }>) => void;
  'channel:create': (p: ChatPayloadOf<'channel:create'>, ack: AckFn<{ channel: ChannelView }>) => void;
  'channel:browse': (p: ChatPayloadOf<'channel:browse'>, ack: AckFn<{ channels: ChannelView[] }>) => void;
  'channel:join': (p: ChatPayloadOf<'channel:join'>, ack: AckFn<{ channel: ChannelView }>) => void;
  'channel:leave': (p: ChatPayloadOf<'channel:leave'>, ack: AckFn) => void;
  'channel:mute': (p: ChatPayloadOf<'channel:mute'>, ack: AckFn<{ channel: ChannelView }>) => void;
  'channel:invite': (p: ChatPayloadOf<'channel:invite'>, ack: AckFn<{ added: string[] }>) => void;
  'channel:inviteTeam': (p: ChatPayloadOf<'channel:inviteTeam'>, ack: AckFn<{ added: string[] }>) => void;
  'channel:remove': (p: ChatPayloadOf<'channel:remove'>, ack: AckFn) => void;
  'channel:setRole': (p: ChatPayloadOf<'channel:setRole'>, ack: AckFn) => void;
  'channel:members': (p: ChatPayloadOf<'channel:members'>, ack: AckFn<{ members: MemberView[] }>) => void;
  'channel:read': (p: ChatPayloadOf<'channel:read'>, ack: AckFn) => void;
  'dm:open': (p: ChatPayloadOf<'dm:open'>, ack: AckFn<{ channel: ChannelView }>) => void;
  'message:send': (p: ChatPayloadOf<'message:send'>, ack: AckFn<{ message: MessageView }>) => void;
  'message:edit': (p: ChatPayloadOf<'message:edit'>, ack: AckFn<{ message: MessageView }>) => void;
  'message:delete': (p: ChatPayloadOf<'message:delete'>, ack: AckFn) => void;
  'message:react': (p: ChatPayloadOf<'message:react'>, ack: AckFn<{ reactions: ReactionView[] }>) => void;
  'message:pin': (p: ChatPayloadOf<'message:pin'>, ack: AckFn) => void;
  'message:history': (p: ChatPayloadOf<'message:history'>, ack: AckFn<{ messages: MessageView[]; more: boolean }>) => void;
  'message:thread': (p: ChatPayloadOf<'message:thread'>, ack: AckFn<{ root: MessageView; replies: MessageView[] }>) => void;
  'thread:list': (p: ChatPayloadOf<'thread:list'>, ack: AckFn<{ threads: ThreadView[] }>) => void;
  'thread:read': (p: ChatPayloadOf<'thread:read'>, ack: AckFn) => void;
  'message:pins': (p: ChatPayloadOf<'message:pins'>, ack: AckFn<{ messages: MessageView[] }>) => void;
  'message:search': (p: ChatPayloadOf<'message:search'>, ack: AckFn<{ hits: SearchHit[] }>) => void;
  'presence:set': (p: ChatPayloadOf<'presence:set'>, ack: AckFn) => void;
  'call:start': (p: ChatPayloadOf<'call:start'>, ack: AckFn<{ message: MessageView; url: string; moderatorToken: string }>) => void;
}

export interface ChatServerToClientEvents {
  /** A numbered change of a channel the socket's user belongs to. */
  /** A change of one of one's channels, its message compacted (chat-wire.ts: expandEvent makes it whole). */
  'chat:event': (e: WireEvent) => void;
  /** The user was added to a channel (or it changed): add it to the list. */
  'chat:channel': (p: { channel: ChannelView }) => void;
  /** Someone of the organization made a public channel (members are told; guests are not). */
  'chat:channelCreated': (p: { channel: ChannelView }) => void;
  /** The user left or was removed: drop it from the list. */
  'chat:channelGone': (p: { channelId: string }) => void;
  /** The user was mentioned (or a direct message arrived). */
  'chat:notify': (p: { channelId: string; messageId: string; authorName: string; excerpt: string }) => void;
  /** The user's read position moved (on another device). */
  'chat:read': (p: { channelId: string; seq: number }) => void;
  /** Presence changes of people of one's organizations, gathered for a moment and sent together (server/src/gateway/presence-news.ts). */
  'chat:presence': (p: { users: PresenceUpdate[] }) => void;
  /** Someone joined the organization (members directory). */
  'org:member': (p: { orgId: string; user: OrgMemberView }) => void;
  'org:memberGone': (p: { orgId: string; userId: string }) => void;
  /** The session ended (logout, revoked, removed from the organization). */
  'chat:signedOut': (p: { reason: 'logout' | 'revoked' | 'removed' }) => void;
}

/** A BullMQ job of the bots queue: Euria welcomes a newcomer of an organization. */
// WelcomeJob: see jobs.ts (its schema is checked where the job is taken).
/** The bot's clientId for a welcome: the same for every retry, so it lands once. */
export const welcomeClientId = (orgId: string, userId: string): string => `welcome:${orgId}:${userId}`;
/** BullMQ's job id (no colons there): a second enqueue of the same welcome is ignored. */
export const welcomeJobId = (orgId: string, userId: string): string => `welcome-${orgId}-${userId}`;
