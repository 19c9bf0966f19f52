import { Compile, type Validator } from 'typebox/compile';
import type { TSchema } from 'typebox';

export type Check = (value: unknown) => string | undefined;

/**
 * Where a NUL character hides in a value that passed its schema (a string or
 * a key at any depth), or undefined. PostgreSQL refuses NUL in text: caught
 * here it is the sender's INVALID_PAYLOAD, not a failed query. Iterative, so
 * a deep value cannot overflow the stack; bounded by the payload's size,
 * which the transport already limits.
 */
export function nulPath(value: unknown): string | undefined {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length) {
    const [v, where] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\0')) return where;
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) stack.push([v[i], `${where}/${i}`]);
    } else if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\0')) return where;
        stack.push([item, `${where}/${k}`]);
      }
    }
  }
  return undefined;
}

/** Compiles a schema once; the returned check gives the first problem, or undefined when valid. */
export function compileCheck(schema: TSchema): Check {
  const validator: Validator = Compile(schema);
  return (value) => {
    if (validator.Check(value)) {
      const nul = nulPath(value);
      return nul === undefined ? undefined : `${nul ? `${nul}: ` : ''}must not contain a NUL character`;
    }
    const errors = validator.Errors(value);
    // additionalProperties yields a terse "schema is false" on the property
    // plus a clear summary on the object: report the clear one.
    const first = errors.find((e) => e.keyword !== 'boolean') ?? errors[0];
    if (!first) return 'invalid payload';
    const where = first.instancePath ? `${first.instancePath}: ` : '';
    return `${where}${first.message}`.slice(0, 300);
  };
}
