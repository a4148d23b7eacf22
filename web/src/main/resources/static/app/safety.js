// The safety check (owners and admins): every member, browser, signed-in session and open invitation of the
// household in one place, each with a Revoke button that asks once more before it acts. After a browser is
// revoked this browser signs a roster without it, so the doorbells re-key.

import { api } from './api.js';
import { myFingerprint, signNextRoster } from './roster.js';
import { humanTime } from './dates.js';
import { displayName } from './browser-names.js';

function when(iso) {
  return humanTime(iso);
}

function row(text, detail, action) {
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
  if (action) li.append(action);
  return li;
}

function empty(text) {
  const li = document.createElement('li');
  li.className = 'muted';
  li.textContent = text;
  return li;
}

/** A Revoke button with a confirm step: the first click asks, the second (within 5 s) acts. */
function revokeButton(label, onConfirm, setResult) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link safety-revoke';
  button.textContent = 'Revoke';
  let armed = null;
  button.addEventListener('click', async () => {
    if (!armed) {
      button.textContent = `Really revoke ${label}?`;
      button.classList.add('danger');
      armed = setTimeout(() => {
        armed = null;
        button.textContent = 'Revoke';
        button.classList.remove('danger');
      }, 5000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    button.disabled = true;
    try {
      setResult(await onConfirm());
    } catch (err) {
      setResult(`Could not revoke ${label}: ${err.message}`);
      button.disabled = false;
      button.textContent = 'Revoke';
      button.classList.remove('danger');
    }
  });
  return button;
}

/**
 * Shows the safety check card for an owner or admin of {@code household} ({id, role}); {@code onSignedOut}
 * runs when this browser ended its own session; {@code onChecked(check, myClientId)} after each read (the Household screen
 * lists the same browsers).
 */
export async function setUpSafetyCheck(household, onSignedOut = () => location.reload(), onChecked = () => {}) {
  const card = document.getElementById('safety-card');
  if (!card || !household || !['owner', 'admin'].includes(household.role)) return;
  const result = document.getElementById('safety-result');
  const setResult = (text) => {
    result.textContent = text;
  };
  const id = household.id;

  const render = async () => {
    const check = await api.safetyCheck(id);
    let mine = null;
    try {
      mine = await myFingerprint();
    } catch {
      /* no keys yet */
    }
    let myClientId = null;
    if (mine) {
      try {
        myClientId = (await api.clients()).find((c) => c.signingKeyFingerprint === mine)?.id || null;
      } catch {
        /* ignore */
      }
    }
    card.hidden = false;
    onChecked(check, myClientId);

    document
      .getElementById('safety-members')
      .replaceChildren(
        ...(check.members.length
          ? check.members.map((m) => row(`${m.username} · ${m.role}`, `member since ${when(m.since)}`))
          : [empty('No members.')]),
      );
    // Members are removed in the Members card (which also re-signs the roster); here they are listed.

    document.getElementById('safety-browsers').replaceChildren(
      ...(check.browsers.length
        ? check.browsers.map((b) =>
            row(
              `${displayName(b)} · ${b.username}`,
              `${b.approved ? 'approved' : 'not approved'} · registered ${when(b.registeredAt)}` +
                (b.clientId === myClientId ? ' · this browser' : ''),
              b.clientId === myClientId
                ? null
                : revokeButton(
                    `${b.username}'s browser “${displayName(b)}”`,
                    async () => {
                      await api.revokeBrowser(id, b.clientId);
                      let note = '';
                      try {
                        await signNextRoster(id);
                      } catch (err) {
                        note = ` The new roster could not be signed: ${err.message}`;
                      }
                      await render();
                      return `Revoked ${b.username}'s browser “${displayName(b)}”; it is signed out and the doorbells re-key.${note}`;
                    },
                    setResult,
                  ),
            ),
          )
        : [empty('No browsers registered.')]),
    );

    document.getElementById('safety-sessions').replaceChildren(
      ...(check.sessions.length
        ? check.sessions.map((s) =>
            row(
              `${s.username} · ${s.browserName || 'Browser'}${s.current ? ' · this session' : ''}`,
              `signed in ${when(s.signedInAt)} · last seen ${when(s.lastSeenAt)}`,
              revokeButton(
                s.current ? 'your own session (you will be signed out)' : `${s.username}'s session`,
                async () => {
                  await api.revokeSession(id, s.sessionRef);
                  if (s.current) {
                    onSignedOut();
                    return 'You are signed out.';
                  }
                  await render();
                  return `Signed ${s.username} out of ${s.browserName || 'that browser'}.`;
                },
                setResult,
              ),
            ),
          )
        : [empty('No signed-in sessions.')]),
    );

    document.getElementById('safety-invitations').replaceChildren(
      ...(check.invitations.length
        ? check.invitations.map((i) =>
            row(
              `${i.role} invitation by ${i.createdBy}`,
              `created ${when(i.createdAt)} · expires ${when(i.expiresAt)}`,
              revokeButton(
                `the ${i.role} invitation`,
                async () => {
                  await api.revokeInvitation(id, i.invitationRef);
                  await render();
                  return 'Invitation revoked: its link no longer works.';
                },
                setResult,
              ),
            ),
          )
        : [empty('No open invitations.')]),
    );
  };

  document.getElementById('safety-refresh').onclick = () => {
    setResult('');
    render().catch((err) => setResult(err.message));
  };
  try {
    await render();
  } catch (err) {
    setResult(err.message);
  }
}
