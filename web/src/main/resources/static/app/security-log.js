// The security log (Security screen, owners and admins): the household's hash-chained audit log, newest first,
// a page at a time (GET /api/audit with `before`, the `next` cursor of the page before), filtered by topic.
// Someone opening many pictures in a row reads as one line: "owner opened 12 snapshots at Front door".

import { api, request } from './api.js';
import { humanTime } from './dates.js';

const PAGE = 50;
const OPENED = /^(.+) opened the (snapshot|clip) of an event at (.+)$/;

let state = { householdId: null, topic: 'all', next: null, entries: [], generation: 0 };

function page(householdId, topic, before) {
  const query = new URLSearchParams({ householdId, limit: String(PAGE), topic });
  if (before != null) query.set('before', String(before));
  return request('GET', `/api/audit?${query}`);
}

/** Runs of the same person opening media, in a row, become one group: {entries: [...], opened: {who, kinds, where}}. */
export function groupRepeatedOpens(entries) {
  const groups = [];
  for (const entry of entries) {
    const match = entry.action === 'media-fetched' ? OPENED.exec(entry.detail || '') : null;
    const last = groups.at(-1);
    if (match && last && last.opened && last.opened.actor === entry.actor && last.opened.where === match[3]) {
      last.entries.push(entry);
      last.opened.kinds[match[2]] = (last.opened.kinds[match[2]] || 0) + 1;
      continue;
    }
    groups.push({
      entries: [entry],
      opened: match ? { actor: entry.actor, who: match[1], where: match[3], kinds: { [match[2]]: 1 } } : null,
    });
  }
  return groups;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function groupText(group) {
  const { who, where, kinds } = group.opened;
  const what = Object.entries(kinds)
    .map(([kind, n]) => plural(n, kind))
    .join(' and ');
  return `${who} opened ${what} at ${where}`;
}

function time(iso, className = 'muted') {
  const when = document.createElement('time');
  when.className = className;
  when.dateTime = iso;
  when.textContent = humanTime(iso);
  when.title = new Date(iso).toLocaleString();
  return when;
}

function row(group) {
  const li = document.createElement('li');
  const first = group.entries[0];
  li.dataset.action = first.action;
  const what = document.createElement('span');
  if (group.entries.length > 1) {
    li.dataset.grouped = String(group.entries.length);
    what.textContent = groupText(group);
    const when = document.createElement('span');
    when.className = 'muted';
    // Newest first: the first entry is the last opened.
    when.append(time(group.entries.at(-1).at, ''), ' – ', time(first.at, ''));
    li.append(what, when);
  } else {
    what.textContent = first.detail;
    li.append(what, time(first.at));
  }
  return li;
}

function render() {
  const list = document.getElementById('audit');
  if (!list) return;
  const rows = groupRepeatedOpens(state.entries).map(row);
  if (rows.length === 0) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'Nothing logged for this filter.';
    rows.push(li);
  }
  list.replaceChildren(...rows);
  document.getElementById('audit-more').hidden = state.next == null;
}

function showChain(intact) {
  const chain = document.getElementById('audit-chain');
  chain.textContent = intact ? 'chain intact' : 'CHAIN BROKEN: an entry was changed';
  chain.dataset.intact = String(intact);
}

/** Reads the newest page again (a new entry, another filter); older pages shown before are dropped. */
export async function refreshSecurityLog(household) {
  const section = document.getElementById('security-log');
  if (!section || !household || !['owner', 'admin'].includes(household.role)) return;
  if (state.householdId !== household.id) state = { ...state, householdId: household.id, topic: 'all' };
  const generation = ++state.generation;
  const log = await page(household.id, state.topic, null);
  // A newer read (another filter) won, or the page changed meanwhile (signed out, drawn again): nothing to show.
  if (generation !== state.generation || !section.isConnected) return;
  state.entries = log.entries;
  state.next = log.next;
  section.hidden = false;
  showChain(log.chainIntact);
  render();
  wire(household);
}

function wire(household) {
  const topic = document.getElementById('audit-topic');
  topic.value = state.topic;
  topic.onchange = () => {
    state.topic = topic.value;
    refreshSecurityLog(household).catch(() => {});
  };
  const more = document.getElementById('audit-more');
  more.onclick = async () => {
    more.disabled = true;
    const generation = state.generation;
    try {
      const log = await page(household.id, state.topic, state.next);
      if (generation !== state.generation) return;
      state.entries = state.entries.concat(log.entries);
      state.next = log.next;
      showChain(log.chainIntact);
      render();
    } finally {
      more.disabled = false;
    }
  };
  document.getElementById('audit-export').onclick = async () => {
    // The whole log, as the hub keeps it: every entry, ungrouped.
    const log = await api.audit(household.id);
    const blob = new Blob([JSON.stringify(log, null, 2)], { type: 'application/json' });
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = `doorward-security-log-${new Date().toISOString().slice(0, 10)}.json`;
    link.click();
  };
}
