// The doorbell in the home's automations (docs/integrations.md): the household's Home Assistant over MQTT (owners
// and admins), the member's own ntfy topic and which doorbells ring them there, and silencing a doorbell's chime.
// Secrets typed here are sent once and never shown again: the hub answers only whether they are set.

import { api, request } from './api.js';

const base = (householdId) => `/api/households/${encodeURIComponent(householdId)}/integrations`;
const integrationsApi = {
  mqtt: (h) => request('GET', `${base(h)}/mqtt`),
  saveMqtt: (h, settings) => request('PUT', `${base(h)}/mqtt`, settings),
  removeMqtt: (h) => request('DELETE', `${base(h)}/mqtt`),
  ntfy: (h) => request('GET', `${base(h)}/ntfy`),
  saveNtfy: (h, url, doorbells) => request('PUT', `${base(h)}/ntfy`, { url, doorbells }),
  removeNtfy: (h) => request('DELETE', `${base(h)}/ntfy`),
  silenceChime: (deviceId, minutes) =>
    request('POST', `/api/devices/${encodeURIComponent(deviceId)}/chime/silence`, { minutes }),
};

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children);
  return node;
}

function field(label, input) {
  return el('label', {}, label, ' ', input);
}

function button(text, onClick, className = 'link') {
  const b = el('button', { type: 'button', className, textContent: text });
  b.addEventListener('click', onClick);
  return b;
}

/** The member's own ntfy topic: the URL (written, never shown back) and the doorbells that ring them there. */
async function ntfySection(household, devices, say) {
  const current = await integrationsApi.ntfy(household.id);
  const status = el('p', { className: 'muted', id: 'ntfy-status' });
  status.textContent = current.enabled
    ? `On: rings reach your topic at ${current.host}.`
    : 'Off. Any ntfy app (or UnifiedPush distributor) can show "Front door rang" without this web app.';
  const url = el('input', {
    type: 'url',
    id: 'ntfy-url',
    required: true,
    maxLength: 512,
    placeholder: current.enabled ? 'set (type a new URL to change it)' : 'https://ntfy.sh/a-long-random-topic',
  });
  const boxes = devices.map((d) => {
    const box = el('input', {
      type: 'checkbox',
      value: d.id,
      checked: !current.enabled || current.doorbells == null || current.doorbells.includes(d.id),
    });
    return { device: d, box };
  });
  const save = button(
    'Save',
    async () => {
      try {
        const chosen = boxes.filter((b) => b.box.checked).map((b) => b.device.id);
        const all = chosen.length === boxes.length;
        await integrationsApi.saveNtfy(household.id, url.value.trim(), all ? null : chosen);
        url.value = '';
        say('Your ntfy topic is saved.');
        await render();
      } catch (err) {
        say(`Not saved: ${err.message}`);
      }
    },
    'primary',
  );
  const remove = button('Turn off', async () => {
    await integrationsApi.removeNtfy(household.id);
    say('Rings no longer go to your ntfy topic.');
    await render();
  });
  remove.hidden = !current.enabled;
  const render = async () => {
    const section = await ntfySection(household, devices, say);
    document.getElementById('ntfy-section').replaceWith(section);
  };
  return el(
    'div',
    { id: 'ntfy-section' },
    el('h3', { textContent: 'Your alerts on ntfy' }),
    status,
    field('Topic URL', url),
    el(
      'fieldset',
      {},
      el('legend', { textContent: 'Doorbells that ring you there' }),
      ...boxes.map((b) => field(b.device.name, b.box)),
    ),
    el('div', { className: 'row' }, save, remove),
  );
}

/** The household's broker, for owners and admins. */
async function mqttSection(household, say, tries = 0) {
  const current = await integrationsApi.mqtt(household.id);
  // While the hub is still connecting, look again for a while: the answer is what the owner is waiting for.
  if (current.enabled && current.state === 'connecting' && tries > 0) {
    setTimeout(() => render(tries - 1), 1000);
  }
  const status = el('p', { id: 'mqtt-status', role: 'status' });
  status.textContent = current.enabled
    ? `Home Assistant: ${current.status}. Topics under ${current.topicPrefix}.`
    : 'Off. Connect your MQTT broker and every doorbell appears in Home Assistant by itself.';
  const host = el('input', { id: 'mqtt-host', required: true, maxLength: 253, value: current.host || '' });
  const port = el('input', { id: 'mqtt-port', type: 'number', min: 1, max: 65535, value: current.port || 8883 });
  const username = el('input', {
    id: 'mqtt-username',
    autocomplete: 'off',
    maxLength: 256,
    value: current.username || '',
  });
  const password = el('input', {
    id: 'mqtt-password',
    type: 'password',
    autocomplete: 'new-password',
    maxLength: 1024,
    placeholder: current.passwordSet ? 'set (leave empty to keep it)' : '',
  });
  const ca = el('textarea', {
    id: 'mqtt-ca',
    rows: 3,
    placeholder: current.brokerCaSet ? 'set (paste again to change it)' : '-----BEGIN CERTIFICATE----- (the broker CA)',
  });
  const cert = el('textarea', {
    id: 'mqtt-cert',
    rows: 2,
    placeholder: current.clientCertificateSet ? 'set (paste again to change it)' : 'optional',
  });
  const key = el('textarea', { id: 'mqtt-key', rows: 2, placeholder: 'optional, with the certificate' });
  const save = button(
    'Connect',
    async () => {
      try {
        const settings = { host: host.value.trim(), port: Number(port.value), username: username.value.trim() };
        if (password.value) settings.password = password.value;
        // A CA or certificate left empty while one is stored keeps it only if pasted again: send what is shown.
        settings.brokerCa = ca.value.trim() || null;
        settings.clientCertificate = cert.value.trim() || null;
        if (key.value.trim()) settings.clientKey = key.value.trim();
        await integrationsApi.saveMqtt(household.id, settings);
        say('Connecting to the broker…');
        setTimeout(() => render(20), 500);
      } catch (err) {
        say(`Not saved: ${err.message}`);
      }
    },
    'primary',
  );
  const remove = button('Turn off', async () => {
    await integrationsApi.removeMqtt(household.id);
    say('Home Assistant no longer hears the doorbells; their entities are removed.');
    await render();
  });
  remove.hidden = !current.enabled;
  async function render(again = 0) {
    const section = await mqttSection(household, say, again);
    document.getElementById('mqtt-section')?.replaceWith(section);
  }
  return el(
    'div',
    { id: 'mqtt-section' },
    el('h3', { textContent: 'Home Assistant (MQTT)' }),
    status,
    field('Broker host', host),
    field('Port (TLS)', port),
    field('Username', username),
    field('Password', password),
    field('Broker CA (PEM)', ca),
    field('Client certificate (PEM)', cert),
    field('Client key (PEM)', key),
    el('p', {
      className: 'muted',
      textContent:
        'Only rings, motion, tamper and whether a doorbell is online go to the' +
        " broker: no pictures, no names but the doorbells', no door control.",
    }),
    el('div', { className: 'row' }, save, remove),
  );
}

/** Silence a doorbell's chime for a while; the doorbell rings again by itself when the time is up. */
function chimeSection(devices, say) {
  return el(
    'div',
    { id: 'chime-section' },
    el('h3', { textContent: 'Chime at the door' }),
    el(
      'ul',
      { className: 'list' },
      ...devices.map((d) => {
        const minutes = el(
          'select',
          { id: `chime-minutes-${d.id}` },
          ...[
            [30, '30 min'],
            [60, '1 hour'],
            [120, '2 hours'],
            [480, '8 hours'],
            [720, '12 hours'],
          ].map(([value, text]) => el('option', { value, textContent: text })),
        );
        return el(
          'li',
          {},
          el('span', { textContent: d.name }),
          ' ',
          field('Silence for', minutes),
          button('Silence', async () => {
            try {
              await integrationsApi.silenceChime(d.id, Number(minutes.value));
              say(`The chime of ${d.name} is silent for ${minutes.selectedOptions[0].textContent}.`);
            } catch (err) {
              say(`Not silenced: ${err.message}`);
            }
          }),
          button('Let it ring', async () => {
            try {
              await integrationsApi.silenceChime(d.id, 0);
              say(`The chime of ${d.name} rings again.`);
            } catch (err) {
              say(`Not changed: ${err.message}`);
            }
          }),
        );
      }),
    ),
  );
}

/** Fills the home's integrations card for the current household. */
export async function setUpIntegrations(household) {
  const card = document.getElementById('integrations-card');
  if (!card || !household) return;
  const body = document.getElementById('integrations-body');
  const result = el('p', { className: 'muted', role: 'status', id: 'integrations-result' });
  const say = (text) => {
    result.textContent = text;
  };
  const devices = (await api.devices()).filter((d) => d.householdId === household.id);
  const parts = [await ntfySection(household, devices, say)];
  if (devices.length) parts.push(chimeSection(devices, say));
  if (['owner', 'admin'].includes(household.role)) parts.push(await mqttSection(household, say));
  body.replaceChildren(...parts, result);
  card.hidden = false;
}
