import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { burnPasswordCheck, hashPassword, needsRehash, verifyPassword } from '../password-hash.js';

/** A local user of the built-in issuer; `id` is the `sub` of the tokens issued for them. */
export interface UserRecord {
  readonly id: string;
  readonly username: string;
  readonly createdAt: Date;
}

export class UserValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserValidationError';
  }
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/;
const MIN_PASSWORD_LENGTH = 8;
const MAX_PASSWORD_LENGTH = 1024;

/** Checks a new user's name and password without touching the database. */
export function validateNewUser(input: { username: string; password: string }): void {
  if (!USERNAME.test(input.username))
    throw new UserValidationError(`username must be 1-64 characters of A-Z a-z 0-9 . _ @ + - (got ${JSON.stringify(input.username)})`);
  if (input.password.length < MIN_PASSWORD_LENGTH || input.password.length > MAX_PASSWORD_LENGTH) {
    throw new UserValidationError(`password must be ${MIN_PASSWORD_LENGTH}-${MAX_PASSWORD_LENGTH} characters long`);
  }
}

export async function createUser(db: Kysely<Database>, input: { username: string; password: string; id?: string }): Promise<UserRecord> {
  validateNewUser(input);
  const row = await db
    .insertInto('users')
    .values({ id: input.id ?? randomUUID(), username: input.username, password_hash: await hashPassword(input.password) })
    .onConflict((oc) => oc.doNothing())
    .returning(['id', 'username', 'created_at'])
    .executeTakeFirst();
  if (!row) throw new UserValidationError(`a user named ${input.username} already exists`);
  return { id: row.id, username: row.username, createdAt: row.created_at };
}

export async function findUserById(db: Kysely<Database>, id: string): Promise<UserRecord | null> {
  const row = await db.selectFrom('users').select(['id', 'username', 'created_at']).where('id', '=', id).executeTakeFirst();
  return row ? { id: row.id, username: row.username, createdAt: row.created_at } : null;
}

export async function listUsers(db: Kysely<Database>): Promise<UserRecord[]> {
  const rows = await db.selectFrom('users').select(['id', 'username', 'created_at']).orderBy('created_at').orderBy('username').execute();
  return rows.map((row) => ({ id: row.id, username: row.username, createdAt: row.created_at }));
}

/**
 * The user when username and password match, else null. Takes the same time whether the user exists or
 * not (a dummy hash is checked for unknown names), so the login form does not reveal which usernames exist.
 * A hash below today's scrypt cost is upgraded on the successful login.
 */
export async function verifyUserCredentials(db: Kysely<Database>, username: string, password: string): Promise<UserRecord | null> {
  if (username.length === 0 || username.length > 64 || password.length > MAX_PASSWORD_LENGTH) {
    await burnPasswordCheck(password.slice(0, MAX_PASSWORD_LENGTH));
    return null;
  }
  const row = await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  if (!row) return burnPasswordCheck(password).then(() => null);
  if (!(await verifyPassword(password, row.password_hash))) return null;
  if (needsRehash(row.password_hash)) {
    await db
      .updateTable('users')
      .set({ password_hash: await hashPassword(password) })
      .where('id', '=', row.id)
      .execute();
  }
  return { id: row.id, username: row.username, createdAt: row.created_at };
}
