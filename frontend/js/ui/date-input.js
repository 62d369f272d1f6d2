// Native date inputs show the day in the browser's own format (12/06/2025 in an en-US Chromium), even
// under lang="zh-CN": every <input type=date|datetime-local> of the app also shows its value beside it in
// Chinese (2026年12月4日, 2026年12月4日 09:30), kept up to date on input, on change and when code sets it.
import { formatDay } from './format.js';

const SELECTOR = 'input[type=date], input[type=datetime-local]';
const VALUE = globalThis.HTMLInputElement && Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value');
let serial = 0;

// 'YYYY-MM-DD' or 'YYYY-MM-DDTHH:MM[:SS]' (an input's value) in Chinese; '' when empty or partial.
export function formatInputValue(value) {
  const m = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?/.exec(value || '');
  if (!m) return '';
  return m[2] ? `${formatDay(m[1])} ${m[2]}` : formatDay(m[1]);
}

// The Chinese echo of one input (once), placed right after it and named by its aria-describedby.
export function echoDate(input) {
  if (input.dataset.zhDate) return;
  input.dataset.zhDate = 'on';
  input.lang = 'zh-CN';
  const echo = document.createElement('span');
  echo.className = 'date-zh';
  echo.id = `date-zh-${++serial}`;
  const update = () => { echo.textContent = formatInputValue(VALUE.get.call(input)); };
  Object.defineProperty(input, 'value', {
    configurable: true,
    get() { return VALUE.get.call(this); },
    set(v) { VALUE.set.call(this, v); update(); },
  });
  input.addEventListener('input', update);
  input.addEventListener('change', update);
  input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), echo.id].filter(Boolean).join(' '));
  input.after(echo);
  update();
}

// Echo every date input under root, now and whenever one is added.
export function watchDateInputs(root = document.body) {
  root.querySelectorAll(SELECTOR).forEach(echoDate);
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== 1) continue;
        if (node.matches(SELECTOR)) echoDate(node);
        node.querySelectorAll(SELECTOR).forEach(echoDate);
      }
    }
  }).observe(root, { childList: true, subtree: true });
}
