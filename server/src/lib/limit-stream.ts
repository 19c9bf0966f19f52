// A request body passed on as it comes (to the drive), never held whole in
// memory, and cut off at a byte limit.
import { Transform, type Readable } from 'node:stream';
import { DomainError } from '@parley/protocol';

export class BodyTooLarge extends DomainError {
  constructor(limit: number) {
    super('PAYLOAD_TOO_LARGE', `the body is larger than ${limit} bytes`);
  }
}

/** `body` through a counter that fails with PAYLOAD_TOO_LARGE past `limit` bytes; `bytes()` is how many went through. */
export function limitStream(body: Readable, limit: number): { stream: Transform; bytes: () => number } {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      if (seen > limit) done(new BodyTooLarge(limit));
      else done(null, chunk);
    },
  });
  body.on('error', (error) => counter.destroy(error));
  body.pipe(counter);
  return { stream: counter, bytes: () => seen };
}

/** PAYLOAD_TOO_LARGE at once when the declared Content-Length is over the limit (nothing is read). */
export function checkDeclaredLength(header: string | undefined, limit: number): void {
  const declared = Number(header);
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLarge(limit);
}
