// The household roster (DESIGN §3, docs/media.md): the signed list of member browsers the doorbells trust.
// An admin's browser builds the next roster from the hub's view, signs it with its own key and posts it;
// the doorbells check the signature back to the key they pinned when they were claimed. The text format is
// byte for byte the one in protocol/Roster.java.

import { api } from './api.js';
import { clientKeys, publicKeys, signStatement } from './keys.js';

const encoder = new TextEncoder();

function base64url(bytes) {
  let binary = '';
  for (const b of new Uint8Array(bytes)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function sha256(text) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/**
 * The short code both screens show before an admin approves a new browser: 15 digits from the hash of the
 * new browser's key fingerprint. If the hub swapped the key, the codes differ.
 */
export async function safetyCode(fingerprint) {
  const digest = await sha256(`doorward safety code 1|${fingerprint}`);
  let value = 0n;
  for (let i = 0; i < 8; i++) value = (value << 8n) | BigInt(digest[i]);
  const digits = (value % 10n ** 15n).toString().padStart(15, '0');
  return `${digits.slice(0, 5)} ${digits.slice(5, 10)} ${digits.slice(10)}`;
}

/** This browser's signing key fingerprint. */
export async function myFingerprint() {
  return (await publicKeys(await clientKeys())).fingerprint;
}

/** The roster role a household member's browser gets. */
function rosterRole(client, hasOwner) {
  switch (client.householdRole) {
    case 'owner':
      return hasOwner ? 'admin' : 'owner';
    case 'admin':
      return 'admin';
    case 'resident':
      return 'resident';
    default:
      return 'guest';
  }
}

function hhmm(minutes) {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * An access line (protocol/Roster.java Access): {deviceIds: [] for all, schedule: null or {days: [0..6]
 * Monday first, from: minutes, to: minutes}} at this browser's UTC offset.
 */
export function accessLine(clientId, { deviceIds = [], schedule = null }) {
  const devices = deviceIds.length ? [...deviceIds].sort((a, b) => (a < b ? -1 : 1)).join(',') : '*';
  let when = '-';
  if (schedule) {
    const flags = [0, 1, 2, 3, 4, 5, 6].map((d) => (schedule.days.includes(d) ? '1' : '0')).join('');
    const offset = -new Date().getTimezoneOffset();
    when = `${flags}/${hhmm(schedule.from)}-${hhmm(schedule.to)}/${offset < 0 ? '-' : '+'}${hhmm(Math.abs(offset))}`;
  }
  return `access:${clientId}:${devices}:${when}`;
}

/**
 * An admin restricts a person, not a browser: a member's browser without restrictions of its own (newly approved)
 * takes those of the member's other browsers — their access line and their end date. Returns the access lines
 * with the copies added; sets validUntil on the members it copies an end date to.
 */
export function inheritRestrictions(members, accessLines) {
  const lineOf = (clientId) => accessLines.find((line) => line.split(':')[1] === clientId);
  const lines = [...accessLines];
  const all = [...members];
  for (const m of all) {
    const siblings = all.filter((o) => o.accountId === m.accountId && o.clientId !== m.clientId);
    const restricted = siblings.find((o) => lineOf(o.clientId));
    if (!lineOf(m.clientId) && restricted) {
      lines.push(['access', m.clientId, ...lineOf(restricted.clientId).split(':').slice(2)].join(':'));
    }
    const ending = siblings.find((o) => o.validUntil != null);
    if (m.validUntil == null && ending) m.validUntil = ending.validUntil;
  }
  return lines;
}

/** The canonical roster text (protocol/Roster.java): ASCII lines, clients sorted by id in code-unit order. */
export function rosterText(householdId, epoch, previous, issued, members, accessLines = []) {
  const sorted = [...members].sort((a, b) => (a.clientId < b.clientId ? -1 : a.clientId > b.clientId ? 1 : 0));
  const lines = [
    'doorward-roster:1',
    `household:${householdId}`,
    `epoch:${epoch}`,
    `previous:${previous}`,
    `issued:${issued}`,
  ];
  for (const m of sorted) {
    lines.push(
      `client:${m.clientId}:${m.role}:${m.signingKeyFingerprint}:${m.signingKey}:${m.agreementKey}:` +
        `${m.validUntil == null ? '-' : m.validUntil}`,
    );
  }
  // Restrictions (doorbells, schedule) of members still listed, kept exactly as they were signed.
  const listed = new Set(sorted.map((m) => m.clientId));
  const kept = accessLines.filter((line) => listed.has(line.split(':')[1]));
  kept.sort((a, b) => (a.split(':')[1] < b.split(':')[1] ? -1 : 1));
  return lines.concat(kept).join('\n');
}

/**
 * Signs and posts the household's next roster: every browser approved so far that still belongs to a member,
 * plus this browser (if it is not in yet: the first roster, or right after it claimed a doorbell) and the
 * browsers in {@code add}. Members removed from the household drop out, which makes the doorbells re-key.
 * Retries once if another admin signed at the same moment.
 */
export function signNextRoster(householdId, add = [], accessByAccount = {}) {
  return oneAtATime(() => signAfter(householdId, add, accessByAccount, () => true));
}

/**
 * Starts the household's roster with this browser, unless a roster exists by the time it is this page's turn
 * (a claim just signed one): without that check the page signed twice and one post lost with a 409.
 */
export function startRoster(householdId) {
  return oneAtATime(() => signAfter(householdId, [], {}, (view) => view.epoch === 0));
}

// This page's signings run one after another, so they never race each other for the same epoch.
let signing = Promise.resolve();

function oneAtATime(task) {
  const run = signing.then(task);
  signing = run.catch(() => {});
  return run;
}

async function signAfter(householdId, add, accessByAccount, stillNeeded) {
  for (let attempt = 0; ; attempt++) {
    const view = await api.roster(householdId);
    if (!stillNeeded(view)) return null;
    const mine = await myFingerprint();
    const me = view.clients.find((c) => c.signingKeyFingerprint === mine);
    if (!me) throw new Error('This browser is not registered with the hub yet');
    const chosen = new Map();
    for (const c of view.clients) {
      if (c.rosterRole) chosen.set(c.clientId, { ...c, role: c.rosterRole });
    }
    const hasOwner = () => [...chosen.values()].some((m) => m.role === 'owner');
    for (const c of [me, ...view.clients.filter((x) => add.includes(x.clientId))]) {
      if (!chosen.has(c.clientId)) chosen.set(c.clientId, { ...c, role: rosterRole(c, hasOwner()) });
    }
    const previous = view.epoch === 0 ? '-' : base64url(await sha256(view.text));
    let accessLines = view.text ? view.text.split('\n').filter((line) => line.startsWith('access:')) : [];
    accessLines = inheritRestrictions(chosen.values(), accessLines);
    // New restrictions replace the old ones of those members' browsers (null lifts them).
    for (const [accountId, restriction] of Object.entries(accessByAccount)) {
      const theirs = [...chosen.values()].filter((c) => c.accountId === accountId).map((c) => c.clientId);
      accessLines = accessLines.filter((line) => !theirs.includes(line.split(':')[1]));
      if (restriction && (restriction.deviceIds?.length || restriction.schedule)) {
        for (const clientId of theirs) accessLines.push(accessLine(clientId, restriction));
      }
      // An end date (a guest's last day) is the member lines' validity.
      for (const clientId of theirs) chosen.get(clientId).validUntil = restriction?.until ?? null;
    }
    const text = rosterText(householdId, view.epoch + 1, previous, Date.now(), chosen.values(), accessLines);
    const { signature, signerPublicKey } = await signStatement(text);
    try {
      return await api.postRoster(householdId, { text, signature, signerPublicKey });
    } catch (err) {
      if (err.status !== 409 || attempt > 0) throw err;
    }
  }
}

/** The roster as this browser sees it: its own entry, and the browsers waiting for approval. */
export async function rosterState(householdId) {
  const view = await api.roster(householdId);
  const mine = await myFingerprint();
  const me = view.clients.find((c) => c.signingKeyFingerprint === mine) || null;
  const pending = view.clients.filter((c) => !c.rosterRole && c.signingKeyFingerprint !== mine);
  return { epoch: view.epoch, me, pending };
}
