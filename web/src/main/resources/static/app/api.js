// Talking to the hub: same origin only, CSRF token from the __Host- cookie echoed in a header.

import { signInProof } from './keys.js';

function csrfToken() {
  const match = document.cookie.split('; ').find((c) => c.startsWith('__Host-XSRF-TOKEN='));
  return match ? decodeURIComponent(match.split('=')[1]) : '';
}

export class ApiError extends Error {
  constructor(status, detail, retryAfter) {
    super(detail || `Request failed (${status})`);
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

/** The hub did not answer at all (offline, restarting): nothing was decided, try again later. */
export class HubUnreachableError extends Error {
  constructor(cause) {
    super('The hub cannot be reached');
    this.cause = cause;
  }
}

export async function request(method, path, body, contentType = 'application/json') {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-XSRF-TOKEN'] = csrfToken();
  let payload;
  if (body !== undefined) {
    headers['Content-Type'] = contentType;
    payload = contentType === 'application/json' ? JSON.stringify(body) : body;
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (err) {
    throw new HubUnreachableError(err);
  }
  if (!response.ok) {
    let detail = '';
    try {
      detail = (await response.json()).detail;
    } catch {
      /* not JSON */
    }
    const retry = response.headers.get('Retry-After');
    throw new ApiError(response.status, retry ? `${detail} (retry in ${retry} s)` : detail, retry);
  }
  if (response.status === 204 || (response.status === 201 && response.headers.get('Content-Length') === '0'))
    return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const api = {
  session: () => request('GET', '/api/session'),
  setup: (token, username, password, householdName) =>
    request('POST', '/api/setup', { token, username, password, householdName }),
  signUp: (username, password, householdName) =>
    request('POST', '/api/accounts', { username, password, householdName }),
  /** With this browser's proof that it holds its key, if it has one (keys.js signInProof). */
  login: async (username, password) => {
    const proof = await signInProof(username, csrfToken()).catch(() => null);
    return request(
      'POST',
      '/api/login',
      new URLSearchParams({ username, password, ...(proof || {}) }).toString(),
      'application/x-www-form-urlencoded',
    );
  },
  logout: () => request('POST', '/api/logout'),
  /** Accounts people can keep safe (account-settings.js). */
  signUpWithInvitation: (token, username, password) =>
    request('POST', '/api/invitations/sign-up', { token, username, password }),
  changePassword: (currentPassword, newPassword) =>
    request('PUT', '/api/account/password', { currentPassword, newPassword }),
  ownSessions: () => request('GET', '/api/account/sessions'),
  endOwnSession: (ref) => request('DELETE', `/api/account/sessions/${encodeURIComponent(ref)}`),
  passkeys: () => request('GET', '/api/account/passkeys'),
  removePasskey: (id) => request('DELETE', `/api/account/passkeys/${encodeURIComponent(id)}`),
  renameBrowser: (clientId, label) => request('PUT', `/api/clients/${encodeURIComponent(clientId)}/label`, { label }),
  issueRecoveryLink: (householdId, accountId) =>
    request(
      'POST',
      `/api/households/${encodeURIComponent(householdId)}/members/${encodeURIComponent(accountId)}/recovery-link`,
    ),
  recoverWithLink: (token, password) => request('POST', '/api/recovery', { token, password }),
  recoverWithCode: (username, recoveryCode, password) =>
    request('POST', '/api/recovery/owner', { username, recoveryCode, password }),
  deleteAccount: (password) => request('DELETE', '/api/account', { password }),
  devices: () => request('GET', '/api/devices'),
  members: (householdId) => request('GET', `/api/households/${encodeURIComponent(householdId)}/members`),
  invite: (householdId, role) =>
    request('POST', `/api/households/${encodeURIComponent(householdId)}/invitations`, { role }),
  acceptInvitation: (token) => request('POST', '/api/invitations/accept', { token }),
  removeMember: (householdId, accountId) =>
    request('DELETE', `/api/households/${encodeURIComponent(householdId)}/members/${encodeURIComponent(accountId)}`),
  safetyCheck: (householdId) => request('GET', `/api/households/${encodeURIComponent(householdId)}/safety-check`),
  revokeInvitation: (householdId, ref) =>
    request('DELETE', `/api/households/${encodeURIComponent(householdId)}/invitations/${encodeURIComponent(ref)}`),
  revokeSession: (householdId, ref) =>
    request('DELETE', `/api/households/${encodeURIComponent(householdId)}/sessions/${encodeURIComponent(ref)}`),
  revokeBrowser: (householdId, clientId) =>
    request('DELETE', `/api/households/${encodeURIComponent(householdId)}/browsers/${encodeURIComponent(clientId)}`),
  audit: (householdId) => request('GET', `/api/audit?householdId=${encodeURIComponent(householdId)}&limit=1000`),
  clients: () => request('GET', '/api/clients'),
  doorNonce: (deviceId) => request('POST', `/api/devices/${encodeURIComponent(deviceId)}/door/nonce`),
  openDoor: (deviceId, signed) => request('POST', `/api/devices/${encodeURIComponent(deviceId)}/door/open`, signed),
  roster: (householdId) => request('GET', `/api/households/${encodeURIComponent(householdId)}/roster`),
  postRoster: (householdId, signed) =>
    request('POST', `/api/households/${encodeURIComponent(householdId)}/rosters`, signed),
  registerClient: (signingKey, agreementKey, label) =>
    request('POST', '/api/clients', { signingKey, agreementKey, label }),
  releaseDevice: (deviceId, password, statement, signature, signerPublicKey) =>
    request('POST', `/api/devices/${encodeURIComponent(deviceId)}/release`, {
      password,
      statement,
      signature,
      signerPublicKey,
    }),
  moveCode: (deviceId, issuedAt, signature, signerPublicKey) =>
    request('POST', `/api/devices/${encodeURIComponent(deviceId)}/move-code`, { issuedAt, signature, signerPublicKey }),
  setCoolingOff: (deviceId, statement, signature, signerPublicKey) =>
    request('POST', `/api/devices/${encodeURIComponent(deviceId)}/cooling-off`, {
      statement,
      signature,
      signerPublicKey,
    }),
  vetoReset: (deviceId) => request('POST', `/api/devices/${encodeURIComponent(deviceId)}/veto-reset`),
  /** The timeline, newest first; filters (all optional): deviceId, kind, day (YYYY-MM-DD), limit (default 30). */
  history: (householdId, filters = {}) => {
    const query = new URLSearchParams({ householdId });
    for (const name of ['deviceId', 'kind', 'day']) if (filters[name]) query.set(name, filters[name]);
    // "day" is this browser's local day: tell the hub where that is.
    if (filters.day) query.set('utcOffsetMinutes', String(-new Date().getTimezoneOffset()));
    query.set('limit', String(filters.limit || 30));
    return request('GET', `/api/events?${query}`);
  },
  deleteEvent: (deviceId, eventId) =>
    request('DELETE', `/api/devices/${encodeURIComponent(deviceId)}/events/${encodeURIComponent(eventId)}`),
  mediaKey: (deviceId, epoch, clientId) =>
    request(
      'GET',
      `/api/devices/${encodeURIComponent(deviceId)}/media-keys/${encodeURIComponent(epoch)}?clientId=${encodeURIComponent(clientId)}`,
    ),
  setRetention: (householdId, days) =>
    request('PUT', `/api/households/${encodeURIComponent(householdId)}/retention`, { days }),
  startClaim: (householdId, setupCode, name, ownerKeyFingerprint) =>
    request('POST', '/api/claims', { householdId, setupCode, name, ownerKeyFingerprint }),
  claimStatus: (handle) => request('GET', `/api/claims/${encodeURIComponent(handle)}`),
  /** Web Push (docs/notifications.md): the hub's VAPID key, this browser's subscription, the motion opt-in. */
  pushKey: () => request('GET', '/api/push/key'),
  putPushSubscription: (clientId, subscription) =>
    request('PUT', `/api/push/subscriptions/${encodeURIComponent(clientId)}`, subscription),
  deletePushSubscription: (clientId) => request('DELETE', `/api/push/subscriptions/${encodeURIComponent(clientId)}`),
  pushPreferences: () => request('GET', '/api/push/preferences'),
  setPushPreferences: (preferences) => request('PUT', '/api/push/preferences', preferences),
};
