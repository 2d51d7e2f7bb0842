/*
 * The reader's service worker: keeps the app shell (page, script, styles) so the reader starts with no
 * network. Data never passes through here: content and user data live in IndexedDB and the SDK syncs them.
 * The build (service-worker-plugin.ts) fills in VERSION and PRECACHE.
 *
 * - install: cache every file of this build, then take over at once;
 * - activate: drop the caches of older builds;
 * - the page (navigations under the scope): network first, so an online visit always gets the newest
 *   build, falling back to the cached page offline; hashed files: cache first (they never change).
 * Requests outside the scope (the APIs, the login page) are not touched.
 */
const VERSION = '__VERSION__';
const PRECACHE = [
  /* __PRECACHE__ */
];
const CACHE = `quran-reader-${VERSION}`;
const scope = new URL(self.registration.scope);
const pageUrl = new URL('./', scope).href;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE.map((path) => new URL(path, scope).href)))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) => Promise.all(names.filter((name) => name.startsWith('quran-reader-') && name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== scope.origin || !url.pathname.startsWith(scope.pathname)) return;
  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request)
        .then((response) => {
          if (response.ok) {
            const copy = response.clone();
            caches.open(CACHE).then((cache) => cache.put(pageUrl, copy));
          }
          return response;
        })
        .catch(() => caches.match(pageUrl, { cacheName: CACHE }).then((cached) => cached || Response.error())),
    );
    return;
  }
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((cached) => cached || fetch(request)));
});
