import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** The database as the content capability uses it. */
export type ContentDb = Kysely<Database>;
