// A doorbell's settings screen (docs/web-app.md "Doorbell settings"), opened from its card:
//  - owners and admins: its name; motion on or off and the zones where motion counts, drawn on a grid over its
//    latest snapshot (mouse, touch or pen); reset protection; how long its history is kept;
//  - every member: how they hear about this doorbell (notifications on this browser, motion pushes, ntfy).
// Motion and reset protection are owner statements: signed here by this browser's key and checked by the doorbell
// (like the door release), so the hub carries them and cannot make or change them. The doorbell reports what it
// applied; the screen says "applied" only then.

import { request } from './api.js';
import { loadEventMedia } from './event-media.js';
import { signStatement } from './keys.js';

/** The zone grid: the same 16 × 12 cells as the protocol's MotionSetting. */
export const COLUMNS = 16;
export const ROWS = 12;
export const MAX_ZONES = 8;
const CONFIRM_POLL_MS = 500;
const CONFIRM_TIMEOUT_MS = 20000;

const settingsApi = {
  settings: (id) => request('GET', `/api/devices/${encodeURIComponent(id)}/settings`),
  rename: (id, name) => request('PUT', `/api/devices/${encodeURIComponent(id)}/name`, { name }),
  retention: (id, days) => request('PUT', `/api/devices/${encodeURIComponent(id)}/retention`, { days }),
  motion: (id, signed) => request('POST', `/api/devices/${encodeURIComponent(id)}/motion`, signed),
  coolingOff: (id, signed) => request('POST', `/api/devices/${encodeURIComponent(id)}/cooling-off`, signed),
  history: (householdId, deviceId) =>
    request('GET', `/api/events?${new URLSearchParams({ householdId, deviceId, limit: '20' })}`),
  pushPreferences: () => request('GET', '/api/push/preferences'),
  doorbellPush: (id) => request('GET', `/api/push/doorbells/${encodeURIComponent(id)}`),
  setDoorbellPush: (id, push) => request('PUT', `/api/push/doorbells/${encodeURIComponent(id)}`, { push }),
  setPushPreferences: (preferences) => request('PUT', '/api/push/preferences', preferences),
  ntfy: (householdId) => request('GET', `/api/households/${encodeURIComponent(householdId)}/integrations/ntfy`),
};

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

function button(text, className, onClick) {
  const b = el('button', { type: 'button', className, textContent: text });
  if (onClick) b.addEventListener('click', onClick);
  return b;
}

function statusLine(id) {
  const p = el('p', { className: 'muted settings-status', id });
  p.setAttribute('role', 'status');
  return p;
}

// ---- the motion setting's one spelling (protocol/MotionSetting.java): "on" | "off", then ";x,y,w,h" per zone

/** The setting text of `{enabled, zones: [{x, y, width, height}]}` in grid cells. */
export function formatMotion({ enabled, zones }) {
  return [enabled ? 'on' : 'off', ...zones.map((z) => `${z.x},${z.y},${z.width},${z.height}`)].join(';');
}

/** Reads a setting text back; null for anything that is not one (a hub that sent something else). */
export function parseMotion(text) {
  if (typeof text !== 'string') return null;
  const [head, ...rest] = text.split(';');
  if (head !== 'on' && head !== 'off') return null;
  const zones = [];
  for (const part of rest) {
    const v = part.split(',').map((n) => (/^(0|[1-9][0-9]?)$/.test(n) ? Number(n) : NaN));
    if (v.length !== 4 || v.some(Number.isNaN)) return null;
    const [x, y, width, height] = v;
    if (width < 1 || height < 1 || x + width > COLUMNS || y + height > ROWS) return null;
    zones.push({ x, y, width, height });
  }
  if (zones.length > MAX_ZONES) return null;
  return { enabled: head === 'on', zones };
}

/** The statement a doorbell accepts: `doorward-motion:1:<deviceId>:<time>:<setting>`, signed by this browser. */
async function signedStatement(kind, deviceId, value) {
  const statement = `${kind}:1:${deviceId}:${Date.now()}:${value}`;
  const signed = await signStatement(statement);
  return { statement, signature: signed.signature, signerPublicKey: signed.signerPublicKey };
}

/** Asks the hub until `applied(settings)` holds (the doorbell confirmed) or the time is up. */
async function awaitConfirmed(deviceId, applied) {
  const deadline = Date.now() + CONFIRM_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const settings = await settingsApi.settings(deviceId);
    if (applied(settings)) return settings;
    await new Promise((resolve) => {
      setTimeout(resolve, CONFIRM_POLL_MS);
    });
  }
  return null;
}

// ---- drawing zones on the latest snapshot

function cellAt(editor, event) {
  const box = editor.getBoundingClientRect();
  const x = Math.floor(((event.clientX - box.left) / box.width) * COLUMNS);
  const y = Math.floor(((event.clientY - box.top) / box.height) * ROWS);
  return { x: Math.max(0, Math.min(COLUMNS - 1, x)), y: Math.max(0, Math.min(ROWS - 1, y)) };
}

function rectOf(a, b) {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.abs(a.x - b.x) + 1, height: Math.abs(a.y - b.y) + 1 };
}

function place(node, zone) {
  node.style.left = `${(zone.x / COLUMNS) * 100}%`;
  node.style.top = `${(zone.y / ROWS) * 100}%`;
  node.style.width = `${(zone.width / COLUMNS) * 100}%`;
  node.style.height = `${(zone.height / ROWS) * 100}%`;
}

function describeZone(z) {
  return `columns ${z.x + 1}–${z.x + z.width}, rows ${z.y + 1}–${z.y + z.height}`;
}

/** The latest snapshot of this doorbell, opened in this browser; null when there is none it can open. */
async function latestSnapshot(householdId, deviceId) {
  try {
    const events = await settingsApi.history(householdId, deviceId);
    const withSnapshot = (events || []).find((e) => Array.isArray(e.media) && e.media.includes('snapshot'));
    if (!withSnapshot) return null;
    const snapshot = await loadEventMedia(deviceId, withSnapshot.eventId || withSnapshot.id, 'snapshot');
    return snapshot.jpegBlob;
  } catch {
    return null;
  }
}

function motionSection(device, household, current) {
  const initial = parseMotion(current.motion) || { enabled: false, zones: [] };
  const zones = initial.zones.map((z) => ({ ...z }));
  const section = el('section', { className: 'settings-section', id: 'settings-motion' });
  const heading = el('h3', { textContent: 'Motion' });
  const enabled = el('input', { type: 'checkbox', id: 'settings-motion-on', checked: initial.enabled });
  const enabledLabel = el('label', { className: 'switch' }, enabled, ' Detect motion at this doorbell');
  const explain = el('p', {
    className: 'muted',
    textContent:
      'Drag on the picture to draw the zones where motion counts (up to 8), or focus it and use the arrow ' +
      'keys: Enter marks one corner, Enter again the other. Motion outside the zones is ' +
      "ignored. No zone: the whole picture. The doorbell checks your browser's signature before it applies this.",
  });

  const editor = el('div', { className: 'zone-editor', id: 'settings-zone-editor' });
  editor.setAttribute('role', 'application');
  editor.setAttribute(
    'aria-label',
    `Motion zones of ${device.name}: drag to draw a zone, or move with the arrow keys and press Enter at two corners`,
  );
  editor.tabIndex = 0;
  const picture = el('img', { className: 'zone-picture', alt: '' });
  picture.hidden = true;
  const noPicture = el('p', {
    className: 'zone-no-picture muted',
    textContent: 'No snapshot yet: the grid stands for the picture.',
  });
  const grid = el('div', { className: 'zone-grid' });
  const layer = el('div', { className: 'zone-layer' });
  const preview = el('div', { className: 'zone zone-preview' });
  preview.hidden = true;
  editor.append(picture, noPicture, grid, layer, preview);

  const list = el('ul', { className: 'list zone-list', id: 'settings-zones-list' });
  const status = statusLine('settings-motion-status');
  const save = button('Save motion setting', 'primary', null);
  save.id = 'settings-motion-save';
  const wholePicture = button('Whole picture (no zones)', 'link', () => {
    zones.length = 0;
    draw();
  });
  wholePicture.id = 'settings-zones-clear';

  function draw() {
    layer.replaceChildren(
      ...zones.map((z, i) => {
        const node = el('div', { className: 'zone' });
        node.dataset.zone = formatMotion({ enabled: true, zones: [z] }).slice(3);
        node.title = `Zone ${i + 1}: ${describeZone(z)}`;
        place(node, z);
        return node;
      }),
    );
    list.replaceChildren(
      ...zones.map((z, i) =>
        el(
          'li',
          {},
          el('span', { textContent: `Zone ${i + 1}: ${describeZone(z)}` }),
          button('Remove', 'link zone-remove', () => {
            zones.splice(i, 1);
            draw();
          }),
        ),
      ),
    );
    if (zones.length === 0)
      list.append(el('li', { className: 'muted', textContent: 'No zone: motion anywhere in the picture counts.' }));
    editor.dataset.zones = String(zones.length);
    editor.classList.toggle('zone-editor-off', !enabled.checked);
  }

  // Pointer events cover mouse, touch and pen alike; touch-action: none (style.css) keeps a drag from scrolling.
  let start = null;
  editor.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    if (zones.length >= MAX_ZONES) {
      status.textContent = `At most ${MAX_ZONES} zones: remove one first.`;
      return;
    }
    event.preventDefault();
    editor.setPointerCapture(event.pointerId);
    start = cellAt(editor, event);
    place(preview, rectOf(start, start));
    preview.hidden = false;
  });
  editor.addEventListener('pointermove', (event) => {
    if (!start) return;
    place(preview, rectOf(start, cellAt(editor, event)));
  });
  const finish = (event, keep) => {
    if (!start) return;
    const zone = rectOf(start, cellAt(editor, event));
    start = null;
    preview.hidden = true;
    if (keep) {
      zones.push(zone);
      status.textContent = '';
      draw();
    }
  };
  editor.addEventListener('pointerup', (event) => finish(event, true));

  // The keyboard draws the same zones: a cell cursor moved by the arrow keys, Enter at one corner and then at the
  // other; Escape drops a half-drawn zone (and only then: otherwise it closes the dialog as everywhere).
  const MOVES = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  let cursor = { x: 0, y: 0 };
  let corner = null;
  const showCursor = () => {
    place(preview, rectOf(corner || cursor, cursor));
    preview.hidden = false;
  };
  editor.addEventListener('focus', showCursor);
  editor.addEventListener('blur', () => {
    corner = null;
    if (!start) preview.hidden = true;
  });
  editor.addEventListener('keydown', (event) => {
    const move = MOVES[event.key];
    if (move) {
      event.preventDefault();
      cursor = {
        x: Math.max(0, Math.min(COLUMNS - 1, cursor.x + move[0])),
        y: Math.max(0, Math.min(ROWS - 1, cursor.y + move[1])),
      };
      showCursor();
    } else if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      if (!corner) {
        if (zones.length >= MAX_ZONES) {
          status.textContent = `At most ${MAX_ZONES} zones: remove one first.`;
          return;
        }
        corner = { ...cursor };
        status.textContent = `First corner at column ${cursor.x + 1}, row ${cursor.y + 1}: move to the other.`;
      } else {
        const zone = rectOf(corner, cursor);
        corner = null;
        zones.push(zone);
        draw();
        status.textContent = `Zone ${zones.length} added: ${describeZone(zone)}.`;
      }
      showCursor();
    } else if (event.key === 'Escape' && corner) {
      event.preventDefault();
      event.stopPropagation();
      corner = null;
      status.textContent = '';
      showCursor();
    }
  });
  editor.addEventListener('pointercancel', (event) => finish(event, false));
  enabled.addEventListener('change', draw);

  save.addEventListener('click', async () => {
    const value = formatMotion({ enabled: enabled.checked, zones });
    save.disabled = true;
    status.dataset.state = 'sending';
    status.textContent = 'Signing and sending…';
    try {
      await settingsApi.motion(device.id, await signedStatement('doorward-motion', device.id, value));
      status.dataset.state = 'waiting';
      status.textContent = 'Sent. Waiting for the doorbell…';
      const confirmed = await awaitConfirmed(device.id, (s) => s.motion === value);
      status.dataset.state = confirmed ? 'applied' : 'unconfirmed';
      status.textContent = confirmed
        ? `The doorbell applied it: ${enabled.checked ? `motion on, ${zones.length ? `${zones.length} zone${zones.length === 1 ? '' : 's'}` : 'whole picture'}` : 'motion off'}.`
        : 'The doorbell has not confirmed it yet (it may be offline). Nothing changes until it does.';
    } catch (err) {
      status.dataset.state = 'refused';
      status.textContent = err.message;
    } finally {
      save.disabled = false;
    }
  });

  latestSnapshot(household.id, device.id).then((blob) => {
    if (!blob) return;
    picture.src = URL.createObjectURL(blob);
    picture.alt = `Latest snapshot of ${device.name}`;
    picture.hidden = false;
    noPicture.hidden = true;
    editor.dataset.picture = 'snapshot';
  });
  draw();
  section.append(heading, enabledLabel, explain, editor, list, wholePicture, save, status);
  return section;
}

function nameSection(device, onRenamed) {
  const section = el('section', { className: 'settings-section' });
  const input = el('input', { name: 'name', required: true, maxLength: 64, value: device.name, id: 'settings-name' });
  const status = statusLine('settings-name-status');
  const form = el(
    'form',
    { className: 'form', id: 'settings-name-form' },
    el('label', {}, 'Name ', input),
    el('button', { type: 'submit', className: 'primary', textContent: 'Rename' }),
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const result = await settingsApi.rename(device.id, input.value);
      device.name = result.name;
      status.textContent = `Renamed to ${result.name}.`;
      onRenamed();
    } catch (err) {
      status.textContent = err.message;
    }
  });
  section.append(el('h3', { textContent: 'Name' }), form);
  return section;
}

/**
 * How long a reset at the door waits for the owner's veto (0–720 h). Signed here, checked by the doorbell;
 * also used on the doorbell's card.
 */
export function coolingOffControl(device) {
  const details = el('details', { className: 'setting cooling-off' });
  const summary = el('summary');
  const hours = device.coolingOffSeconds == null ? 72 : device.coolingOffSeconds / 3600;
  summary.textContent = `Reset protection: ${hours} h`;
  const input = el('input', { type: 'number', min: '0', max: '720', value: String(hours), name: 'hours' });
  const confirmZero = el('input', { type: 'checkbox', name: 'confirmZero' });
  const error = el('p', { className: 'error' });
  error.setAttribute('role', 'alert');
  const form = el(
    'form',
    { className: 'form' },
    el('label', {}, 'Hours a reset at the door waits for your veto (0–720)', input),
    el('label', {}, confirmZero, ' I understand that 0 lets anyone holding the doorbell reset it at once'),
    el('button', { type: 'submit', className: 'primary', textContent: 'Save' }),
    error,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = Number(input.value);
    if (!Number.isInteger(value) || value < 0 || value > 720) {
      error.textContent = 'Between 0 and 720 hours';
      return;
    }
    if (value === 0 && !confirmZero.checked) {
      error.textContent = 'Tick the box to choose 0';
      return;
    }
    try {
      await settingsApi.coolingOff(device.id, await signedStatement('doorward-cooling-off', device.id, value * 3600));
      error.textContent = '';
      summary.textContent = 'Reset protection: waiting for the doorbell…';
    } catch (err) {
      error.textContent = err.message;
    }
  });
  details.append(summary, form);
  return details;
}

function retentionSection(device, current) {
  const section = el('section', { className: 'settings-section', id: 'settings-retention' });
  const own = current.retentionDays != null;
  const same = el('input', { type: 'checkbox', id: 'settings-retention-household', checked: !own });
  const days = el('input', {
    type: 'number',
    min: '1',
    max: '365',
    name: 'days',
    id: 'settings-retention-days',
    value: String(own ? current.retentionDays : current.householdRetentionDays),
    disabled: !own,
  });
  same.addEventListener('change', () => {
    days.disabled = same.checked;
  });
  const status = statusLine('settings-retention-status');
  const form = el(
    'form',
    { className: 'form', id: 'settings-retention-form' },
    el('label', {}, same, ` As the household (${current.householdRetentionDays} days)`),
    el('label', {}, "Keep this doorbell's events, snapshots and clips for (days, 1–365) ", days),
    el('button', { type: 'submit', className: 'primary', textContent: 'Save' }),
    status,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      const result = await settingsApi.retention(device.id, same.checked ? null : Number(days.value));
      status.textContent =
        result.days == null
          ? `Kept as long as the household's history (${current.householdRetentionDays} days).`
          : `Kept for ${result.days} days.`;
    } catch (err) {
      status.textContent = err.message;
    }
  });
  section.append(el('h3', { textContent: 'History' }), form);
  return section;
}

/** Every channel that can ring this member for this doorbell, in one place. */
async function notificationsSection(device, household) {
  const section = el('section', { className: 'settings-section', id: 'settings-notifications' });
  section.append(el('h3', { textContent: `How you hear about ${device.name}` }));
  const list = el('ul', { className: 'list' });
  section.append(list);
  const row = (channel, text, control) => {
    const li = el('li', {}, el('span', { textContent: text }));
    li.dataset.channel = channel;
    if (control) li.append(control);
    list.append(li);
    return li;
  };
  row('app', 'This app while it is open: every ring, with sound (switch the sound in "On this browser").');

  let subscribed = false;
  try {
    const registration = 'serviceWorker' in navigator ? await navigator.serviceWorker.getRegistration() : null;
    subscribed = Boolean(
      registration && registration.pushManager && (await registration.pushManager.getSubscription()),
    );
  } catch {
    /* no push here */
  }
  const pushRow = row(
    'push',
    subscribed
      ? 'Notifications on this browser: on — rings and alerts reach it even when Doorward is closed.'
      : 'Notifications on this browser: off (turn them on in "On this browser").',
  );
  try {
    const current = await settingsApi.doorbellPush(device.id);
    const push = el('input', { type: 'checkbox', id: 'settings-doorbell-push', checked: Boolean(current.push) });
    push.addEventListener('change', async () => {
      push.disabled = true;
      try {
        await settingsApi.setDoorbellPush(device.id, push.checked);
      } catch {
        push.checked = !push.checked;
      }
      push.disabled = false;
    });
    pushRow.append(
      el(
        'label',
        { className: 'switch' },
        push,
        ` ${device.name}'s rings and motion notify my browsers (security alerts always do)`,
      ),
    );
  } catch {
    /* a hub without push */
  }

  try {
    const preferences = await settingsApi.pushPreferences();
    const motion = el('input', {
      type: 'checkbox',
      id: 'settings-push-motion',
      checked: Boolean(preferences && preferences.motion),
    });
    const label = el(
      'label',
      { className: 'switch' },
      motion,
      ' Also notify me of motion (all your browsers, all doorbells)',
    );
    motion.addEventListener('change', async () => {
      motion.disabled = true;
      try {
        await settingsApi.setPushPreferences({ motion: motion.checked });
      } catch {
        motion.checked = !motion.checked;
      }
      motion.disabled = false;
    });
    row('push-motion', '', label);
  } catch {
    /* a hub without push */
  }

  try {
    const topic = await settingsApi.ntfy(household.id);
    const rings = topic.enabled && (topic.doorbells == null || topic.doorbells.includes(device.id));
    row(
      'ntfy',
      !topic.enabled
        ? 'ntfy: not set up (see Home automation).'
        : rings
          ? `ntfy: this doorbell rings your topic at ${topic.host} (choose doorbells in Home automation).`
          : `ntfy: this doorbell does not ring your topic at ${topic.host} (choose doorbells in Home automation).`,
    );
  } catch {
    /* no ntfy here */
  }
  return section;
}

/**
 * Opens the settings of `device` (from /api/devices) for a member of `household` ({id, role}). `onChanged` runs
 * after a change the doorbell list shows (the name).
 */
export async function openDoorbellSettings(device, household, onChanged = () => {}) {
  document.getElementById('doorbell-settings-dialog')?.remove();
  const dialog = el('dialog', { id: 'doorbell-settings-dialog', className: 'settings-dialog' });
  dialog.dataset.deviceId = device.id;
  dialog.setAttribute('aria-labelledby', 'doorbell-settings-title');
  const title = el('h2', { id: 'doorbell-settings-title', textContent: `Settings · ${device.name}` });
  const close = button('Close', 'link settings-close', () => dialog.close());
  close.id = 'settings-close';
  const body = el('div', { className: 'settings-body' }, el('p', { className: 'muted', textContent: 'Loading…' }));
  dialog.append(el('div', { className: 'settings-head' }, title, close), body);
  dialog.addEventListener('close', () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();

  const sections = [];
  if (['owner', 'admin'].includes(household.role)) {
    try {
      const current = await settingsApi.settings(device.id);
      device.name = current.name;
      const renamed = () => {
        title.textContent = `Settings · ${device.name}`;
        onChanged();
      };
      sections.push(
        nameSection(device, renamed),
        motionSection(device, household, current),
        el(
          'section',
          { className: 'settings-section' },
          el('h3', { textContent: 'Reset protection' }),
          coolingOffControl({ ...device, coolingOffSeconds: current.coolingOffSeconds }),
        ),
        retentionSection(device, current),
      );
    } catch (err) {
      sections.push(el('p', { className: 'error', textContent: err.message }));
    }
  }
  sections.push(await notificationsSection(device, household));
  body.replaceChildren(...sections);
  dialog.dataset.ready = 'true';
  return dialog;
}
