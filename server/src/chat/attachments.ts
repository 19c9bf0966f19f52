// Files attached to chat messages: uploaded first (their bytes in the drive,
// a row here), then claimed by the message that names them; readable by the
// channel's members while the message lives, and removed with it.
import type { AttachmentView } from '@parley/protocol';
import type { ChatCore, ChatUnit } from './core.ts';
import type { ChatStore } from './store.ts';
import { FileNotFound } from './errors.ts';

/** Removes attachments' bytes from the drive. */
export interface FileRemover {
  remove(driveKeys: string[]): Promise<void>;
}

export class Attachments {
  readonly #core: ChatCore;
  readonly #store: ChatStore;
  readonly #remover: FileRemover | undefined;

  constructor(core: ChatCore, store: ChatStore, remover: FileRemover | undefined) {
    this.#core = core;
    this.#store = store;
    this.#remover = remover;
  }

  /** An uploaded attachment, waiting to be named in a message. */
  async record(f: { id: string; orgId: string; channelId: string; uploaderId: string; name: string; size: number; mime: string; driveKey: string }): Promise<void> {
    await this.#store.messages.insertFile({ ...f, at: Date.now() });
  }

  /** An attachment, for members of its channel (and its uploader before it is sent). */
  async get(userId: string, fileId: string): Promise<{ name: string; size: number; mime: string; driveKey: string }> {
    const row = await this.#store.messages.file(fileId);
    const notFound = () => new FileNotFound('no such file');
    if (!row) throw notFound();
    if (row.message_id === null && row.uploader_id !== userId) throw notFound();
    // Attachments of deleted messages are gone with them.
    if (row.message_id !== null && !(await this.#store.messages.isLiveMessage(row.message_id))) throw notFound();
    await this.#core.access(userId, row.channel_id).catch(() => {
      throw notFound();
    });
    return { name: row.name, size: row.size, mime: row.mime, driveKey: row.drive_key };
  }

  /** Gives the uploader's files of the channel to a message, in the order named; FILE_NOT_FOUND unless all of them are theirs to give. */
  async claim(store: ChatStore, userId: string, channelId: string, messageId: string, fileIds: string[]): Promise<AttachmentView[]> {
    const ids = [...new Set(fileIds)];
    const claimed = await store.messages.claimFiles(ids, userId, channelId, messageId);
    if (claimed.length !== ids.length) throw new FileNotFound('an attachment is unknown, another channel’s, or already sent');
    const order = new Map(ids.map((id, i) => [id, i]));
    return claimed.sort((a, b) => order.get(a.id)! - order.get(b.id)!).map((r) => ({ id: r.id, name: r.name, size: r.size, mime: r.mime }));
  }

  /** The bytes of a deleted message's attachments go once its unit commits (earlier share links then find nothing). */
  removeBytes(unit: ChatUnit, driveKeys: string[]): void {
    const remover = this.#remover;
    if (driveKeys.length && remover) unit.out.add(() => void remover.remove(driveKeys));
  }
}
