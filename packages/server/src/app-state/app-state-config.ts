import fs from 'node:fs';
import { isAppStateCollectionName, type AppStateConfiguration } from '@quran-sync/protocol';

/**
 * The operator's App State policy: which collections exist, their limits, and the per-user limits
 * (`GET /v1/app-state:config` answers it as it is). Set with `QS_APP_STATE_CONFIG` (a JSON file of this
 * shape, every field optional) or the `appState` config input; unset, {@link DEFAULT_APP_STATE_CONFIG}.
 */
export type AppStateConfig = AppStateConfiguration;

export const DEFAULT_APP_STATE_CONFIG: AppStateConfig = {
  configVersion: 1,
  limits: { changeRetentionDays: 30, maxDocumentBytes: 64 * 1024, maxDocumentsPerUser: 1000, quotaBytesPerUser: 1024 * 1024 },
  collections: [
    // Settings and plans are edited on several devices: a write must say which version it replaces.
    { name: 'settings', maxDocumentsPerUser: 200, requiresPrecondition: true },
    { name: 'reading-plans', maxDocumentsPerUser: 100, requiresPrecondition: true },
    // Scratch state (drafts, UI state) where the last write may simply win.
    { name: 'drafts', maxDocumentsPerUser: 500, requiresPrecondition: false },
  ],
};

const MAX_LIMIT = 2 ** 31 - 1;

/**
 * The policy from a file path or an object (`undefined`: the default), every problem appended to `problems`
 * (the server refuses to start on any) — the default is returned then.
 */
export function resolveAppStateConfig(input: string | Partial<AppStateConfig> | undefined, problems: string[]): AppStateConfig {
  if (input === undefined) return DEFAULT_APP_STATE_CONFIG;
  let raw: unknown = input;
  if (typeof input === 'string') {
    try {
      raw = JSON.parse(fs.readFileSync(input, 'utf8')) as unknown;
    } catch (error) {
      problems.push(`App State configuration (QS_APP_STATE_CONFIG) ${JSON.stringify(input)} cannot be read as JSON: ${(error as Error).message}`);
      return DEFAULT_APP_STATE_CONFIG;
    }
  }
  const found: string[] = [];
  const config = parseAppStateConfig(raw, found);
  problems.push(...found.map((p) => `App State configuration: ${p}`));
  return found.length > 0 ? DEFAULT_APP_STATE_CONFIG : config;
}

function parseAppStateConfig(raw: unknown, problems: string[]): AppStateConfig {
  if (!isRecord(raw)) {
    problems.push('must be a JSON object');
    return DEFAULT_APP_STATE_CONFIG;
  }
  const known = new Set(['configVersion', 'limits', 'collections']);
  for (const name of Object.keys(raw)) if (!known.has(name)) problems.push(`unknown field ${JSON.stringify(name)}`);
  const positive = (where: string, value: unknown, fallback: number): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_LIMIT) {
      problems.push(`${where} must be an integer in 1..${MAX_LIMIT}`);
      return fallback;
    }
    return value;
  };
  const defaults = DEFAULT_APP_STATE_CONFIG.limits;
  const limitsRaw = raw.limits === undefined ? {} : raw.limits;
  if (!isRecord(limitsRaw)) problems.push('limits must be an object');
  const l = isRecord(limitsRaw) ? limitsRaw : {};
  for (const name of Object.keys(l)) if (!(name in defaults)) problems.push(`unknown field limits.${name}`);
  const limits = {
    changeRetentionDays: positive('limits.changeRetentionDays', l.changeRetentionDays, defaults.changeRetentionDays),
    maxDocumentBytes: positive('limits.maxDocumentBytes', l.maxDocumentBytes, defaults.maxDocumentBytes),
    maxDocumentsPerUser: positive('limits.maxDocumentsPerUser', l.maxDocumentsPerUser, defaults.maxDocumentsPerUser),
    quotaBytesPerUser: positive('limits.quotaBytesPerUser', l.quotaBytesPerUser, defaults.quotaBytesPerUser),
  };
  let collections = DEFAULT_APP_STATE_CONFIG.collections;
  if (raw.collections !== undefined) {
    if (!Array.isArray(raw.collections)) {
      problems.push('collections must be an array');
    } else {
      const names = new Set<string>();
      collections = raw.collections.map((entry: unknown, i) => {
        const where = `collections[${i}]`;
        if (!isRecord(entry)) {
          problems.push(`${where} must be an object`);
          return { name: '', maxDocumentsPerUser: 1, requiresPrecondition: true };
        }
        for (const name of Object.keys(entry))
          if (!['name', 'maxDocumentsPerUser', 'requiresPrecondition'].includes(name)) problems.push(`unknown field ${where}.${name}`);
        const name = entry.name;
        if (typeof name !== 'string' || !isAppStateCollectionName(name)) problems.push(`${where}.name must match ^[a-z0-9][a-z0-9._-]{0,79}$`);
        else if (names.has(name)) problems.push(`${where}.name ${JSON.stringify(name)} is listed twice`);
        else names.add(name);
        if (entry.requiresPrecondition !== undefined && typeof entry.requiresPrecondition !== 'boolean')
          problems.push(`${where}.requiresPrecondition must be true or false`);
        return {
          name: typeof name === 'string' ? name : '',
          maxDocumentsPerUser: positive(`${where}.maxDocumentsPerUser`, entry.maxDocumentsPerUser, limits.maxDocumentsPerUser),
          requiresPrecondition: entry.requiresPrecondition !== false,
        };
      });
    }
  }
  return { configVersion: positive('configVersion', raw.configVersion, DEFAULT_APP_STATE_CONFIG.configVersion), limits, collections };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
