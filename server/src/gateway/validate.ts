import { Compile, type Validator } from 'typebox/compile';
import type { TSchema } from 'typebox';

export type Check = (value: unknown) => string | undefined;

/** Compiles a schema once; the returned check gives the first problem, or undefined when valid. */
export function compileCheck(schema: TSchema): Check {
  const validator: Validator = Compile(schema);
  return (value) => {
    if (validator.Check(value)) return undefined;
    const errors = validator.Errors(value);
    // additionalProperties yields a terse "schema is false" on the property
    // plus a clear summary on the object: report the clear one.
    const first = errors.find((e) => e.keyword !== 'boolean') ?? errors[0];
    if (!first) return 'invalid payload';
    const where = first.instancePath ? `${first.instancePath}: ` : '';
    return `${where}${first.message}`.slice(0, 300);
  };
}
