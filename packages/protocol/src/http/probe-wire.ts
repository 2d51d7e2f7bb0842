import { Type, type Static } from '@sinclair/typebox';

/** Answers of the operator probes: `/health` (the process answers) and `/ready` (it can serve). */
export const HealthResponse = Type.Object({ status: Type.Literal('ok') });
export type HealthResponse = Static<typeof HealthResponse>;

export const ReadyResponse = Type.Object({
  status: Type.Literal('ready'),
  database: Type.Union([Type.Literal('postgres'), Type.Literal('pglite')], { description: 'The database the server runs on' }),
  degraded: Type.Optional(
    Type.Array(Type.Object({ name: Type.String(), reason: Type.String() }), {
      description: 'Present when a service reports itself unhealthy: the node still serves',
    }),
  ),
});
export type ReadyResponse = Static<typeof ReadyResponse>;
