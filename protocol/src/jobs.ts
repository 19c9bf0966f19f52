// The jobs that travel through BullMQ (Redis) between the server and its
// workers: the recorder's captures, Euria's welcomes and agendas. Whoever can
// write to Redis can write a job, so a worker checks each job against its
// schema before acting on it, as the server checks every socket payload.
import Type, { type Static, type TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import { LanguageSchema } from './chat.ts';
import { IdSchema, type MeetingId } from './ids.ts';

const Id = IdSchema;
const Epoch = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });

export const RecorderJobSchema = Type.Object(
  {
    captureId: Id,
    kind: Type.Union([Type.Literal('record'), Type.Literal('stream')]),
    layout: Type.Union([Type.Literal('grid'), Type.Literal('speaker')]),
    meetingId: Type.Unsafe<MeetingId>(Id),
    title: Type.String({ maxLength: 400 }),
    /** This server node, where the recorder connects (/recorder namespace). */
    serverUrl: Type.String({ maxLength: 2048, pattern: '^https?://' }),
    token: Type.String({ minLength: 1, maxLength: 4096 }),
    /** Streams: the public id of the viewer page and its folder in the drive. */
    liveId: Type.Union([Type.Null(), Type.String({ pattern: '^[a-z2-7]{26}$' })]),
    /** Stop by then at the latest (epoch ms): the stream cap. */
    endsAt: Type.Union([Type.Null(), Epoch]),
    requestedAt: Epoch,
    /** Streams: kept as a recording of the meeting when it ends (else it leaves the store). */
    keep: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RecorderJob = Static<typeof RecorderJobSchema>;

export const WelcomeJobSchema = Type.Object(
  {
    orgId: Id,
    userId: Id,
    name: Type.String({ minLength: 1, maxLength: 64 }),
    username: Type.String({ minLength: 1, maxLength: 32 }),
    language: LanguageSchema,
    orgName: Type.String({ minLength: 1, maxLength: 100 }),
    /** The organization's own template for this language, if it set one. */
    template: Type.Union([Type.Null(), Type.String({ maxLength: 4000 })]),
  },
  { additionalProperties: false },
);
export type WelcomeJob = Static<typeof WelcomeJobSchema>;

export const AgendaJobSchema = Type.Object(
  {
    orgId: Id,
    userId: Id,
    reminderId: Id,
    /** The agenda's date, YYYY-MM-DD in the reminder's zone. */
    day: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$' }),
    text: Type.String({ minLength: 1, maxLength: 16_000 }),
  },
  { additionalProperties: false },
);
export type AgendaJob = Static<typeof AgendaJobSchema>;

const validators = new Map<TSchema, Validator>();

function validator(schema: TSchema): Validator {
  let v = validators.get(schema);
  if (!v) validators.set(schema, (v = Compile(schema)));
  return v;
}

/** Whether `data` is a job of `schema`'s kind. */
export function isJob<S extends TSchema>(schema: S, data: unknown): data is Static<S> {
  return validator(schema).Check(data);
}

/** What is wrong with a job's data for `schema` (the first problem, said in a line), or undefined when it is fine. */
export function jobProblem(schema: TSchema, data: unknown): string | undefined {
  const v = validator(schema);
  if (v.Check(data)) return undefined;
  const first = v.Errors(data).find((e) => e.keyword !== 'boolean') ?? v.Errors(data)[0];
  return first ? `${first.instancePath || 'job'}: ${first.message}`.slice(0, 300) : 'invalid job';
}
