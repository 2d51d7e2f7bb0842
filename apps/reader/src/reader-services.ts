import { ContentSyncClient, IndexedDbContentStore, IndexedDbUserStore, UserSessionTokenProvider, UserSyncClient, type UserSession } from '@quran-sync/client';
import { sessionUser, sharedSessionStorage } from './auth-session.js';
import { BASE_URL, CLIENT_ID } from './reader-config.js';
import { contentFilter } from './translation-catalogue.js';

const TRANSLATIONS_KEY = 'quran-reader:translations';

/** Everything the views use: the two SDK clients over their IndexedDB stores, for one signed-in user. */
export interface ReaderServices {
  readonly user: { readonly id: string; readonly name: string };
  readonly tokens: UserSessionTokenProvider;
  readonly contentStore: IndexedDbContentStore;
  readonly content: ContentSyncClient;
  readonly userData: UserSyncClient;
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
  const content = new ContentSyncClient({ baseUrl: BASE_URL, resources: contentFilter(chosenTranslations() ?? []), store: contentStore, tokenProvider: tokens });
  const userStore = await IndexedDbUserStore.open({ name: `quran-reader-user:${user.id}` });
  const userData = new UserSyncClient({ store: userStore, baseUrl: BASE_URL, tokenProvider: tokens, conflictPolicy: 'last-writer-wins' });
  return { user, tokens, contentStore, content, userData };
}

/** The translations the user picked (null before the first choice). Per browser, like the downloaded content. */
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
