// A browser named the way its owner would: "Firefox on Android", "Safari on iPhone", "Chrome on Windows".
// Derived from the user agent; used when a browser registers and wherever the hub stores no better name.

const BROWSERS = [
  [/EdgA?\//, 'Edge'],
  [/OPR\//, 'Opera'],
  [/SamsungBrowser\//, 'Samsung Internet'],
  [/(?:Firefox|FxiOS)\//, 'Firefox'],
  [/(?:CriOS)\//, 'Chrome'],
  [/Chromium\//, 'Chromium'],
  [/Chrome\//, 'Chrome'],
  [/Version\/[\d.]+.*Safari\//, 'Safari'],
];

const SYSTEMS = [
  [/iPhone/, 'iPhone'],
  [/iPad/, 'iPad'],
  [/Android/, 'Android'],
  [/CrOS/, 'ChromeOS'],
  [/Windows/, 'Windows'],
  [/Mac OS X|Macintosh/, 'macOS'],
  [/Linux/, 'Linux'],
];

function first(table, userAgent) {
  const found = table.find(([pattern]) => pattern.test(userAgent));
  return found ? found[1] : null;
}

/** "Firefox on Android"; "Browser" when the user agent says nothing we know. */
export function browserName(userAgent) {
  const ua = String(userAgent || '');
  const browser = first(BROWSERS, ua);
  const system = first(SYSTEMS, ua);
  if (browser && system) return `${browser} on ${system}`;
  return browser || (system ? `Browser on ${system}` : 'Browser');
}

/** Labels browsers got before they were named from their user agent. */
const GENERIC = new Set(['', 'Browser', 'Phone browser']);

/**
 * What to call a browser in a list: its stored name (`name`, or the older `label`) unless that is a generic
 * one, else the name its user agent gives (`userAgent`, when the hub reports one), else the stored label.
 */
export function displayName(browser) {
  const stored = String(browser.name || browser.label || '').trim();
  if (!GENERIC.has(stored)) return stored;
  if (browser.userAgent) return browserName(browser.userAgent);
  return stored || 'Browser';
}
