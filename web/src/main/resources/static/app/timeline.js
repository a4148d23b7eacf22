// The History card (DESIGN §7, docs/media.md "Event media"): the household's events newest first, filtered
// by doorbell, kind and day; ring and motion events show their snapshot, opened in this browser; a clip
// is muxed into an MP4 file here (mp4.js) and plays in a <video> element; snapshot and clip can be saved
// (decrypted; the clip as that MP4 file) as files; owners and
// admins delete events and set how long events are kept. The hub only ever hands over ciphertext.

import { api } from './api.js';
import { EventMediaError, loadEventMedia } from './event-media.js';
import { isMissedRing } from './missed-rings.js';
import { Mp4Error, muxClip } from './mp4.js';
import { dayKey, humanDay } from './dates.js';
import { openViewer } from './history-viewer.js';

export const DEFAULT_RETENTION_DAYS = 30;
const WITH_SNAPSHOT = new Set(['ring', 'motion']);
const MAX_CACHED_SNAPSHOTS = 100;
const THUMBNAILS_AT_ONCE = 2;
/** A new ring's media arrive after the event: look again a few times while a recent one has none. */
const MEDIA_RETRY_MS = 4000;
const MEDIA_RETRIES = 5;
const RECENT_MS = 2 * 60 * 1000;

const DEFAULT_LABELS = {
  ring: 'Doorbell rang',
  motion: 'Motion',
  'door-opened': 'Door opened',
  tamper: 'Tamper alarm',
};

const filters = { deviceId: '', kind: '', day: '' };
let current = null; // { list, household, options }
let generation = 0;
let mediaRetry = null;
let retriesLeft = MEDIA_RETRIES;
const snapshots = new Map(); // "deviceId|eventId" -> Promise<{captureTime, blob, url}>
const players = new Set();
const thumbnailQueue = [];
let thumbnailsRunning = 0;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

function button(className, text, label) {
  const b = el('button', className, text);
  b.type = 'button';
  if (label) b.setAttribute('aria-label', label);
  return b;
}

function labels() {
  return (current && current.options.kindLabels) || DEFAULT_LABELS;
}

function formatTime(iso) {
  if (current && current.options.formatTime) return current.options.formatTime(iso);
  return new Date(iso).toLocaleString([], { dateStyle: 'short', timeStyle: 'medium' });
}

function canManage(household) {
  return Boolean(household && ['owner', 'admin'].includes(household.role));
}

function eventIdOf(e) {
  return e.eventId || e.id;
}

function describe(e) {
  return `${labels()[e.kind] || e.kind} · ${e.deviceName || 'Doorbell'}`;
}

// ---- opened snapshots, kept as object URLs while they may be shown

function snapshotOf(deviceId, eventId) {
  const key = `${deviceId}|${eventId}`;
  let entry = snapshots.get(key);
  if (!entry && current && current.options.canOpenMedia && !current.options.canOpenMedia()) {
    // Not in the roster yet: the hub holds no key for this browser, so there is nothing to ask for.
    return Promise.reject(new EventMediaError('NO_KEY', 'This browser is not approved yet'));
  }
  if (!entry) {
    entry = loadEventMedia(deviceId, eventId, 'snapshot').then(({ captureTime, jpegBlob }) => ({
      captureTime,
      blob: jpegBlob,
      url: URL.createObjectURL(jpegBlob),
    }));
    entry.catch(() => {
      if (snapshots.get(key) === entry) snapshots.delete(key);
    });
    snapshots.set(key, entry);
    while (snapshots.size > MAX_CACHED_SNAPSHOTS) {
      const [oldKey, old] = snapshots.entries().next().value;
      snapshots.delete(oldKey);
      old.then(
        (s) => {
          if (!document.querySelector(`img[src="${CSS.escape(s.url)}"]`)) URL.revokeObjectURL(s.url);
        },
        () => {},
      );
    }
  }
  return entry;
}

function forgetSnapshot(deviceId, eventId) {
  const key = `${deviceId}|${eventId}`;
  const entry = snapshots.get(key);
  snapshots.delete(key);
  if (entry)
    entry.then(
      (s) => URL.revokeObjectURL(s.url),
      () => {},
    );
}

function refusal(err) {
  if (err instanceof EventMediaError && err.reason === 'NO_KEY') {
    return 'This browser has no key for it (approved after it was recorded?)';
  }
  if (err instanceof EventMediaError && err.reason === 'NOT_FOUND') return 'Not stored on the hub';
  return 'Could not be opened: it does not belong to this event or was changed';
}

function queueThumbnail(job) {
  thumbnailQueue.push(job);
  pumpThumbnails();
}

function pumpThumbnails() {
  while (thumbnailsRunning < THUMBNAILS_AT_ONCE && thumbnailQueue.length > 0) {
    const job = thumbnailQueue.shift();
    thumbnailsRunning++;
    job().finally(() => {
      thumbnailsRunning--;
      pumpThumbnails();
    });
  }
}

function showThumbnail(li, e, figure) {
  const img = figure.querySelector('img');
  const note = figure.querySelector('.timeline-media-state');
  queueThumbnail(async () => {
    if (li.dataset.rendered === 'true' && !li.isConnected) return; // replaced before its turn came
    try {
      const snapshot = await snapshotOf(e.deviceId, eventIdOf(e));
      img.src = snapshot.url;
      await img.decode();
      img.hidden = false;
      note.hidden = true;
      li.dataset.snapshot = 'opened';
      li.dataset.captureTime = String(snapshot.captureTime);
    } catch (err) {
      img.removeAttribute('src');
      img.hidden = true;
      note.hidden = false;
      note.textContent = err instanceof EventMediaError ? refusal(err) : 'Could not be shown';
      li.dataset.snapshot = 'refused';
    }
  });
}

// ---- saving decrypted media as files

function fileStem(e) {
  const device = (e.deviceName || e.deviceId || 'doorbell').replace(/[^A-Za-z0-9_-]+/g, '-').toLowerCase();
  const time = (e.occurredAt || '').replace(/[:.]/g, '-').replace(/[^0-9TZ-]/g, '');
  return `doorward-${device}-${e.kind}-${time}`;
}

/** A saved clip is called `<doorbell>-<time>.mp4`, e.g. `front-door-2026-12-03T21-49-04Z.mp4`. */
function clipFileName(e) {
  const device =
    (e.deviceName || 'doorbell')
      .replace(/[^A-Za-z0-9_-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .toLowerCase() || 'doorbell';
  const time = (e.occurredAt || '')
    .replace(/\.\d+/, '')
    .replace(/:/g, '-')
    .replace(/[^0-9TZ-]/g, '');
  return `${device}-${time}`;
}

function problem(err) {
  if (err instanceof EventMediaError) return refusal(err);
  if (err instanceof Mp4Error) return `not a playable clip (${err.message})`;
  return err.message;
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

function saveButton(li, e, media, status) {
  const what = media === 'snapshot' ? 'snapshot' : 'clip';
  const save = button('link timeline-save', `Save ${what}`, `Save the ${what} of ${describe(e)}`);
  save.dataset.media = media;
  save.addEventListener('click', async () => {
    save.disabled = true;
    status.textContent = 'Decrypting…';
    try {
      if (media === 'snapshot') {
        const snapshot = await snapshotOf(e.deviceId, eventIdOf(e));
        download(snapshot.blob, `${fileStem(e)}.jpg`);
      } else {
        const clip = await loadEventMedia(e.deviceId, eventIdOf(e), 'clip');
        download(new Blob([muxClip(clip.frames).bytes], { type: 'video/mp4' }), `${clipFileName(e)}.mp4`);
      }
      status.textContent = '';
    } catch (err) {
      status.textContent = `The ${what}: ${problem(err)}`;
    } finally {
      save.disabled = false;
    }
  });
  return save;
}

// ---- playing a clip: muxed into MP4 here, played by the browser's own <video>

function clipPlayer(li, e, play) {
  const box = el('div', 'timeline-player');
  box.hidden = true;
  const video = el('video', 'timeline-clip-video');
  video.muted = true;
  video.playsInline = true;
  video.controls = true;
  video.preload = 'auto';
  video.setAttribute('aria-label', `Clip of ${describe(e)}`);
  const state = el('p', 'timeline-player-state muted');
  state.setAttribute('role', 'status');
  box.append(video, state);
  let url = null;
  let summary = '';
  const player = {
    box,
    run: 0,
    stop() {
      this.run++;
      video.pause();
      video.removeAttribute('src');
      video.load();
      if (url) URL.revokeObjectURL(url);
      url = null;
    },
  };

  const setState = (name, text) => {
    box.dataset.state = name;
    state.textContent = text;
  };
  video.addEventListener('ended', () => {
    setState('ended', summary);
    play.textContent = 'Play again';
  });
  video.addEventListener('error', () => {
    if (!url) return;
    setState('refused', 'This browser cannot play the clip');
    play.textContent = 'Play clip';
  });

  play.addEventListener('click', async () => {
    if (box.dataset.state === 'playing' || box.dataset.state === 'loading') {
      player.stop();
      setState('stopped', 'Stopped');
      play.textContent = 'Play clip';
      return;
    }
    player.stop();
    const run = player.run;
    players.add(player);
    box.hidden = false;
    play.textContent = 'Stop';
    setState('loading', 'Decrypting…');
    try {
      const clip = await loadEventMedia(e.deviceId, eventIdOf(e), 'clip');
      if (run !== player.run) return;
      const mp4 = muxClip(clip.frames);
      summary = `${mp4.frames} frames · ${(mp4.durationMs / 1000).toFixed(1)} s · ${mp4.width}×${mp4.height}`;
      url = URL.createObjectURL(new Blob([mp4.bytes], { type: 'video/mp4' }));
      video.src = url;
      setState('playing', 'Playing');
      await video.play();
    } catch (err) {
      if (run !== player.run) return;
      player.stop();
      setState('refused', problem(err));
      play.textContent = 'Play clip';
    }
  });
  return box;
}

// ---- deleting (owners and admins)

function deletedText(result) {
  const deleted = (result && result.deleted) || {};
  const events = Number(deleted.events) || 0;
  const blobs = Number(deleted.blobs) || 0;
  return `Deleted ${events} event${events === 1 ? '' : 's'} and ${blobs} stored file${blobs === 1 ? '' : 's'}.`;
}

function deleteControl(li, e, status) {
  const box = el('div', 'timeline-delete-box');
  const remove = button('link timeline-delete', 'Delete', `Delete ${describe(e)}`);
  const confirmBox = el('div', 'timeline-confirm');
  confirmBox.hidden = true;
  const question = el('p', null, 'Delete this event with its snapshot and clip? This cannot be undone.');
  const yes = button('danger timeline-confirm-delete', 'Delete for good');
  const no = button('link timeline-cancel-delete', 'Keep it');
  confirmBox.append(question, yes, no);
  remove.addEventListener('click', () => {
    remove.hidden = true;
    confirmBox.hidden = false;
    yes.focus();
  });
  no.addEventListener('click', () => {
    confirmBox.hidden = true;
    remove.hidden = false;
    remove.focus();
  });
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      const result = await api.deleteEvent(e.deviceId, eventIdOf(e));
      forgetSnapshot(e.deviceId, eventIdOf(e));
      for (const p of players) if (li.contains(p.box)) p.stop();
      const done = el('p', 'timeline-deleted', deletedText(result));
      done.setAttribute('role', 'status');
      li.dataset.deleted = 'true';
      li.replaceChildren(done);
    } catch (err) {
      status.textContent = err.message;
      yes.disabled = false;
    }
  });
  box.append(remove, confirmBox);
  return box;
}

/**
 * One timeline entry: `{eventId (or id), deviceId, deviceName, kind, occurredAt, detail, media}`. Used for
 * the stored history and for events the stream pushes before they are stored (no media yet).
 */
export function timelineItem(e, household = current && current.household) {
  const li = el('li', 'timeline-item');
  const eventId = eventIdOf(e);
  if (eventId) li.dataset.eventId = eventId;
  li.dataset.kind = e.kind;
  if (e.deviceId) li.dataset.deviceId = e.deviceId;
  const head = el('div', 'timeline-head');
  const missed = e.kind === 'ring' && isMissedRing(eventId);
  const what = el('span', 'timeline-what', missed ? `Missed ring · ${e.deviceName || 'Doorbell'}` : describe(e));
  if (missed) li.dataset.missed = 'true';
  const when = el('time', 'muted');
  when.dateTime = e.occurredAt;
  when.textContent = formatTime(e.occurredAt);
  head.append(what, when);
  li.append(head);
  const media = Array.isArray(e.media) ? e.media : [];
  const status = el('p', 'timeline-status error');
  status.setAttribute('role', 'status');
  const actions = el('div', 'timeline-actions');
  if (eventId && e.deviceId && media.includes('snapshot') && WITH_SNAPSHOT.has(e.kind)) {
    const figure = el('div', 'timeline-snapshot');
    const img = el('img', 'timeline-thumb');
    img.alt = `Snapshot: ${describe(e)}, ${formatTime(e.occurredAt)}`;
    img.width = 160;
    img.height = 120;
    img.hidden = true;
    const note = el('span', 'timeline-media-state muted', 'Decrypting…');
    // The thumbnail is a button: it opens the large viewer (history-viewer.js), by touch or keyboard.
    const enlarge = button(
      'timeline-enlarge',
      null,
      `Enlarge the snapshot: ${describe(e)}, ${formatTime(e.occurredAt)}`,
    );
    enlarge.append(img);
    enlarge.addEventListener('click', () => {
      if (li.dataset.snapshot === 'opened') openViewer(img);
    });
    figure.append(enlarge, note);
    li.dataset.snapshot = 'loading';
    li.append(figure);
    showThumbnail(li, e, figure);
  }
  let player = null;
  if (eventId && e.deviceId && media.includes('clip')) {
    const play = button('timeline-play', 'Play clip', `Play the clip of ${describe(e)}`);
    player = clipPlayer(li, e, play);
    actions.append(play);
  }
  if (eventId && e.deviceId) {
    if (media.includes('snapshot')) actions.append(saveButton(li, e, 'snapshot', status));
    if (media.includes('clip')) actions.append(saveButton(li, e, 'clip', status));
    if (canManage(household)) actions.append(deleteControl(li, e, status));
  }
  if (actions.childElementCount > 0) li.append(actions);
  if (player) li.append(player);
  li.append(status);
  li.dataset.rendered = 'true';
  return li;
}

// ---- filters and retention, made once above the list

function option(value, text) {
  const o = el('option', null, text);
  o.value = value;
  return o;
}

function filterForm(list) {
  const form = el('form', 'timeline-filters');
  form.id = 'history-filters';
  form.setAttribute('aria-label', 'Filter the history');
  const device = el('select');
  device.id = 'history-device';
  device.name = 'deviceId';
  device.append(option('', 'All doorbells'));
  const kind = el('select');
  kind.id = 'history-kind';
  kind.name = 'kind';
  kind.append(option('', 'Everything'), ...Object.entries(labels()).map(([k, text]) => option(k, text)));
  const day = el('input');
  day.id = 'history-day';
  day.name = 'day';
  day.type = 'date';
  const clear = button('link timeline-clear', 'Show all');
  clear.id = 'history-clear-filters';
  const field = (text, control) => {
    const label = el('label', null, text);
    label.append(control);
    return label;
  };
  form.append(field('Doorbell', device), field('What', kind), field('Day', day), clear);
  device.value = filters.deviceId;
  kind.value = filters.kind;
  day.value = filters.day;
  form.addEventListener('change', () => {
    filters.deviceId = device.value;
    filters.kind = kind.value;
    filters.day = /^\d{4}-\d{2}-\d{2}$/.test(day.value) ? day.value : '';
    rerender();
  });
  form.addEventListener('submit', (ev) => ev.preventDefault());
  clear.addEventListener('click', () => {
    filters.deviceId = '';
    filters.kind = '';
    filters.day = '';
    device.value = '';
    kind.value = '';
    day.value = '';
    rerender();
  });
  list.before(form);
  return form;
}

async function fillDevices(form, household) {
  const select = form.querySelector('#history-device');
  let devices;
  try {
    devices = await api.devices();
  } catch {
    return;
  }
  const mine = devices.filter((d) => !d.householdId || d.householdId === household.id);
  select.replaceChildren(option('', 'All doorbells'), ...mine.map((d) => option(d.id, d.name)));
  if (filters.deviceId && !mine.some((d) => d.id === filters.deviceId)) {
    select.append(option(filters.deviceId, 'Removed doorbell'));
  }
  select.value = filters.deviceId;
}

function retentionDays(household) {
  const days = Number(household.retentionDays);
  return Number.isInteger(days) && days > 0 ? days : DEFAULT_RETENTION_DAYS;
}

function retentionSetting(list, household) {
  const details = el('details', 'setting timeline-retention');
  details.id = 'history-retention-setting';
  const summary = el('summary', 'timeline-retention-summary');
  const form = el('form', 'form');
  form.id = 'history-retention';
  const label = el('label', null, 'Keep events, snapshots and clips for (days, 1–365)');
  const input = el('input');
  input.id = 'history-retention-days';
  input.name = 'days';
  input.type = 'number';
  input.min = '1';
  input.max = '365';
  input.required = true;
  label.append(input);
  const save = el('button', 'primary', 'Save');
  save.type = 'submit';
  const status = el('p', 'timeline-retention-status muted');
  status.setAttribute('role', 'status');
  const error = el('p', 'error');
  error.setAttribute('role', 'alert');
  form.append(label, save, status, error);
  const show = () => {
    const days = retentionDays(household);
    summary.textContent = `Events are kept for ${days} day${days === 1 ? '' : 's'}`;
    input.value = String(days);
  };
  show();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const days = Number(input.value);
    if (!Number.isInteger(days) || days < 1 || days > 365) {
      error.textContent = 'Between 1 and 365 days';
      return;
    }
    save.disabled = true;
    try {
      const result = await api.setRetention(household.id, days);
      household.retentionDays = result && Number.isInteger(result.days) ? result.days : days;
      show();
      error.textContent = '';
      status.textContent = `Saved. Events older than ${household.retentionDays} days are deleted with their media.`;
      rerender();
    } catch (err) {
      error.textContent = err.message;
    } finally {
      save.disabled = false;
    }
  });
  details.append(summary, form);
  list.before(details);
  return details;
}

function controls(list, household) {
  const card = list.parentElement;
  let form = card.querySelector('#history-filters');
  if (!form) form = filterForm(list);
  fillDevices(form, household);
  const existing = card.querySelector('#history-retention-setting');
  if (canManage(household) && (!existing || existing.dataset.householdId !== household.id)) {
    if (existing) existing.remove();
    retentionSetting(form, household).dataset.householdId = household.id;
  } else if (!canManage(household) && existing) {
    existing.remove();
  }
}

function rerender() {
  if (current) refreshTimeline(current.list, current.household, current.options).catch(() => {});
}

function scheduleMediaRetry(events) {
  clearTimeout(mediaRetry);
  const waiting = events.some(
    (e) =>
      WITH_SNAPSHOT.has(e.kind) &&
      !(e.media || []).includes('snapshot') &&
      Date.now() - Date.parse(e.occurredAt) < RECENT_MS,
  );
  if (!waiting || retriesLeft <= 0) return;
  retriesLeft--;
  mediaRetry = setTimeout(() => {
    if (current && current.list.isConnected) {
      refreshTimeline(current.list, current.household, { ...current.options, retry: true }).catch(() => {});
    }
  }, MEDIA_RETRY_MS);
}

// ---- grouped by day: a heading ("Today", "Yesterday", "Monday", "3 Dec") before each day's first event

function dayHeading(iso) {
  const li = el('li', 'timeline-day');
  li.dataset.day = dayKey(iso);
  li.append(el('h3', null, humanDay(iso)));
  return li;
}

function withDays(items) {
  const out = [];
  let day = null;
  for (const li of items) {
    const iso = li.querySelector('time')?.dateTime;
    if (iso && dayKey(iso) !== day) {
      day = dayKey(iso);
      out.push(dayHeading(iso));
    }
    out.push(li);
  }
  return out;
}

/** Puts a new event (pushed by the stream) at the top, under its day's heading. */
export function prependItem(list, li, occurredAt) {
  list.querySelectorAll('li.timeline-empty').forEach((empty) => empty.remove());
  const first = list.querySelector('li.timeline-day');
  if (first && first.dataset.day === dayKey(occurredAt)) first.after(li);
  else list.prepend(dayHeading(occurredAt), li);
}

/**
 * Renders the timeline into `list` (the History card's `<ul>`), with the filters (and, for owners and
 * admins, the retention setting) above it. `household` is the session's entry ({id, role, retentionDays}).
 * Options: `kindLabels` (kind → text), `formatTime(iso)`.
 */
export async function refreshTimeline(list, household, options = {}) {
  if (!list || !household) return;
  const { retry, ...rest } = options;
  if (!retry) retriesLeft = MEDIA_RETRIES;
  current = { list, household, options: rest };
  const mine = ++generation;
  controls(list, household);
  const events = await api.history(household.id, filters);
  if (mine !== generation) return; // a newer refresh (another filter) won
  for (const p of players) p.stop();
  players.clear();
  thumbnailQueue.length = 0;
  if (events.length === 0) {
    const filtered = filters.deviceId || filters.kind || filters.day;
    list.replaceChildren(
      el('li', 'muted timeline-empty', filtered ? 'Nothing matches these filters.' : 'Nothing has happened yet.'),
    );
  } else {
    list.replaceChildren(...withDays(events.map((e) => timelineItem(e, household))));
  }
  scheduleMediaRetry(events);
}
