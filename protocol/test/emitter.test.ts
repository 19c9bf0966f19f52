import { test, vi } from 'vitest';
import assert from 'node:assert/strict';
import { TypedEmitter } from '../src/index.ts';

interface Events {
  tick: [n: number];
  pair: [a: string, b: boolean];
  none: [];
}

function emitter(): { e: TypedEmitter<Events>; errors: [unknown, keyof Events][] } {
  const e = new TypedEmitter<Events>();
  const errors: [unknown, keyof Events][] = [];
  e.onListenerError = (error, event) => errors.push([error, event]);
  return { e, errors };
}

test('listeners receive the arguments in subscription order', () => {
  const { e } = emitter();
  const seen: string[] = [];
  e.on('pair', (a, b) => seen.push(`1:${a}:${b}`));
  e.on('pair', (a, b) => seen.push(`2:${a}:${b}`));
  e.emit('pair', 'x', true);
  assert.deepEqual(seen, ['1:x:true', '2:x:true']);
});

test('a throwing listener is reported and neither stops the others nor the emitter', () => {
  const { e, errors } = emitter();
  const seen: number[] = [];
  const boom = new Error('boom');
  e.on('tick', (n) => seen.push(n));
  e.on('tick', () => {
    throw boom;
  });
  e.on('tick', (n) => seen.push(n * 10));
  assert.doesNotThrow(() => e.emit('tick', 1));
  e.emit('tick', 2);
  assert.deepEqual(seen, [1, 10, 2, 20]);
  assert.deepEqual(errors, [[boom, 'tick'], [boom, 'tick']]);
});

test('the default error handler logs instead of throwing', (t) => {
  const e = new TypedEmitter<Events>();
  const logged: unknown[][] = [];
  const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args));
  t.onTestFinished(() => spy.mockRestore());
  e.on('none', () => {
    throw new Error('bad listener');
  });
  let after = false;
  e.on('none', () => (after = true));
  assert.doesNotThrow(() => e.emit('none'));
  assert.equal(after, true);
  assert.equal(logged.length, 1);
});

test('on() returns an unsubscribe; off() and once() work; unsubscribing during emit is safe', () => {
  const { e } = emitter();
  const seen: string[] = [];
  const off = e.on('tick', (n) => seen.push(`a${n}`));
  e.once('tick', (n) => seen.push(`once${n}`));
  const b = (n: number) => seen.push(`b${n}`);
  e.on('tick', b);
  // A listener that removes another one mid-emit: the current emit still
  // reaches everyone it started with.
  e.on('tick', () => e.off('tick', b));
  e.emit('tick', 1);
  off();
  e.emit('tick', 2);
  assert.deepEqual(seen, ['a1', 'once1', 'b1']);
  assert.equal(e.listenerCount('tick'), 1);
});

test('once() unsubscribes even when its listener throws', () => {
  const { e, errors } = emitter();
  e.once('none', () => {
    throw new Error('once');
  });
  e.emit('none');
  e.emit('none');
  assert.equal(errors.length, 1);
  assert.equal(e.listenerCount('none'), 0);
});

test('removeAllListeners() silences everything; emitting with no listener is a no-op', () => {
  const { e } = emitter();
  let n = 0;
  e.on('tick', () => n++);
  e.on('none', () => n++);
  e.removeAllListeners();
  e.emit('tick', 1);
  e.emit('none');
  assert.equal(n, 0);
  assert.equal(e.listenerCount('tick'), 0);
});
