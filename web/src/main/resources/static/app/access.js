// Who may use which doorbell, and when (DESIGN §8): an owner or admin restricts a member to some doorbells
// and/or weekly hours. The restriction goes into the signed roster, so the doorbells enforce it for the door
// and their keys, and the hub for rings, history and live view.

import { signNextRoster } from './roster.js';

const DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function minutes(value) {
  const [h, m] = value.split(':').map(Number);
  return h * 60 + m;
}

/** An "Access…" control for one member: doorbells and hours, saved by signing the next roster. */
export function accessControl(householdId, member, devices, onSaved) {
  const details = el('details', 'access');
  details.append(el('summary', 'link', 'Access…'));
  const form = el('form', 'form access-form');
  const doorbells = el('fieldset');
  doorbells.append(el('legend', null, 'Doorbells'));
  for (const d of devices) {
    const label = el('label');
    const box = el('input');
    box.type = 'checkbox';
    box.name = 'device';
    box.value = d.id;
    box.checked = true;
    label.append(box, ` ${d.name}`);
    doorbells.append(label);
  }
  const hours = el('fieldset');
  hours.append(el('legend', null, 'Hours (leave all days checked and 00:00–24:00 for any time)'));
  const days = el('div', 'access-days');
  DAYS.forEach((name, i) => {
    const label = el('label');
    const box = el('input');
    box.type = 'checkbox';
    box.name = 'day';
    box.value = String(i);
    box.checked = true;
    label.append(box, ` ${name}`);
    days.append(label);
  });
  const from = el('input');
  from.type = 'time';
  from.name = 'from';
  from.value = '00:00';
  const to = el('input');
  to.type = 'time';
  to.name = 'to';
  to.value = '23:59';
  hours.append(days, el('span', null, 'from '), from, el('span', null, ' to '), to);
  const untilLabel = el('label', null, 'Until (optional: the last day of a guest) ');
  const until = el('input');
  until.type = 'date';
  until.name = 'until';
  untilLabel.append(until);
  hours.append(untilLabel);
  const save = el('button', 'primary', 'Sign the new access');
  save.type = 'submit';
  const status = el('p', 'muted access-status');
  status.setAttribute('role', 'status');
  form.append(doorbells, hours, save, status);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const deviceIds = [...form.querySelectorAll('input[name=device]:checked')].map((b) => b.value);
    const chosenDays = [...form.querySelectorAll('input[name=day]:checked')].map((b) => Number(b.value));
    if (deviceIds.length === 0 || chosenDays.length === 0) {
      status.textContent = 'Choose at least one doorbell and one day (or remove the member).';
      return;
    }
    const allDevices = deviceIds.length === devices.length;
    const start = minutes(from.value);
    const end = to.value === '23:59' ? 1440 : minutes(to.value);
    const anyTime = chosenDays.length === 7 && start === 0 && end === 1440;
    if (!anyTime && start >= end) {
      status.textContent = 'The hours must start before they end, within one day.';
      return;
    }
    // The end of the chosen day, in this browser's time zone.
    const endsAt = until.value ? new Date(`${until.value}T23:59:59.999`).getTime() + 1 : null;
    const restriction =
      allDevices && anyTime && !endsAt
        ? null
        : {
            deviceIds: allDevices ? [] : deviceIds,
            schedule: anyTime ? null : { days: chosenDays, from: start, to: end },
            until: endsAt,
          };
    save.disabled = true;
    try {
      await signNextRoster(householdId, [], { [member.accountId]: restriction });
      status.textContent = restriction ? 'Signed: the doorbells now enforce it.' : 'Signed: no restriction.';
      if (onSaved) onSaved();
    } catch (err) {
      status.textContent = err.message;
    } finally {
      save.disabled = false;
    }
  });
  details.append(form);
  return details;
}
