// The page's side of the service worker (/sw.js): registers it, says when a new version is ready, and hears which
// notification was opened.

let reloading = false;

function showUpdateBanner(registration) {
  if (document.getElementById('update-ready')) return;
  const banner = document.createElement('div');
  banner.id = 'update-ready';
  banner.className = 'update-banner';
  banner.setAttribute('role', 'status');
  const text = document.createElement('span');
  text.textContent = 'A new version is ready';
  const reload = document.createElement('button');
  reload.type = 'button';
  reload.className = 'primary';
  reload.textContent = 'Reload';
  reload.addEventListener('click', () => {
    reload.disabled = true;
    reloading = true;
    // The waiting worker takes over; the page reloads when it has (controllerchange below).
    if (registration.waiting) registration.waiting.postMessage({ type: 'skip-waiting' });
    else location.reload();
  });
  banner.append(text, ' — ', reload);
  document.body.append(banner);
}

/** A new worker that finished installing while an older one controls this page waits for the person to reload. */
function watchForUpdates(registration) {
  if (registration.waiting && navigator.serviceWorker.controller) showUpdateBanner(registration);
  registration.addEventListener('updatefound', () => {
    const installing = registration.installing;
    if (!installing) return;
    installing.addEventListener('statechange', () => {
      if (installing.state === 'installed' && navigator.serviceWorker.controller) showUpdateBanner(registration);
    });
  });
}

/**
 * Registers the service worker (if this browser has them) and calls `onNotificationOpened({kind, deviceId, eventId})`
 * when a notification of this app is answered while a window is open. Returns the registration, or null.
 */
export async function startServiceWorker(onNotificationOpened) {
  if (!('serviceWorker' in navigator)) return null;
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'notification-opened') onNotificationOpened(event.data);
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) location.reload();
  });
  try {
    const registration = await navigator.serviceWorker.register('/sw.js', { type: 'module', scope: '/' });
    watchForUpdates(registration);
    return registration;
  } catch (err) {
    console.warn('the service worker did not start', err);
    return null;
  }
}

/**
 * The service worker, registered only when `register()` is called (once the first screen is up: its install fetches
 * the whole shell, which should not compete with the app's own first requests). `registration` resolves then.
 */
export function deferredServiceWorker(onNotificationOpened) {
  let register;
  const registration = new Promise((resolve) => {
    register = () => {
      register = () => {};
      resolve(startServiceWorker(onNotificationOpened));
    };
  });
  return { registration, register: () => register() };
}
