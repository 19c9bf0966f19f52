// Limits shared by the server (enforced) and the web client (shown to users).
export const LIMITS = {
  /** Display name, in characters. */
  nameChars: 64,
  /** Meeting title, in characters. */
  titleChars: 200,
  /** A talk (in-meeting chat) message's text, in UTF-8 bytes. */
  talkBytes: 4096,
  /** Talk messages kept per meeting for late joiners. */
  talkHistory: 500,
  /** Largest Socket.IO packet accepted; bigger ones close the socket. */
  socketPayloadBytes: 128 * 1024,
  /** Largest HTTP body accepted. */
  httpBodyBytes: 16 * 1024,
  /** A video's height as its sender says it (media:produce), in pixels: 8K's lines. */
  videoHeight: 4320,
  /** Meeting password, in characters. */
  passwordChars: 128,
  /** Reason given with a kick or a denial, in characters. */
  reasonChars: 200,
  /** People waiting in one meeting's waiting room at once. */
  lobbySize: 200,
  /**
   * People waiting at once from one network (an IPv4 address, an IPv6 /64):
   * one machine cannot fill the waiting room, and an office behind one
   * address still gets several colleagues in line.
   */
  lobbyPerNetwork: 10,
  /** Breakout rooms one meeting may have at once. */
  breakoutRooms: 50,
  /** Breakout room name, in characters. */
  roomNameChars: 64,
  /** Longest breakout timer, in seconds (a working day). */
  breakoutTimerMaxSeconds: 8 * 3600,
  /** Breakout state reaches clients at most this often: a mass move is one snapshot, not a storm. */
  breakoutSnapshotMs: 150,
  /** A dropped participant may come back within this time and keep its place. */
  resumeWindowMs: 30_000,
} as const;

/** The reaction set; anything else is refused. */
export const REACTIONS = ['👍', '👏', '😂', '😮', '❤️', '🎉', '🤔', '👋'] as const;
export type Reaction = (typeof REACTIONS)[number];
