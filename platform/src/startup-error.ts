/** A setting that cannot work: its message names the variable and what it expects (said at start, without a stack trace). */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}
