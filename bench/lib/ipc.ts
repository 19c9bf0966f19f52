// Request/response over a forked child's IPC channel: the benchmark drives
// its load generators (receivers, camera) this way.
import { fork, type ChildProcess } from 'node:child_process';

interface Call {
  id: number;
  method: string;
  params: unknown;
}
interface Reply {
  id: number;
  result?: unknown;
  error?: string;
}

/** In the child: answers calls with `handlers`; the parent's disconnect ends the process. */
export function serve(handlers: Record<string, (params: never) => unknown>): void {
  process.on('message', (msg: Call) => {
    const handler = handlers[msg.method];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`no method ${msg.method}`);
        return handler(msg.params as never);
      })
      .then(
        (result) => process.send?.({ id: msg.id, result } satisfies Reply),
        (error: unknown) => process.send?.({ id: msg.id, error: error instanceof Error ? error.stack ?? error.message : String(error) } satisfies Reply),
      );
  });
  process.on('disconnect', () => process.exit(0));
}

/** In the parent: a forked child to call. */
export class ChildRpc {
  readonly child: ChildProcess;
  #next = 1;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(script: string, args: string[] = [], env: NodeJS.ProcessEnv = process.env) {
    this.child = fork(script, args, { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (msg: Reply) => {
      const p = this.#pending.get(msg.id);
      if (!p) return;
      this.#pending.delete(msg.id);
      if (msg.error !== undefined) p.reject(new Error(msg.error));
      else p.resolve(msg.result);
    });
    this.child.on('exit', (code, signal) => {
      for (const p of this.#pending.values()) p.reject(new Error(`${script} exited (${code ?? signal})`));
      this.#pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  call<T>(method: string, params: unknown = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = this.#next++;
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.send({ id, method, params } satisfies Call);
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.disconnect();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
