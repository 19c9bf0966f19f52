import { DomainError } from '@parley/protocol';

export class TransportNotFound extends DomainError {
  constructor(id: string) {
    super('TRANSPORT_NOT_FOUND', `no transport ${id} for this participant`);
  }
}
export class ProducerNotFound extends DomainError {
  constructor(id: string) {
    super('PRODUCER_NOT_FOUND', `no producer ${id}`);
  }
}
export class ConsumerNotFound extends DomainError {
  constructor(id: string) {
    super('CONSUMER_NOT_FOUND', `no consumer ${id} for this participant`);
  }
}
export class CannotConsume extends DomainError {
  constructor(reason: string) {
    super('CANNOT_CONSUME', reason);
  }
}
export class MediaNotReady extends DomainError {
  constructor(what: string) {
    super('MEDIA_NOT_READY', `${what}: call media:setup first`);
  }
}
/** mediasoup refused what the client sent (bad RTP or DTLS parameters). */
export class MediaRejected extends DomainError {
  constructor(message: string) {
    super('MEDIA_ERROR', message);
  }
}

/** A media port another program (or another Parley) already listens on: an operator's fix, not a bug. */
export class MediaPortInUse extends Error {
  readonly port: number;
  readonly protocol: 'udp' | 'tcp';
  constructor(port: number, protocol: 'udp' | 'tcp', cause: unknown) {
    super(`media port ${port}/${protocol} is already in use`, { cause });
    this.name = 'MediaPortInUse';
    this.port = port;
    this.protocol = protocol;
  }
}
