import { HubUnreachableError, api } from './api.js';
import { backoffDelay, connectStream, showConnectionState, showHubHealth } from './connection.js';
import { ensureRegistered, signStatement } from './keys.js';
import { rosterState, safetyCode, signNextRoster, startRoster } from './roster.js';
import { accessControl } from './access.js';
import { openLiveView } from './live.js';
import { prependItem, refreshTimeline, timelineItem } from './timeline.js';
import { loadEventMedia } from './event-media.js';
import { setUpAccountDeletion } from './account.js';
import {
  recoveryLinkControl,
  renderInvitationSignUp,
  renderRecovery,
  setUpAccountSettings,
  setUpSignInExtras,
  showRecoveryCode,
  takeFragmentToken,
} from './account-settings.js';
import { setUpSafetyCheck } from './safety.js';
import { ringsAlreadyThere, setUpRingAlert, showRecentRing, showRing, showRingSnapshot } from './ring-alert.js';
import { openLiveFromNotification, setUpNotifications, takeLiveLink } from './notifications.js';
import { deferredServiceWorker } from './updates.js';
import { setUpIntegrations } from './integrations.js';
import { coolingOffControl, openDoorbellSettings } from './doorbell-settings.js';
import { currentScreen, screenFromHash, showNavigation, showScreen } from './screens.js';
import { humanTime } from './dates.js';
import { displayName } from './browser-names.js';
import { refreshSecurityLog } from './security-log.js';

const view = document.getElementById('view');
const state = { session: null, stream: null, household: null, clientFingerprint: null, worker: null };

let claimPoll = null;

function show(templateId) {
  // Leaving the "add a doorbell" view ends its status polling.
  clearInterval(claimPoll);
  const node = document.getElementById(templateId).content.cloneNode(true);
  view.replaceChildren(node);
  // The screens' navigation belongs to the signed-in app only.
  showNavigation(templateId === 'tpl-home', { admin: isAdmin() });
}

function isAdmin() {
  return Boolean(state.household && ['owner', 'admin'].includes(state.household.role));
}

function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

function showError(form, error) {
  form.querySelector('.error').textContent = error.message;
}

function alertBanner(text, kind = 'danger', eventId = null) {
  const div = document.createElement('div');
  div.className = `alert ${kind === 'info' ? 'info' : ''}`;
  div.textContent = text;
  // A security alert about something at the door gets that moment's snapshot once it is stored.
  if (eventId) div.dataset.eventId = eventId;
  document.getElementById('alerts').append(div);
  div.title = 'Tap to dismiss';
  div.addEventListener('click', () => div.remove());
  setTimeout(() => div.remove(), 15000);
}

function formatTime(iso) {
  return humanTime(iso);
}

// ---- first run, sign in, sign up

function setupToken() {
  const match = /(?:^|[#&])setup=([A-Za-z0-9_-]{43})/.exec(location.hash);
  return match ? match[1] : null;
}

function renderSetup(token) {
  show('tpl-setup');
  const form = document.getElementById('setup-form');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    try {
      const created = await api.setup(token, v.username, v.password, v.householdName);
      history.replaceState(null, '', '/');
      await api.session(); // refreshes the CSRF cookie
      await api.login(v.username, v.password);
      showRecoveryCode(created.recoveryCode, start);
    } catch (err) {
      showError(form, err);
    }
  });
}

function renderLogin() {
  show('tpl-login');
  document.getElementById('signup-hint').hidden = !state.session.openSignup;
  const form = document.getElementById('login-form');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    try {
      await api.login(v.username, v.password);
      await start();
    } catch (err) {
      showError(form, err.status === 401 ? new Error('Wrong username or password') : err);
    }
  });
  setUpSignInExtras(start);
}

function renderSignup() {
  show('tpl-signup');
  const form = document.getElementById('signup-form');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    try {
      const created = await api.signUp(v.username, v.password, v.householdName);
      history.replaceState(null, '', '/');
      await api.session();
      await api.login(v.username, v.password);
      showRecoveryCode(created.recoveryCode, start);
    } catch (err) {
      showError(form, err);
    }
  });
}

// ---- home: doorbells and history

async function renderHome() {
  show('tpl-home');
  showScreen(screenFromHash() || currentScreen() || 'home');
  document.getElementById('household-not-admin').hidden = isAdmin();
  document.getElementById('security-not-admin').hidden = isAdmin();
  document.getElementById('add-doorbell').addEventListener('click', renderAdd);
  setUpAccountDeletion(api, state.session.username, () => {
    state.stream?.close();
    state.stream = null;
  });
  // The roster first: whether this browser is approved decides whether the history tries to open pictures.
  await refreshRoster();
  state.worker.then((registration) => setUpNotifications(registration, state.inRoster === true));
  await Promise.all([
    refreshDevices(),
    refreshHistory(),
    knowEarlierRings(),
    refreshAudit(),
    refreshMembers(),
    refreshSafety(),
    setUpIntegrations(state.household),
    setUpAccountSettings(),
  ]);
}

/** The newest ring before this page opened: catching up after a drop does not ring it again. */
async function knowEarlierRings() {
  if (!state.household) return;
  try {
    ringsAlreadyThere(await api.history(state.household.id, { kind: 'ring', limit: 1 }));
  } catch {
    // no history now (the database is down, say): catching up shows a ring of the last minute
  }
}

/** The safety check and the household's browsers (both from GET …/safety-check), for owners and admins. */
async function refreshSafety() {
  if (!isAdmin()) return;
  await setUpSafetyCheck(state.household, undefined, showHouseholdBrowsers);
}

function showHouseholdBrowsers(check, myClientId) {
  const list = document.getElementById('household-browsers');
  if (!list) return;
  document.getElementById('household-browsers-card').hidden = false;
  const rows = check.browsers.map((b) => {
    const li = document.createElement('li');
    li.dataset.clientId = b.clientId;
    const who = document.createElement('span');
    who.textContent = `${displayName(b)} · ${b.username}${b.clientId === myClientId ? ' · this browser' : ''}`;
    const stateText = document.createElement('span');
    stateText.className = b.approved ? 'muted' : 'badge waiting';
    stateText.textContent = b.approved ? `approved · since ${humanTime(b.registeredAt)}` : 'waiting for approval';
    li.append(who, stateText);
    return li;
  });
  if (rows.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'No browsers registered.';
    rows.push(li);
  }
  list.replaceChildren(...rows);
}

// Members and invitations, for owners and admins.
async function refreshMembers() {
  const card = document.getElementById('members-card');
  if (!card || !isAdmin()) return;
  card.hidden = false;
  document.getElementById('invite-card').hidden = false;
  const members = await api.members(state.household.id);
  const householdDevices = (await api.devices()).filter((d) => d.householdId === state.household.id);
  if (!card.isConnected) return; // the screen was drawn again meanwhile (e.g. after a release): that one refreshes
  document.getElementById('members').replaceChildren(
    ...members.map((m) => {
      const li = document.createElement('li');
      li.dataset.accountId = m.accountId;
      const who = document.createElement('span');
      who.textContent = `${m.username} · ${m.role}`;
      li.append(who);
      if (m.role !== 'owner' && m.accountId !== state.session.accountId) {
        const remove = document.createElement('button');
        remove.className = 'link remove-member';
        remove.textContent = 'Remove';
        remove.addEventListener('click', async () => {
          await api.removeMember(state.household.id, m.accountId);
          // A roster without their browsers: the doorbells re-key, and nothing sent from now on opens for them.
          try {
            await signNextRoster(state.household.id);
          } catch (err) {
            alertBanner(err.message);
          }
          await Promise.all([refreshMembers(), refreshSafety()]);
        });
        li.append(remove, recoveryLinkControl(state.household.id, m));
        if (householdDevices.length > 0) li.append(accessControl(state.household.id, m, householdDevices));
      }
      return li;
    }),
  );
  const form = document.getElementById('invite-form');
  form.onsubmit = async (e) => {
    e.preventDefault();
    try {
      const invitation = await api.invite(state.household.id, formValues(form).role);
      const field = document.getElementById('invite-link');
      field.value = invitation.link;
      field.hidden = false;
      document.getElementById('invite-hint').hidden = false;
      field.select();
      refreshSafety().catch(() => {});
    } catch (err) {
      showError(form, err);
    }
  };
}

function invitationToken() {
  const match = /(?:^|[#&])invite=([A-Za-z0-9_-]{43})/.exec(location.hash);
  return match ? match[1] : null;
}

// The household's audit log, for owners and admins (security-log.js): paged, filtered, repeated opens grouped.
async function refreshAudit() {
  await refreshSecurityLog(state.household);
}

async function refreshDevices() {
  const list = document.getElementById('device-list');
  if (!list) return;
  const devices = await api.devices();
  if (!list.isConnected) return; // the screen was drawn again meanwhile: that one refreshes
  const settings = document.getElementById('doorbell-settings');
  document.getElementById('doorbell-settings-card').hidden = devices.length === 0;
  if (devices.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'No doorbell yet. Add one with its setup code.';
    list.replaceChildren(li);
    settings.replaceChildren();
    delete settings.dataset.shown;
    return;
  }
  list.replaceChildren(...devices.map(doorbellTile));
  showTileSnapshots(devices);
  // Each doorbell's settings live on the Settings screen (signed here, checked by the doorbell). Drawn again
  // only when something they show changed, so a doorbell going online does not wipe a half-filled form.
  const shown = JSON.stringify(devices.map((d) => [d.id, d.name, d.coolingOffSeconds, d.resetPendingUntil]));
  if (settings.dataset.shown === shown) return;
  settings.dataset.shown = shown;
  settings.replaceChildren(
    ...devices.map((d) => {
      const li = document.createElement('li');
      li.dataset.deviceId = d.id;
      li.className = 'doorbell-setting';
      const name = document.createElement('h4');
      name.textContent = d.name;
      const open = document.createElement('button');
      open.type = 'button';
      open.className = 'doorbell-settings-open';
      open.textContent = 'Name, motion, retention and notifications…';
      open.setAttribute('aria-label', `Settings of ${d.name}`);
      open.addEventListener('click', () => {
        openDoorbellSettings(d, state.household, () => refreshDevices().catch(() => {})).catch((err) =>
          alertBanner(err.message),
        );
      });
      li.append(name, open, coolingOffControl(d), moveControl(d), releaseControl(d));
      return li;
    }),
  );
}

// A doorbell on the Home screen: its latest picture, name and state; a tap opens its live view.
function doorbellTile(d) {
  const li = document.createElement('li');
  li.className = 'tile';
  li.dataset.deviceId = d.id;
  const open = document.createElement('button');
  open.type = 'button';
  open.className = 'tile-open live-open';
  open.setAttribute('aria-label', `Live view of ${d.name}`);
  const picture = document.createElement('span');
  picture.className = 'tile-picture';
  const img = document.createElement('img');
  img.className = 'tile-snapshot';
  img.alt = '';
  img.hidden = true;
  const cached = tileSnapshots.get(d.id);
  if (cached && cached.url) {
    img.src = cached.url;
    img.hidden = false;
  }
  const none = document.createElement('span');
  none.className = 'tile-no-picture';
  none.textContent = 'Live view';
  // Over a snapshot: when it was taken, so nobody mistakes it for the door now.
  const when = document.createElement('span');
  when.className = 'tile-when';
  when.hidden = !(cached && cached.url);
  if (cached && cached.url) when.textContent = `Last picture · ${humanTime(cached.at)}`;
  picture.append(img, none, when);
  const caption = document.createElement('span');
  caption.className = 'tile-caption';
  const name = document.createElement('span');
  name.className = 'tile-name';
  const dot = document.createElement('span');
  dot.className = `dot ${d.online ? 'online' : ''}`;
  dot.setAttribute('aria-hidden', 'true');
  name.append(dot, d.name);
  const status = document.createElement('span');
  status.className = 'muted device-status';
  status.textContent = d.online ? 'online' : 'offline';
  caption.append(name, status);
  open.append(picture, caption);
  open.addEventListener('click', () => openLiveView(d.id, d.name));
  li.append(open);
  if (d.resetPendingUntil) li.append(resetNotice(d));
  return li;
}

// The latest snapshot of each doorbell, opened in this browser as the history does; kept per doorbell so a
// redraw (a doorbell going online) does not fetch it again.
const tileSnapshots = new Map(); // deviceId -> { eventId, url, at }

async function showTileSnapshots(devices) {
  if (!state.household || state.inRoster === false) return;
  await Promise.all(
    devices
      .filter((d) => d.householdId === state.household.id)
      .map(async (d) => {
        try {
          const events = await api.history(state.household.id, { deviceId: d.id, limit: 10 });
          const latest = events.find((e) => (e.media || []).includes('snapshot'));
          if (!latest) return;
          const eventId = latest.eventId || latest.id;
          let entry = tileSnapshots.get(d.id);
          if (!entry || entry.eventId !== eventId) {
            const { jpegBlob } = await loadEventMedia(d.id, eventId, 'snapshot');
            if (entry && entry.url) URL.revokeObjectURL(entry.url);
            entry = { eventId, url: URL.createObjectURL(jpegBlob), at: latest.occurredAt };
            tileSnapshots.set(d.id, entry);
          }
          const img = document.querySelector(`#device-list li[data-device-id="${CSS.escape(d.id)}"] img.tile-snapshot`);
          if (img) {
            if (img.src !== entry.url) img.src = entry.url;
            img.alt = `${d.name}, ${humanTime(entry.at)}`;
            img.hidden = false;
            const when = img.parentElement.querySelector('.tile-when');
            when.textContent = `Last picture · ${humanTime(entry.at)}`;
            when.hidden = false;
          }
        } catch {
          // No key for this browser, or it did not open: the tile shows no picture, never a wrong one.
        }
      }),
  );
}

// Someone is resetting this doorbell at the door: it stays yours until the deadline, unless you veto.
function resetNotice(device) {
  const box = document.createElement('div');
  box.className = 'reset-notice';
  box.setAttribute('role', 'alert');
  const text = document.createElement('p');
  const until = new Date(device.resetPendingUntil);
  text.textContent = device.resetVetoRequested
    ? `Veto sent. ${device.name} stays yours once it confirms.`
    : `Someone is resetting ${device.name} at the door. It will be released ${formatTime(until.toISOString())} ` +
      `(${countdown(until)}) unless you veto.`;
  box.append(text);
  if (!device.resetVetoRequested) {
    const veto = document.createElement('button');
    veto.className = 'primary veto-reset';
    veto.textContent = 'Keep it — veto the reset';
    veto.addEventListener('click', async () => {
      veto.disabled = true;
      try {
        await api.vetoReset(device.id);
        await refreshDevices();
      } catch (err) {
        veto.disabled = false;
        alertBanner(err.message);
      }
    });
    box.append(veto);
  }
  return box;
}

// Selling or giving the doorbell away: the release is signed here, by this browser's own key — the one
// the doorbell pinned when it was added — after the password is entered again.
function releaseControl(device) {
  const details = document.createElement('details');
  details.className = 'release';
  const summary = document.createElement('summary');
  summary.textContent = 'Release…';
  const form = document.createElement('form');
  form.className = 'form release-form';
  const label = document.createElement('label');
  label.textContent = `Your password, to release ${device.name} (it forgets you and can be added by anyone with its setup code)`;
  const password = document.createElement('input');
  password.type = 'password';
  password.name = 'password';
  password.required = true;
  password.autocomplete = 'current-password';
  label.append(password);
  const submit = document.createElement('button');
  submit.className = 'danger';
  submit.type = 'submit';
  submit.textContent = 'Release this doorbell';
  const error = document.createElement('p');
  error.className = 'error';
  error.setAttribute('role', 'alert');
  form.append(label, submit, error);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    try {
      const statement = `doorward-release:1:${device.id}:${Date.now()}`;
      const signed = await signStatement(statement);
      await api.releaseDevice(device.id, password.value, statement, signed.signature, signed.signerPublicKey);
      error.textContent = '';
      form.replaceChildren(
        Object.assign(document.createElement('p'), { textContent: 'Release sent. Waiting for the doorbell…' }),
      );
    } catch (err) {
      error.textContent = err.message;
      submit.disabled = false;
    }
  });
  details.append(summary, form);
  return details;
}

// The hub has a new address (new domain or port): sign the move here and show it to the doorbell camera
// while the doorbell is in pairing mode. The doorbell follows only a move signed by the key it pinned.
function moveControl(device) {
  const details = document.createElement('details');
  details.className = 'move';
  const summary = document.createElement('summary');
  summary.textContent = 'Hub moved? Show the doorbell its new address…';
  const box = document.createElement('div');
  const explain = document.createElement('p');
  explain.className = 'muted';
  explain.textContent = `Hold ${device.name}'s button for 5 seconds, then hold this QR code in front of its camera.`;
  const show = document.createElement('button');
  show.className = 'primary';
  show.type = 'button';
  show.textContent = 'Show move code';
  const img = document.createElement('img');
  img.className = 'move-qr';
  img.alt = `Move code for ${device.name}`;
  img.hidden = true;
  const error = document.createElement('p');
  error.className = 'error';
  error.setAttribute('role', 'alert');
  show.addEventListener('click', async () => {
    try {
      const issuedAt = Date.now();
      const statement = `doorward-move:1:${device.id}:${device.hubCaFingerprint}:${issuedAt}:${device.deviceLinkUrl}`;
      const signed = await signStatement(statement);
      const move = await api.moveCode(device.id, issuedAt, signed.signature, signed.signerPublicKey);
      const bytes = Uint8Array.from(atob(move.qrPng), (c) => c.charCodeAt(0));
      img.src = URL.createObjectURL(new Blob([bytes], { type: 'image/png' }));
      img.hidden = false;
      error.textContent = '';
    } catch (err) {
      error.textContent = err.message;
    }
  });
  box.append(explain, show, img, error);
  details.append(summary, box);
  return details;
}

function countdown(until) {
  const minutes = Math.max(0, Math.round((until - Date.now()) / 60000));
  if (minutes < 120) return `in ${minutes} min`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `in ${hours} h` : `in ${Math.round(hours / 24)} days`;
}

const KIND_LABELS = {
  ring: 'Doorbell rang',
  motion: 'Motion',
  'door-opened': 'Door opened',
  tamper: 'Tamper alarm',
  'pairing-mode': 'Pairing mode entered',
  'claim-refused': 'Claim attempt refused',
  'reset-pending': 'Reset started at the door',
  'reset-cancelled': 'Reset vetoed',
  offline: 'Went offline',
  online: 'Back online',
  'camera-offline': 'Camera stopped',
  'camera-online': 'Camera back',
};

// The timeline (timeline.js): filters, snapshots and clips opened in this browser, delete, retention.
async function refreshHistory() {
  await refreshTimeline(document.getElementById('history'), state.household, {
    kindLabels: KIND_LABELS,
    formatTime,
    canOpenMedia: () => state.inRoster !== false,
  });
}

function historyItem(e) {
  return timelineItem(e, state.household);
}

// The hub pushes a ring before it stores it (nothing between button and screen waits for the database), and
// alerts before their events are stored: show a pushed ring or motion at once, and read the stored history
// again a moment later.
let historyRefresh = null;

function onPushedEvent(message) {
  const list = document.getElementById('history');
  if (list && message.eventId && !list.querySelector(`li[data-event-id="${CSS.escape(message.eventId)}"]`)) {
    prependItem(
      list,
      historyItem({
        id: message.eventId,
        kind: message.type,
        deviceName: message.deviceName,
        occurredAt: message.occurredAt,
      }),
      message.occurredAt,
    );
  }
  clearTimeout(historyRefresh);
  historyRefresh = setTimeout(
    () =>
      refreshHistory().catch(() => {
        /* next event refreshes again */
      }),
    1500,
  );
}

// ---- add a doorbell: setup code → QR code for the doorbell camera → wait

function renderAdd() {
  show('tpl-add');
  const form = document.getElementById('claim-form');
  document.getElementById('claim-cancel').addEventListener('click', renderHome);
  document.getElementById('claim-stop').addEventListener('click', renderHome);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = formValues(form);
    try {
      const claim = await api.startClaim(state.household.id, v.setupCode, v.name, state.clientFingerprint);
      form.hidden = true;
      const qr = document.getElementById('claim-qr');
      const bytes = Uint8Array.from(atob(claim.qrPng), (c) => c.charCodeAt(0));
      qr.src = URL.createObjectURL(new Blob([bytes], { type: 'image/png' }));
      qr.dataset.handle = claim.handle;
      document.getElementById('claim-step-qr').hidden = false;
      followClaim(claim.handle);
    } catch (err) {
      showError(form, err);
    }
  });
}

function followClaim(handle) {
  clearInterval(claimPoll);
  // The stream pushes the result; polling is the fallback when the stream is reconnecting.
  claimPoll = setInterval(async () => {
    try {
      onClaimUpdate(await api.claimStatus(handle));
    } catch {
      /* keep waiting */
    }
  }, 2000);
}

function onClaimUpdate(update) {
  const qr = document.getElementById('claim-qr');
  if (!qr || qr.dataset.handle !== update.handle || update.state === 'waiting') return;
  clearInterval(claimPoll);
  const status = document.getElementById('claim-status');
  // The stream and the fallback poll may both report the end: handle it once.
  if (status.dataset.state) return;
  status.dataset.state = update.state;
  // Either way the claim code is spent: stop showing it and the steps for showing it.
  qr.hidden = true;
  document.querySelector('#claim-step-qr .steps').hidden = true;
  document.getElementById('claim-stop').hidden = true;
  if (update.state === 'claimed') {
    status.textContent = 'Doorbell added. It is yours now, and only yours.';
    // The new doorbell trusts this browser's key from the QR code: it signs the roster the doorbell starts
    // from (the household's members as they are now).
    signNextRoster(state.household.id).catch((err) => alertBanner(err.message));
  } else {
    status.textContent = update.reason || 'The doorbell could not be added.';
  }
  const done = document.getElementById('claim-done');
  done.hidden = false;
  done.addEventListener('click', renderHome);
}

// ---- browsers and the roster

async function refreshRoster() {
  if (!state.household) return;
  let roster;
  try {
    roster = await rosterState(state.household.id);
  } catch {
    return;
  }
  const admin = ['owner', 'admin'].includes(state.household.role);
  if (roster.me && !roster.me.rosterRole && roster.epoch === 0 && admin) {
    // The household's very first roster: an admin's browser starts it with itself.
    try {
      await startRoster(state.household.id);
      roster = await rosterState(state.household.id);
    } catch (err) {
      alertBanner(err.message);
    }
  }
  state.inRoster = Boolean(roster.me && roster.me.rosterRole);
  const notice = document.getElementById('browser-approval');
  if (!notice) return;
  notice.hidden = state.inRoster;
  if (!state.inRoster)
    document.getElementById('my-safety-code').textContent = await safetyCode(state.clientFingerprint);
  const card = document.getElementById('approvals-card');
  card.hidden = !admin || !state.inRoster || roster.pending.length === 0;
  const items = await Promise.all(
    roster.pending.map(async (c) => {
      const li = document.createElement('li');
      li.dataset.clientId = c.clientId;
      const who = document.createElement('span');
      who.textContent = `${c.username} · ${displayName(c)} · ${c.householdRole}`;
      const code = document.createElement('span');
      code.className = 'safety-code';
      code.textContent = await safetyCode(c.signingKeyFingerprint);
      const approve = document.createElement('button');
      approve.className = 'link approve-browser';
      approve.textContent = 'Approve…';
      const confirmMatch = document.createElement('button');
      confirmMatch.className = 'primary confirm-approval';
      confirmMatch.textContent = 'The codes match: approve';
      confirmMatch.hidden = true;
      approve.addEventListener('click', () => {
        approve.hidden = true;
        confirmMatch.hidden = false;
      });
      confirmMatch.addEventListener('click', async () => {
        confirmMatch.disabled = true;
        try {
          await signNextRoster(state.household.id, [c.clientId]);
        } catch (err) {
          alertBanner(err.message);
        }
        await refreshRoster();
      });
      li.append(who, code, approve, confirmMatch);
      return li;
    }),
  );
  document.getElementById('approvals').replaceChildren(...items);
}

/** A snapshot or clip was stored: show it in the history (once for a burst of uploads). */
function refreshHistorySoon() {
  clearTimeout(historyRefresh);
  historyRefresh = setTimeout(() => {
    refreshHistory().catch(() => {});
    // A new picture: the doorbell's tile on Home shows it.
    api
      .devices()
      .then(showTileSnapshots)
      .catch(() => {});
  }, 300);
}

/** Who can reach the household changed: the screens that list it read it again (members, browsers, safety, log). */
function refreshHousehold() {
  [refreshMembers(), refreshSafety(), refreshAudit()].forEach((p) => p.catch(() => {}));
}

/** The snapshot of a security alert still on screen (who held the button, who reset it at the door). */
async function showAlertSnapshot(message) {
  if (message.kind !== 'snapshot' || state.inRoster === false) return;
  const banner = document.querySelector(`#alerts .alert[data-event-id="${CSS.escape(message.eventId)}"]`);
  if (!banner) return;
  try {
    const { jpegBlob } = await loadEventMedia(message.deviceId, message.eventId, 'snapshot');
    const img = document.createElement('img');
    img.className = 'alert-snapshot';
    img.alt = 'The camera at that moment';
    img.src = URL.createObjectURL(jpegBlob);
    banner.append(img);
  } catch {
    // no key for this browser, or it did not open: the alert stays as text
  }
}

function onStreamMessage(message) {
  switch (message.type) {
    case 'ring':
      showRing(message);
      onPushedEvent(message);
      break;
    case 'motion':
      onPushedEvent(message);
      break;
    case 'device-online':
    case 'device-offline':
    case 'device-changed':
      refreshDevices();
      break;
    case 'claim':
      onClaimUpdate(message);
      break;
    case 'event-media':
      showRingSnapshot(message);
      showAlertSnapshot(message);
      refreshHistorySoon();
      break;
    case 'roster':
      refreshRoster();
      refreshSafety().catch(() => {});
      break;
    case 'household-changed':
      refreshHousehold();
      break;
    case 'hub-health':
      // This node hears the other nodes again: rings at their doorbells meanwhile are in the history, not yet here.
      if (showHubHealth(message)) {
        catchUp().catch(() => {
          /* the next message or reconnect tries again */
        });
      }
      break;
    case 'security-alert':
      // A browser is not alerted about its own registration.
      if (message.fingerprint && message.fingerprint === state.clientFingerprint) break;
      alertBanner(message.message, 'danger', message.eventId);
      onPushedEvent({});
      // A browser waiting for approval shows on Home; a member who joined or left, a revoked browser or
      // session shows on Household and Security.
      refreshRoster();
      refreshHousehold();
      break;
    default:
      break;
  }
}

// ---- the member stream: reconnecting, catching up, signed out

function openMemberStream() {
  return connectStream({
    livePort: state.session?.livePort,
    onMessage: onStreamMessage,
    onStatus: showConnectionState,
    onReconnected: () =>
      catchUp().catch(() => {
        /* the next message or reconnect tries again */
      }),
    onSignedOut: () => {
      state.stream = null;
      signedOut().catch((err) => {
        view.textContent = `Doorward could not start: ${err.message}`;
      });
    },
  });
}

/** Back after a drop: what changed meanwhile, and a ring of the last minute shown as a ring. */
async function catchUp() {
  await Promise.all(
    [refreshDevices(), refreshHistory(), refreshRoster(), refreshAudit(), refreshMembers(), refreshSafety()].map((p) =>
      p.catch(() => {}),
    ),
  );
  if (!state.household) return;
  showRecentRing(await api.history(state.household.id, { kind: 'ring', limit: 5 }));
}

/** The hub no longer knows this session (signed out elsewhere, revoked, or it forgot sessions): sign in again. */
async function signedOut() {
  await start();
  const notice = document.getElementById('login-notice');
  if (notice) {
    notice.textContent = 'Signed out — sign in again';
    notice.hidden = false;
  }
}

// ---- notifications and the live view they open

/** The app opened at #live=<deviceId> (what a notification opens): that doorbell's live view. */
function openLiveFromLink() {
  const deviceId = takeLiveLink();
  if (deviceId) openLiveFromNotification(deviceId).catch((err) => alertBanner(err.message));
}

// ---- start

// A re-entry link's token: out of the address bar at once, kept in this page's memory only until it is used.
let recoveryToken = null;

async function start() {
  // An invitation link: keep its token (out of the address bar) until this browser is signed in.
  const invite = invitationToken();
  if (invite) {
    sessionStorage.setItem('doorward-invite', invite);
    history.replaceState(null, '', '/');
  }
  recoveryToken = takeFragmentToken('recover') || recoveryToken;
  state.session = await api.session();
  const signOut = document.getElementById('sign-out');
  const token = setupToken();
  if (recoveryToken) {
    const once = recoveryToken;
    recoveryToken = null;
    signOut.hidden = true;
    return renderRecovery(once, start);
  }
  if (!state.session.signedIn) {
    signOut.hidden = true;
    if (token && state.session.setupPending) return renderSetup(token);
    if (location.hash === '#signup' && state.session.openSignup) return renderSignup();
    const pendingInvite = sessionStorage.getItem('doorward-invite');
    if (pendingInvite) return renderInvitationSignUp(pendingInvite, { signIn: renderLogin, signedIn: start });
    return renderLogin();
  }
  const invitation = sessionStorage.getItem('doorward-invite');
  if (invitation) {
    sessionStorage.removeItem('doorward-invite');
    try {
      const joined = await api.acceptInvitation(invitation);
      localStorage.setItem('doorward-household', joined.householdId);
      state.session = await api.session();
      alertBanner('Welcome: you are now a member of the household.', 'info');
    } catch (err) {
      alertBanner(err.message);
    }
  }
  const chosen = localStorage.getItem('doorward-household');
  state.household = state.session.households.find((h) => h.id === chosen) || state.session.households[0] || null;
  document.getElementById('household-name').textContent = state.household ? state.household.name : '';
  signOut.hidden = false;
  // This browser's keys: the doorbells it adds pin its signing key.
  state.clientFingerprint = await ensureRegistered(api, state.session.accountId);
  if (!state.stream) state.stream = openMemberStream();
  await renderHome();
  openLiveFromLink();
}

document.getElementById('sign-out').addEventListener('click', async () => {
  await api.logout();
  if (state.stream) {
    state.stream.close();
    state.stream = null;
  }
  await start();
});

window.addEventListener('hashchange', () => {
  if (!state.session?.signedIn) {
    start();
    return;
  }
  // #history, #security, …: another screen (Back and Forward too); #live=…: a doorbell's live view.
  const screen = screenFromHash();
  if (screen) showScreen(screen, { focus: true });
  else openLiveFromLink();
});

// "Skip to the screen" moves the focus without changing the hash (the hash names the screen).
document.querySelector('.skip-link').addEventListener('click', (e) => {
  e.preventDefault();
  view.focus();
});

setUpRingAlert({
  formatTime,
  canOpenMedia: () => state.inRoster !== false,
  // The history shows the ring as missed.
  onMissed: () => refreshHistorySoon(),
});
const worker = deferredServiceWorker((opened) => {
  if (opened.deviceId && opened.kind !== 'browser-waiting') {
    openLiveFromNotification(opened.deviceId).catch((err) => alertBanner(err.message));
  }
});
state.worker = worker.registration;

/** Starts the app; while the hub cannot be reached (offline, restarting) it says so and tries again. */
let startRetry = null;
function startWhenReachable(attempt = 0) {
  startRetry = null;
  start()
    .then(() => worker.register())
    .catch((err) => {
      if (!(err instanceof HubUnreachableError)) {
        view.textContent = `Doorward could not start: ${err.message}`;
        return;
      }
      showConnectionState('reconnecting');
      view.textContent = 'The hub cannot be reached. Trying again…';
      startRetry = setTimeout(() => startWhenReachable(attempt + 1), backoffDelay(attempt));
    });
}
window.addEventListener('online', () => {
  if (startRetry === null) return;
  clearTimeout(startRetry);
  startWhenReachable();
});
startWhenReachable();
