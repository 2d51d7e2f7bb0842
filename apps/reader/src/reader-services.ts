import { ContentSyncClient, IndexedDbContentStore, IndexedDbUserStore, UserSessionTokenProvider, UserSyncClient, type UserSession } from '@quran-sync/client';
import { sessionUser, sharedSessionStorage } from './auth-session.js';
import { BASE_URL, CLIENT_ID } from './reader-config.js';
import type { AppStateSetting } from './app-state-setting.js';
import { contentFilter } from './translation-catalogue.js';
import { translationsSetting } from './translations-setting.js';

export const TRANSLATIONS_KEY = 'quran-reader:translations';

/** Everything the views use: the two SDK clients over their IndexedDB stores, for one signed-in user. */
export interface ReaderServices {
  readonly user: { readonly id: string; readonly name: string };
  readonly tokens: UserSessionTokenProvider;
  readonly contentStore: IndexedDbContentStore;
  readonly content: ContentSyncClient;
  readonly userData: UserSyncClient;
  /** The chosen translations as the user's App State setting (the choice applied on this device is `chosenTranslations`). */
  readonly translationsSetting: AppStateSetting<number[]>;
}

/**
 * Opens the stores and builds the clients. Public content is shared by every user of the browser (one
 * database); user data gets a database per user id, so two accounts on one browser never mix. One token
 * provider serves both clients: the user's access token carries `content` too, and a single provider means
 * a single refresh at a time.
 */
export async function openReaderServices(session: UserSession): Promise<ReaderServices> {
  const user = sessionUser(session);
  const tokens = new UserSessionTokenProvider({ baseUrl: BASE_URL, clientId: CLIENT_ID, session, storage: await sharedSessionStorage() });
  const contentStore = await IndexedDbContentStore.open({ name: 'quran-reader-content' });
  const content = new ContentSyncClient({
    baseUrl: BASE_URL,
    resources: contentFilter(chosenTranslations() ?? []),
    store: contentStore,
    tokenProvider: tokens,
  });
  const userStore = await IndexedDbUserStore.open({ name: `quran-reader-user:${user.id}` });
  const userData = new UserSyncClient({ store: userStore, baseUrl: BASE_URL, tokenProvider: tokens, conflictPolicy: 'last-writer-wins' });
  return { user, tokens, contentStore, content, userData, translationsSetting: translationsSetting({ baseUrl: BASE_URL, tokens, userId: user.id }) };
}

/**
 * The translations applied on this browser, the ones downloaded (null before the first download). The user's
 * choice travels between devices as an App State setting; a device applies it by downloading (reader-app.ts).
 */
export function chosenTranslations(): number[] | null {
  try {
    const value = JSON.parse(localStorage.getItem(TRANSLATIONS_KEY) ?? 'null') as unknown;
    return Array.isArray(value) ? value.filter((id): id is number => Number.isInteger(id)) : null;
  } catch {
    return null;
  }
}

export function saveChosenTranslations(ids: readonly number[]): void {
  localStorage.setItem(TRANSLATIONS_KEY, JSON.stringify([...ids]));
}
