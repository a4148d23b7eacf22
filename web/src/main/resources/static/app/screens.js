// The app's screens (docs/web-app.md "Screens"): one at a time, named by the URL hash (#home, #history, …) so
// Back, links and a reload keep the place. Every screen is built when the app starts and kept current from the
// stream; switching only shows another one, so no screen ever needs a reload.

export const SCREENS = ['home', 'history', 'household', 'security', 'settings', 'account'];
/** Screens with nothing for a resident or guest: their links are not shown to them. */
const FOR_ADMINS = new Set(['household', 'security']);

let current = null;

/** The screen the hash names, or null (the hash may carry #live=…, #invite=… or nothing). */
export function screenFromHash(hash = location.hash) {
  const name = hash.replace(/^#/, '');
  return SCREENS.includes(name) ? name : null;
}

export function currentScreen() {
  return current;
}

/** Shows the navigation (signed in) or hides it (sign-in, setup, adding a doorbell). */
export function showNavigation(visible, { admin = false } = {}) {
  const nav = document.getElementById('screens-nav');
  nav.hidden = !visible;
  document.body.classList.toggle('with-nav', visible);
  nav.querySelectorAll('a[data-screen]').forEach((a) => {
    a.hidden = FOR_ADMINS.has(a.dataset.screen) && !admin;
  });
}

/**
 * Shows one screen. `focus`: move the keyboard focus to its title (after a person chose it, so a screen reader
 * says where they are; never at start, which would scroll and steal the focus).
 */
export function showScreen(name, { focus = false } = {}) {
  const screens = document.querySelectorAll('#view .screen');
  if (screens.length === 0) return;
  current = SCREENS.includes(name) ? name : 'home';
  screens.forEach((s) => {
    s.hidden = s.dataset.screen !== current;
  });
  document.querySelectorAll('#screens-nav a[data-screen]').forEach((a) => {
    if (a.dataset.screen === current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  document.body.dataset.screen = current;
  if (focus) {
    const title = document.querySelector(`#screen-${current} .screen-title`);
    if (title) {
      title.tabIndex = -1;
      title.focus();
    }
    window.scrollTo(0, 0);
  }
  document.dispatchEvent(new CustomEvent('screen-shown', { detail: { screen: current } }));
}
