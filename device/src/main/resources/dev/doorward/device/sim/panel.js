// The simulator's control panel. Every POST carries X-Doorward-Panel: a page on another origin
// cannot send that header without a CORS preflight, which the panel never approves.
const HEADERS = { 'X-Doorward-Panel': '1' };

const $ = (id) => document.getElementById(id);

function say(text) {
  $('message').textContent = text;
}

async function post(path, body, type) {
  const headers = { ...HEADERS };
  if (type) headers['Content-Type'] = type;
  const response = await fetch(path, { method: 'POST', headers, body });
  if (!response.ok) {
    say(`${path}: ${response.status} ${await response.text()}`);
  }
  await refreshState();
  return response.ok;
}

async function refreshState() {
  try {
    const response = await fetch('/state', { cache: 'no-store' });
    const state = await response.json();
    $('serial').textContent = state.serial;
    $('ownership').textContent = state.ownership;
    $('deviceId').textContent = state.deviceId ?? '—';
    $('link').textContent = state.link;
    $('pairing').textContent = state.pairing ? 'open' : `closed (${state.pairingState.toLowerCase()})`;
    $('resetDeadline').textContent = state.resetDeadline ? new Date(state.resetDeadline).toLocaleString() : '—';
    $('pending').textContent = String(state.pendingEvents);
    $('door-state').textContent = state.doorOpen ? 'Door: OPEN' : 'Door: closed';
    $('chime-state').textContent = state.chimeRinging
      ? 'Chime: RINGING'
      : state.chimeSilencedUntil
        ? `Chime: silenced until ${new Date(state.chimeSilencedUntil).toLocaleTimeString()}`
        : 'Chime: quiet';
  } catch (e) {
    say('The simulator is not answering.');
  }
}

function refreshCamera() {
  const img = $('camera');
  const next = new Image();
  next.onload = () => {
    img.src = next.src;
    setTimeout(refreshCamera, 250);
  };
  next.onerror = () => setTimeout(refreshCamera, 2000);
  next.src = `/camera.jpg?t=${Date.now()}`;
}

$('tamper').addEventListener('click', async () => {
  if (await post('/tamper')) say('Tamper alarm sent.');
});

$('walk').addEventListener('click', async () => {
  if (await post('/walk')) say('Someone walks past the camera (motion).');
});

$('press').addEventListener('click', async () => {
  if (await post('/press')) say('Ding dong.');
});
$('hold').addEventListener('click', async () => {
  if (await post('/hold')) say('Button held: pairing window open.');
});
$('reset').addEventListener('click', async () => {
  if (await post('/reset')) say('Reset: an owned doorbell stays its owner\'s until the cooling-off period ends.');
});
$('clear').addEventListener('click', async () => {
  if (await post('/clear')) say('Picture taken away.');
});
$('picture').addEventListener('change', async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  if (await post('/show', file, file.type || 'application/octet-stream')) {
    say('Holding the picture up to the camera for 60 s.');
  }
  event.target.value = '';
});

refreshState();
setInterval(refreshState, 1000);
refreshCamera();
