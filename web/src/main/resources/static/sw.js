// Doorward's service worker (scope /, a module worker: Chromium and Firefox ESR both run one). Two jobs:
//  - the app shell: its files, network first (a new version is always fetched when the hub is reachable) with a
//    versioned cache as the fallback, so the installed app opens without the hub; nothing under /api/ is ever cached;
//  - Web Push: show the ring, motion or alert the hub pushed (push-notification.js), and open the app at the
//    doorbell's live view when it is answered.
// A new version waits until the page asks it to take over ("A new version is ready — Reload", updates.js).

import { appUrlFor, showPushNotification } from './app/push-notification.js';

// Change VERSION with any change to SHELL; every file below must exist (the install fails otherwise).
const VERSION = '7';
const CACHE = `doorward-shell-${VERSION}`;
const CACHE_PREFIX = 'doorward-shell-';
const SHELL = [
  '/',
  '/favicon.svg',
  '/manifest.webmanifest',
  '/icons/icon-192.png',
  '/icons/icon-512.png',
  '/icons/icon-maskable-192.png',
  '/icons/icon-maskable-512.png',
  '/icons/apple-touch-icon.png',
  '/icons/badge-96.png',
  '/app/access.js',
  '/app/account-settings.js',
  '/app/account.js',
  '/app/api.js',
  '/app/browser-names.js',
  '/app/connection.js',
  '/app/dates.js',
  '/app/door.js',
  '/app/doorbell-settings.js',
  '/app/event-media.js',
  '/app/history-viewer.js',
  '/app/integrations.js',
  '/app/keys.js',
  '/app/live.js',
  '/app/main.js',
  '/app/media-keys.js',
  '/app/media-session.js',
  '/app/missed-rings.js',
  '/app/mp4.js',
  '/app/notifications.js',
  '/app/push-notification.js',
  '/app/ring-alert.js',
  '/app/roster.js',
  '/app/safety.js',
  '/app/screens.js',
  '/app/security-log.js',
  '/app/sframe.js',
  '/app/style.css',
  '/app/talk-worklet.js',
  '/app/timeline.js',
  '/app/updates.js',
];

self.addEventListener('install', (event) => {
  // Straight from the network, past the HTTP cache: the shell of this version, not of the last one.
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: 'reload' })))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n.startsWith(CACHE_PREFIX) && n !== CACHE).map((n) => caches.delete(n)));
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'skip-waiting') self.skipWaiting();
});

/** The cache key of a request for a shell file, or null: the worker leaves everything else alone. */
function shellKey(request) {
  if (request.method !== 'GET') return null;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return null;
  if (request.mode === 'navigate') return url.pathname === '/' || url.pathname === '/index.html' ? '/' : null;
  return SHELL.includes(url.pathname) && url.pathname !== '/' ? url.pathname : null;
}

async function networkFirst(request, key) {
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic' && !response.redirected) {
      const copy = response.clone();
      caches
        .open(CACHE)
        .then((cache) => cache.put(key, copy))
        .catch(() => {
          /* a full disk only costs offline start */
        });
    }
    return response;
  } catch (err) {
    const cached = await caches.match(key, { cacheName: CACHE });
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const key = shellKey(event.request);
  if (key) event.respondWith(networkFirst(event.request, key));
});

self.addEventListener('push', (event) => {
  event.waitUntil(showPushNotification(self.registration, event.data ? event.data.text() : ''));
});

self.addEventListener('notificationclick', (event) => {
  const { notification, action } = event;
  notification.close();
  if (action === 'dismiss') return;
  event.waitUntil(openApp(notification.data || {}));
});

/** Focuses an open Doorward window and tells it what to show, or opens one at that place. */
async function openApp(data) {
  const url = appUrlFor(data);
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).origin === self.location.origin);
  if (open) {
    open.postMessage({ type: 'notification-opened', kind: data.kind, deviceId: data.deviceId, eventId: data.eventId });
    await open.focus();
    return;
  }
  await self.clients.openWindow(url);
}
