// The organization's directory: an address book no one keeps, made from the
// membership as it is now (who joins is in it, who leaves is gone), with
// each person's name, e-mail address and phone as they set them. External
// guests do not see it and are not in it. Administrators can make an entry
// private (members no longer see it; administrators still do, marked). It is
// read in Parley only: no export, no CardDAV.
import type { DirectoryEntryView } from '@parley/protocol';
import { Forbidden, OrgNotFound } from '../lib/errors.ts';
import { UserNotFound } from '../accounts/errors.ts';
import type { OrgStore } from './store.ts';

const MANAGERS = new Set(['legal', 'admin']);

export class Directory {
  readonly #store: OrgStore;

  constructor(store: OrgStore) {
    this.#store = store;
  }

  async #role(orgId: string, userId: string): Promise<string> {
    const role = await this.#store.role(orgId, userId);
    if (!role) throw new OrgNotFound('no such organization');
    if (role === 'external') throw new Forbidden('guests do not see the organization’s directory');
    return role;
  }

  async entries(userId: string, orgId: string): Promise<DirectoryEntryView[]> {
    const manager = MANAGERS.has(await this.#role(orgId, userId));
    return (await this.#store.directory(orgId, manager)).map((r) => ({
      id: r.id,
      name: r.name,
      username: r.username,
      email: r.email,
      phone: r.phone,
      role: r.role,
      ...(manager ? { hidden: r.hidden } : {}),
    }));
  }

  /** Administrators only. */
  async setHidden(userId: string, orgId: string, memberId: string, hidden: boolean): Promise<void> {
    if (!MANAGERS.has(await this.#role(orgId, userId))) throw new Forbidden('only administrators make directory entries private');
    if (!(await this.#store.setDirectoryHidden(orgId, memberId, hidden))) throw new UserNotFound('no such member in the directory');
  }
}
