// Team chat and organizations on a test database, built as app.ts builds them.
import { Chat, type ChatDeps } from '../src/chat/Chat.ts';
import { ChatStore } from '../src/chat/store.ts';
import { Orgs, type OrgsDeps } from '../src/org/Orgs.ts';
import { OrgStore } from '../src/org/store.ts';
import type { Db } from '../src/store/db.ts';

export function chatDomain(db: Db, deps: { chat?: ChatDeps; orgs?: OrgsDeps } = {}): { chat: Chat; orgs: Orgs; orgStore: OrgStore } {
  const chat = new Chat(new ChatStore(db), deps.chat);
  const orgStore = new OrgStore(db);
  return { chat, orgs: new Orgs(orgStore, chat, deps.orgs), orgStore };
}
