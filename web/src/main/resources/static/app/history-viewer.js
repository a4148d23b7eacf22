// The large viewer of the history's snapshots: a modal dialog over the History screen with the picture as large as
// the screen allows, the event and its time, and the previous/next snapshot by button, arrow key or swipe. The
// pictures are the ones the history already opened in this browser (object URLs); nothing is fetched again.
// Escape closes it (a modal <dialog>, which also keeps the focus inside).

const SWIPE_PX = 50;

let dialog = null;
let list = null;
let index = 0;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  return node;
}

/** The history's opened snapshots, in the order shown (newest first). */
function opened() {
  return list ? [...list.querySelectorAll('li[data-snapshot="opened"] img.timeline-thumb')] : [];
}

function build() {
  dialog = el('dialog', 'viewer');
  dialog.id = 'history-viewer';
  dialog.setAttribute('aria-labelledby', 'viewer-caption');
  const head = el('div', 'viewer-head');
  const caption = el('p', 'viewer-caption');
  caption.id = 'viewer-caption';
  const close = el('button', 'viewer-close', 'Close');
  close.type = 'button';
  close.addEventListener('click', () => dialog.close());
  head.append(caption, close);
  const picture = el('img', 'viewer-picture');
  picture.alt = '';
  const nav = el('div', 'viewer-nav');
  const previous = el('button', 'viewer-previous', '‹ Newer');
  previous.type = 'button';
  previous.setAttribute('aria-label', 'Newer snapshot');
  const position = el('span', 'viewer-position muted');
  position.setAttribute('aria-live', 'polite');
  const next = el('button', 'viewer-next', 'Older ›');
  next.type = 'button';
  next.setAttribute('aria-label', 'Older snapshot');
  previous.addEventListener('click', () => step(-1));
  next.addEventListener('click', () => step(1));
  nav.append(previous, position, next);
  dialog.append(head, picture, nav);
  dialog.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowLeft') {
      step(-1);
      e.preventDefault();
    }
    if (e.key === 'ArrowRight') {
      step(1);
      e.preventDefault();
    }
  });
  let startX = null;
  picture.addEventListener('pointerdown', (e) => {
    startX = e.clientX;
  });
  picture.addEventListener('pointerup', (e) => {
    if (startX === null) return;
    const dx = e.clientX - startX;
    startX = null;
    if (Math.abs(dx) >= SWIPE_PX) step(dx < 0 ? 1 : -1);
  });
  picture.addEventListener('pointercancel', () => {
    startX = null;
  });
  document.body.append(dialog);
}

function show() {
  const thumbs = opened();
  if (thumbs.length === 0) {
    dialog.close();
    return;
  }
  index = Math.max(0, Math.min(index, thumbs.length - 1));
  const thumb = thumbs[index];
  const item = thumb.closest('li');
  const picture = dialog.querySelector('.viewer-picture');
  picture.src = thumb.src;
  picture.alt = thumb.alt;
  const what = item.querySelector('.timeline-what')?.textContent || '';
  const when = item.querySelector('time')?.textContent || '';
  dialog.querySelector('.viewer-caption').textContent = `${what} · ${when}`;
  dialog.querySelector('.viewer-position').textContent = `${index + 1} of ${thumbs.length}`;
  dialog.querySelector('.viewer-previous').disabled = index === 0;
  dialog.querySelector('.viewer-next').disabled = index === thumbs.length - 1;
  dialog.dataset.eventId = item.dataset.eventId || '';
}

function step(delta) {
  index += delta;
  show();
}

/** Opens the viewer at the snapshot shown by `thumb` (an img.timeline-thumb of the history list). */
export function openViewer(thumb) {
  list = thumb.closest('ul');
  if (!dialog) build();
  index = Math.max(0, opened().indexOf(thumb));
  show();
  if (!dialog.open) dialog.showModal();
  dialog.querySelector('.viewer-close').focus();
}
