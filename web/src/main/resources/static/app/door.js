// Opening the door (DESIGN §8): the doorbell issues a single-use nonce, this browser signs
// "doorward-door:1:<deviceId>:open:<nonce>:<time>" with its own key, and the doorbell checks the signature
// against its roster. The hub only carries it: it has no key that opens the door.

import { api } from './api.js';
import { signStatement } from './keys.js';

/** Opens the door of a doorbell; resolves when it opened, rejects with the doorbell's reason otherwise. */
export async function openDoor(deviceId) {
  const { nonce } = await api.doorNonce(deviceId);
  const statement = `doorward-door:1:${deviceId}:open:${nonce}:${Date.now()}`;
  const { signature, signerPublicKey } = await signStatement(statement);
  return api.openDoor(deviceId, { statement, signature, signerPublicKey });
}

/** A button that opens the door and says how it went in `status`. */
export function doorButton(deviceId, status, className = 'door-open') {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = className;
  button.textContent = 'Open door';
  button.addEventListener('click', async () => {
    button.disabled = true;
    status.textContent = 'Opening…';
    try {
      await openDoor(deviceId);
      status.textContent = 'The door is open.';
    } catch (err) {
      status.textContent = err.message || 'The door did not open.';
    } finally {
      button.disabled = false;
    }
  });
  return button;
}
