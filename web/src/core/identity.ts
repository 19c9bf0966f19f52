/** What a tab keeps to come back as the same participant after a reload. */
export interface StoredParticipant {
  token: string;
  name: string;
  moderator: boolean;
  moderatorBy?: 'link' | 'account' | null;
}

/**
 * Our participant in one meeting, as this tab keeps it (sessionStorage: a
 * reload within the resume window comes back as the same participant, a
 * new tab joins as someone new).
 */
export class StoredIdentity {
  readonly #key: string;

  constructor(meetingId: string) {
    this.#key = `parley:participant:${meetingId}`;
  }

  get(): StoredParticipant | null {
    const stored = sessionStorage.getItem(this.#key);
    return stored ? (JSON.parse(stored) as StoredParticipant) : null;
  }

  set(s: StoredParticipant): void {
    sessionStorage.setItem(this.#key, JSON.stringify(s));
  }

  /** Changes what is kept, when something is. */
  update(change: Partial<StoredParticipant>): void {
    const s = this.get();
    if (s) this.set({ ...s, ...change });
  }

  clear(): void {
    sessionStorage.removeItem(this.#key);
  }
}
