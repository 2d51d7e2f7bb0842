import './styles.css';
import { completeSignIn, loadSession } from './auth-session.js';
import { mount } from './dom.js';
import { startReader } from './reader-app.js';
import { signInView } from './views/sign-in-view.js';

/**
 * Start-up: the service worker (so the next start works offline), then the sign-in redirect if this load is
 * one, then the reader for the stored session — which needs no network: everything it shows is in IndexedDB.
 */
async function main(): Promise<void> {
  const root = document.getElementById('app')!;
  if (import.meta.env.PROD && 'serviceWorker' in navigator) {
    navigator.serviceWorker
      .register(`${import.meta.env.BASE_URL}sw.js`, { scope: import.meta.env.BASE_URL })
      .catch((error: unknown) => console.warn('service worker not registered', error));
  }
  const redirect = await completeSignIn();
  const session = redirect && 'session' in redirect ? redirect.session : await loadSession();
  if (!session) {
    mount(root, signInView(redirect && 'error' in redirect ? redirect.error : null));
    return;
  }
  await startReader(root, session);
}

void main().catch((error: unknown) => {
  console.error(error);
  document.getElementById('app')!.textContent = `The reader could not start: ${error instanceof Error ? error.message : String(error)}`;
});
