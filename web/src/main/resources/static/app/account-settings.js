// Accounts people can keep safe (issue 14, items 4 and 5): the "Your account" settings (password, sessions,
// passkeys, browser names), the sign-in page's passkey and recovery parts, the invitation sign-up page, the
// re-entry link page and the recovery code shown once. main.js calls the set-up functions; everything else is here.
// One-time tokens arrive in the URL's fragment (never sent to a server) and are taken out of the address bar at
// once, before any request.

import { api, request } from './api.js';

// ---- small helpers

function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

function item(text, detail) {
  const li = document.createElement('li');
  const what = document.createElement('span');
  what.textContent = text;
  li.append(what);
  if (detail) {
    const more = document.createElement('span');
    more.className = 'muted';
    more.textContent = ` ${detail}`;
    li.append(more);
  }
  return li;
}

function button(text, className, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = className;
  b.textContent = text;
  b.addEventListener('click', onClick);
  return b;
}

function showIn(viewId, templateId) {
  const view = document.getElementById(viewId);
  view.replaceChildren(document.getElementById(templateId).content.cloneNode(true));
  return view;
}

function fragmentToken(name) {
  const match = new RegExp(`(?:^|[#&])${name}=([A-Za-z0-9_-]{43})`).exec(location.hash);
  return match ? match[1] : null;
}

/** Takes a one-time token out of the address bar (it stays in this tab's memory only) and returns it. */
export function takeFragmentToken(name) {
  const token = fragmentToken(name);
  if (token) history.replaceState(null, '', '/');
  return token;
}

// ---- WebAuthn wire format (Spring Security's: base64url without padding)

const b64url = {
  encode(buffer) {
    return btoa(String.fromCharCode(...new Uint8Array(buffer)))
      .replace(/=/g, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
  },
  decode(text) {
    const bin = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(bin, (c) => c.charCodeAt(0)).buffer;
  },
};

export function passkeysSupported() {
  return typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;
}

/** Adds a passkey to the signed-in account (this device's authenticator makes it; the hub keeps its public key). */
export async function registerPasskey(label) {
  const options = await request('POST', '/webauthn/register/options');
  const publicKey = {
    ...options,
    user: { ...options.user, id: b64url.decode(options.user.id) },
    challenge: b64url.decode(options.challenge),
    excludeCredentials: (options.excludeCredentials || []).map((c) => ({ ...c, id: b64url.decode(c.id) })),
  };
  const made = await navigator.credentials.create({ publicKey });
  const credential = {
    id: made.id,
    rawId: b64url.encode(made.rawId),
    response: {
      attestationObject: b64url.encode(made.response.attestationObject),
      clientDataJSON: b64url.encode(made.response.clientDataJSON),
      transports: made.response.getTransports ? made.response.getTransports() : [],
    },
    type: made.type,
    clientExtensionResults: made.getClientExtensionResults(),
    authenticatorAttachment: made.authenticatorAttachment,
  };
  return request('POST', '/webauthn/register', { publicKey: { credential, label } });
}

/** Signs in with a passkey (the authenticator offers the accounts it holds for this hub). */
export async function signInWithPasskey() {
  const options = await request('POST', '/webauthn/authenticate/options');
  const publicKey = {
    ...options,
    allowCredentials: (options.allowCredentials || []).map((c) => ({ ...c, id: b64url.decode(c.id) })),
    challenge: b64url.decode(options.challenge),
  };
  const got = await navigator.credentials.get({ publicKey });
  const { response } = got;
  return request('POST', '/login/webauthn', {
    id: got.id,
    rawId: b64url.encode(got.rawId),
    response: {
      authenticatorData: b64url.encode(response.authenticatorData),
      clientDataJSON: b64url.encode(response.clientDataJSON),
      signature: b64url.encode(response.signature),
      userHandle: response.userHandle ? b64url.encode(response.userHandle) : undefined,
    },
    credType: got.type,
    clientExtensionResults: got.getClientExtensionResults(),
    authenticatorAttachment: got.authenticatorAttachment,
  });
}

/** A default name for a passkey made on this device, e.g. "Chrome on Android". */
function deviceName() {
  const ua = navigator.userAgent;
  const browser = /Edg\//.test(ua)
    ? 'Edge'
    : /Firefox\//.test(ua)
      ? 'Firefox'
      : /Chrome\//.test(ua)
        ? 'Chrome'
        : /Safari\//.test(ua)
          ? 'Safari'
          : 'Browser';
  const platform = /Android/.test(ua)
    ? 'Android'
    : /iPhone|iPad/.test(ua)
      ? 'iOS'
      : /Windows/.test(ua)
        ? 'Windows'
        : /Mac OS X/.test(ua)
          ? 'Mac'
          : /Linux/.test(ua)
            ? 'Linux'
            : '';
  return platform ? `${browser} on ${platform}` : browser;
}

// ---- the recovery code, shown once

/** Shows the owner's recovery code once; {@code onDone} runs when they say they have kept it. */
export function showRecoveryCode(code, onDone) {
  showIn('view', 'tpl-recovery-code');
  document.getElementById('recovery-code').textContent = code;
  const kept = document.getElementById('recovery-code-kept');
  const next = document.getElementById('recovery-code-continue');
  kept.addEventListener('change', () => {
    next.disabled = !kept.checked;
  });
  next.addEventListener('click', () => onDone());
}

// ---- sign-in page: passkey and "forgot password"

/** Wires the sign-in page's passkey button and recovery form; {@code signedIn} continues into the app. */
export function setUpSignInExtras(signedIn) {
  const passkey = document.getElementById('passkey-sign-in');
  const error = document.querySelector('#login-form .error');
  if (passkey) {
    passkey.hidden = !passkeysSupported();
    passkey.addEventListener('click', async () => {
      error.textContent = '';
      try {
        await signInWithPasskey();
        await signedIn();
      } catch (err) {
        error.textContent =
          err.name === 'NotAllowedError' ? 'No passkey was used.' : `Passkey sign-in failed: ${err.message}`;
      }
    });
  }
  const form = document.getElementById('owner-recovery-form');
  if (!form) return;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form).entries());
    const problem = form.querySelector('.error');
    problem.textContent = '';
    try {
      const result = await api.recoverWithCode(v.username, v.recoveryCode, v.password);
      await api.session();
      await api.login(result.username, v.password);
      showRecoveryCode(result.recoveryCode, signedIn);
    } catch (err) {
      problem.textContent = err.message;
    }
  });
}

// ---- an invitation for someone without an account

/** The invitation page for a person who is not signed in: create an account with it, or sign in. */
export function renderInvitationSignUp(token, { signIn, signedIn }) {
  showIn('view', 'tpl-invite-signup');
  const form = document.getElementById('invite-signup-form');
  document.getElementById('invite-have-account').addEventListener('click', (e) => {
    e.preventDefault();
    signIn();
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form).entries());
    const problem = form.querySelector('.error');
    problem.textContent = '';
    try {
      const joined = await api.signUpWithInvitation(token, v.username, v.password);
      sessionStorage.removeItem('doorward-invite');
      localStorage.setItem('doorward-household', joined.householdId);
      await api.session(); // the CSRF cookie
      await api.login(v.username, v.password);
      await signedIn();
    } catch (err) {
      problem.textContent = err.message;
    }
  });
}

// ---- a re-entry link

/** The page a re-entry link opens: a new password, then this browser signs in (a new browser: approval needed). */
export function renderRecovery(token, signedIn) {
  showIn('view', 'tpl-recover');
  const form = document.getElementById('recover-form');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(form).entries());
    const problem = form.querySelector('.error');
    problem.textContent = '';
    try {
      const result = await api.recoverWithLink(token, v.password);
      await api.session();
      await api.login(result.username, v.password);
      await signedIn();
    } catch (err) {
      problem.textContent = err.message;
    }
  });
}

/** For the members list (owners and admins): a button that issues a re-entry link for a member and shows it. */
export function recoveryLinkControl(householdId, member) {
  const wrap = document.createElement('span');
  wrap.className = 'recovery-link';
  const field = document.createElement('input');
  field.readOnly = true;
  field.hidden = true;
  field.setAttribute('aria-label', `Re-entry link for ${member.username}`);
  const problem = document.createElement('span');
  problem.className = 'error';
  problem.setAttribute('role', 'alert');
  const issue = button('Re-entry link', 'link issue-recovery-link', async () => {
    problem.textContent = '';
    try {
      const issued = await api.issueRecoveryLink(householdId, member.accountId);
      field.value = issued.link;
      field.hidden = false;
      field.title = `Works once, until ${when(issued.expiresAt)}. Give it to ${member.username} in person.`;
      field.select();
    } catch (err) {
      problem.textContent = err.message;
    }
  });
  wrap.append(issue, field, problem);
  return wrap;
}

// ---- "Your account": password, sessions, passkeys, browsers

async function refreshSessions() {
  const list = document.getElementById('own-sessions');
  if (!list) return;
  const sessions = await api.ownSessions();
  list.replaceChildren(
    ...sessions.map((s) => {
      const li = item(
        s.browserName,
        `signed in ${when(s.signedInAt)} · last used ${when(s.lastSeenAt)}${s.current ? ' · this browser' : ''}`,
      );
      li.dataset.current = String(s.current);
      if (!s.current) {
        li.append(
          button('Sign out', 'link end-session', async () => {
            await api.endOwnSession(s.sessionRef);
            await refreshSessions();
          }),
        );
      }
      return li;
    }),
  );
}

async function refreshPasskeys() {
  const list = document.getElementById('own-passkeys');
  if (!list) return;
  const passkeys = await api.passkeys();
  if (passkeys.length === 0) {
    const li = item('No passkeys yet.');
    li.className = 'muted';
    list.replaceChildren(li);
    return;
  }
  list.replaceChildren(
    ...passkeys.map((p) => {
      const li = item(p.label, `added ${when(p.createdAt)}${p.lastUsedAt ? ` · last used ${when(p.lastUsedAt)}` : ''}`);
      li.dataset.passkeyId = p.id;
      li.append(
        button('Remove', 'link remove-passkey', async () => {
          await api.removePasskey(p.id);
          await refreshPasskeys();
        }),
      );
      return li;
    }),
  );
}

async function refreshBrowsers() {
  const list = document.getElementById('own-browsers');
  if (!list) return;
  const clients = await api.clients();
  list.replaceChildren(
    ...clients.map((c) => {
      const li = document.createElement('li');
      li.dataset.clientId = c.id;
      const name = document.createElement('input');
      name.value = c.label;
      name.maxLength = 64;
      name.className = 'browser-name';
      name.setAttribute('aria-label', 'Name of this browser');
      const save = button('Rename', 'link rename-browser', async () => {
        try {
          await api.renameBrowser(c.id, name.value);
          save.textContent = 'Saved';
          setTimeout(() => {
            save.textContent = 'Rename';
          }, 2000);
        } catch (err) {
          save.textContent = err.message;
        }
      });
      const since = document.createElement('span');
      since.className = 'muted';
      since.textContent = ` added ${when(c.createdAt)}`;
      li.append(name, save, since);
      return li;
    }),
  );
}

function setUpPasswordChange() {
  const form = document.getElementById('password-form');
  if (!form) return;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const problem = form.querySelector('.error');
    const done = form.querySelector('.done');
    problem.textContent = '';
    done.textContent = '';
    const v = Object.fromEntries(new FormData(form).entries());
    if (v.newPassword !== v.repeatPassword) {
      problem.textContent = 'The new passwords differ.';
      return;
    }
    try {
      await api.changePassword(v.currentPassword, v.newPassword);
      form.reset();
      done.textContent = 'Password changed. Your other browsers are signed out.';
      await refreshSessions();
    } catch (err) {
      problem.textContent = err.message;
      form.elements.currentPassword.value = '';
    }
  });
}

function setUpPasskeyAdding() {
  const add = document.getElementById('add-passkey');
  if (!add) return;
  const status = document.getElementById('passkey-status');
  if (!passkeysSupported()) {
    add.hidden = true;
    status.textContent = 'This browser cannot make passkeys.';
    return;
  }
  add.addEventListener('click', async () => {
    status.textContent = '';
    add.disabled = true;
    try {
      const label = document.getElementById('passkey-name').value.trim() || deviceName();
      await registerPasskey(label);
      status.textContent = 'Passkey added: you can sign in with it.';
      await refreshPasskeys();
    } catch (err) {
      status.textContent =
        err.name === 'NotAllowedError' ? 'No passkey was made.' : `No passkey was added: ${err.message}`;
    } finally {
      add.disabled = false;
    }
  });
}

/** Wires the "Your account" card of the home view. */
export async function setUpAccountSettings() {
  if (!document.getElementById('account-settings')) return;
  setUpPasswordChange();
  setUpPasskeyAdding();
  await Promise.all([refreshSessions(), refreshPasskeys(), refreshBrowsers()]);
}
