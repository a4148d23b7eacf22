// Deleting the signed-in account (DESIGN §7): the password again, then the hub deletes every household the
// account owns (doorbells, events, sealed media, keys), its memberships elsewhere, its browsers and every
// session it has, and says what it deleted. This page then shows that and returns to the sign-in page.

const RETURN_AFTER_MS = 8000;

function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many}`;
}

/** The hub's counts ({households, devices, events, blobs, browsers}) as a sentence. */
export function describeDeleted(deleted) {
  const d = deleted || {};
  const n = (v) => (Number.isInteger(v) && v >= 0 ? v : 0);
  return (
    'Deleted: ' +
    [
      plural(n(d.households), 'household', 'households'),
      plural(n(d.devices), 'doorbell', 'doorbells'),
      plural(n(d.events), 'event', 'events'),
      plural(n(d.blobs), 'sealed snapshot or clip', 'sealed snapshots and clips'),
      plural(n(d.browsers), 'browser', 'browsers'),
    ].join(', ') +
    '.'
  );
}

function backToSignIn() {
  localStorage.removeItem('doorward-household');
  sessionStorage.removeItem('doorward-invite');
  location.replace('/');
}

function showResult(deleted) {
  const view = document.getElementById('view');
  view.replaceChildren(document.getElementById('tpl-account-deleted').content.cloneNode(true));
  document.getElementById('account-deleted-summary').textContent = describeDeleted(deleted);
  document.getElementById('account-deleted-continue').addEventListener('click', backToSignIn);
  setTimeout(backToSignIn, RETURN_AFTER_MS);
}

/**
 * Wires the "Delete my account" form of the home view. {@code beforeLeave} runs once the account is gone
 * (e.g. to close the live stream so it does not try to reconnect).
 */
export function setUpAccountDeletion(api, username, beforeLeave = () => {}) {
  const form = document.getElementById('delete-account-form');
  if (!form) return;
  const name = document.getElementById('account-name');
  if (name && username) name.textContent = username;
  const error = form.querySelector('.error');
  const button = form.querySelector('button[type=submit]');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!form.elements.understood.checked) {
      error.textContent = 'Tick the box to confirm.';
      return;
    }
    button.disabled = true;
    try {
      const result = await api.deleteAccount(form.elements.password.value);
      form.reset();
      try {
        beforeLeave();
      } catch {
        /* leaving anyway */
      }
      showResult(result && result.deleted);
    } catch (err) {
      error.textContent = err.message;
      form.elements.password.value = '';
    } finally {
      button.disabled = false;
    }
  });
}
