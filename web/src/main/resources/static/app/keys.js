// This browser's own keys (DESIGN §3): an ECDSA P-256 signing key and an ECDH P-256 key-agreement key,
// made by WebCrypto as non-extractable and kept in IndexedDB. Only the public halves ever leave the
// browser; the signing key's fingerprint is what a doorbell pins when this browser claims it.

const DB_NAME = 'doorward';
const STORE = 'keys';
const RECORD = 'client';

function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function idb(mode, action) {
  return openDb().then(
    (db) =>
      new Promise((resolve, reject) => {
        const tx = db.transaction(STORE, mode);
        const request = action(tx.objectStore(STORE));
        tx.oncomplete = () => {
          db.close();
          resolve(request.result);
        };
        tx.onerror = () => {
          db.close();
          reject(tx.error);
        };
      }),
  );
}

function base64(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

function base64url(bytes) {
  return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function createKeys() {
  const signing = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const agreement = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, false, [
    'deriveKey',
    'deriveBits',
  ]);
  return { signing, agreement, registeredFor: {} };
}

/** This browser's keys as stored, or null when it has none yet (the service worker never makes keys). */
export async function storedClientKeys() {
  return (await idb('readonly', (store) => store.get(RECORD))) || null;
}

/** This browser's keys, made on first use and kept from then on. */
export async function clientKeys() {
  let keys = await idb('readonly', (store) => store.get(RECORD));
  if (!keys) {
    keys = await createKeys();
    await idb('readwrite', (store) => store.put(keys, RECORD));
  }
  return keys;
}

/** The public halves, as the hub stores them (SPKI, base64), and the signing key's fingerprint. */
export async function publicKeys(keys) {
  const signingSpki = await crypto.subtle.exportKey('spki', keys.signing.publicKey);
  const agreementSpki = await crypto.subtle.exportKey('spki', keys.agreement.publicKey);
  const fingerprint = base64url(await crypto.subtle.digest('SHA-256', signingSpki));
  return { signingKey: base64(signingSpki), agreementKey: base64(agreementSpki), fingerprint };
}

/**
 * Makes sure the hub knows this browser for the signed-in account, and tells it at every start which browser this
 * session is (revoking the browser then signs this session out too); returns the key fingerprint.
 */
export async function ensureRegistered(api, accountId) {
  const keys = await clientKeys();
  const pub = await publicKeys(keys);
  // No label: the hub names the browser after its User-Agent ("Firefox on Android"); the member can rename it.
  // Registering a known key again changes nothing but the session's note of its browser.
  await api.registerClient(pub.signingKey, pub.agreementKey);
  if (keys.registeredFor[accountId] !== pub.fingerprint) {
    keys.registeredFor[accountId] = pub.fingerprint;
    await idb('readwrite', (store) => store.put(keys, RECORD));
  }
  return pub.fingerprint;
}

/**
 * This browser's client id on the hub for the signed-in account (the hub's list of the account's browsers, matched
 * by this browser's key fingerprint), or null when this browser has no keys or is not registered.
 */
export async function ownClientId(api) {
  const keys = await storedClientKeys();
  if (!keys) return null;
  const { fingerprint } = await publicKeys(keys);
  const mine = (await api.clients()).find((c) => c.signingKeyFingerprint === fingerprint);
  return mine ? mine.id : null;
}

/** Signs a statement with this browser's signing key (ECDSA P-256, SHA-256, r‖s as WebCrypto makes it). */
export async function signStatement(text) {
  const keys = await clientKeys();
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    keys.signing.privateKey,
    new TextEncoder().encode(text),
  );
  const spki = await crypto.subtle.exportKey('spki', keys.signing.publicKey);
  return { signature: base64url(signature), signerPublicKey: base64url(spki) };
}

/**
 * Proves at sign-in that this browser holds its key, so that, if the account approved it, guessers elsewhere
 * cannot slow its sign-in (the hub's per-account ceiling skips it). Bound to the username and this page's CSRF
 * token. Only signs with an existing key: a browser without one has nothing to prove.
 */
export async function signInProof(username, csrfToken) {
  const keys = await idb('readonly', (store) => store.get(RECORD));
  if (!keys || !csrfToken) return null;
  const statement = `doorward-sign-in\n${username.trim().toLowerCase()}\n${csrfToken}`;
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    keys.signing.privateKey,
    new TextEncoder().encode(statement),
  );
  const spki = await crypto.subtle.exportKey('spki', keys.signing.publicKey);
  return { browserKey: base64url(spki), browserProof: base64url(signature) };
}
