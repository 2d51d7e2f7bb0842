import type { TokenProvider } from '@quran-sync/client';
import { AppStateSetting, localStorageSettingStorage } from './app-state-setting.js';

/**
 * The chosen translations follow the user from device to device: App State collection `settings`, key
 * `translations`, value the list of translation ids in the order the reader shows them.
 */
export const TRANSLATIONS_SETTING = { collection: 'settings', key: 'translations', schemaVersion: 1 } as const;

export function isTranslationIds(value: unknown): value is number[] {
  return Array.isArray(value) && value.length > 0 && value.every((id) => Number.isInteger(id) && id > 0);
}

/**
 * The setting for one user; its sync state is kept per user in localStorage, so two accounts on one browser
 * never send each other's choice.
 */
export function translationsSetting(options: {
  readonly baseUrl: string;
  readonly tokens: TokenProvider;
  readonly userId: string;
  readonly fetch?: typeof fetch;
}): AppStateSetting<number[]> {
  return new AppStateSetting<number[]>({
    ...TRANSLATIONS_SETTING,
    baseUrl: options.baseUrl,
    tokens: options.tokens,
    storage: localStorageSettingStorage(`quran-reader:app-state:${options.userId}:settings/translations`, isTranslationIds),
    parse: (value, schemaVersion) => (schemaVersion === TRANSLATIONS_SETTING.schemaVersion && isTranslationIds(value) ? value : null),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
}
