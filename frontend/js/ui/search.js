// Search box (GET /api/search?q=): debounced as you type, results grouped by kind, arrow keys and Enter;
// onChoose(result) gets the chosen result (with its point to fly to).
import { api } from '../api.js';
import { label, t } from '../i18n/index.js';
import { h, clear, icon } from './dom.js';
import { errorNode } from './errors.js';
import { listOf } from './format.js';

export function createSearch({ onChoose }) {
  const input = h('input.search-input', { type: 'search', name: 'q', placeholder: t('search.placeholder'),
    autocomplete: 'off', enterkeyhint: 'search', 'aria-label': t('search.button') });
  const list = h('ul.search-results', { role: 'listbox', hidden: true });
  // Enter runs the search at once: the pending debounced run is dropped (it would abort this request and
  // show the list instead of opening the single result).
  const onSubmit = (e) => { e.preventDefault(); clearTimeout(timer); run(true); };
  const element = h('form.search', { role: 'search', onsubmit: onSubmit },
    h('span.search-icon', icon('search', 16)), input, list);
  let timer = null;
  let controller = null;
  let results = [];
  let active = -1;

  input.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(run, 300); });
  input.addEventListener('keydown', onKey);
  input.addEventListener('focus', () => { if (results.length) list.hidden = false; });
  document.addEventListener('click', (e) => { if (!element.contains(e.target)) list.hidden = true; });

  async function run(now = false) {
    const q = input.value.trim();
    if (q.length < 2) {
      show(now && q ? [h('li.search-empty', t('search.too_short'))] : []);
      return;
    }
    controller?.abort();
    controller = new AbortController();
    try {
      const body = await api.get('/api/search', { q }, { signal: controller.signal });
      results = listOf(body, 'results');
      active = results.length ? 0 : -1;
      if (now && results.length === 1) { choose(0); return; }
      show(results.length ? results.map(resultRow) : [h('li.search-empty', t('search.empty'))]);
    } catch (err) {
      if (err.name !== 'AbortError') show([h('li.search-empty', errorNode(err))]);
    }
  }

  function show(rows) {
    clear(list, rows);
    list.hidden = rows.length === 0;
    highlight();
  }

  function resultRow(result, index) {
    const kind = result.type;
    return h('li.search-result', { role: 'option', dataset: { index, kind },
      onmousedown: (e) => e.preventDefault(), onclick: () => choose(index) },
    h(`span.kind.kind-${kind}`, label('search.kinds', kind)),
    h('span.search-text', h('span.search-title', result.label),
      h('span.search-sub', result.detail || '')));
  }

  function onKey(e) {
    if (list.hidden || !results.length) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      active = (active + (e.key === 'ArrowDown' ? 1 : -1) + results.length) % results.length;
      highlight();
    } else if (e.key === 'Enter' && active >= 0) {
      e.preventDefault();
      choose(active);
    } else if (e.key === 'Escape') {
      list.hidden = true;
    }
  }

  function highlight() {
    list.querySelectorAll('.search-result').forEach((row) =>
      row.classList.toggle('active', Number(row.dataset.index) === active));
  }

  function choose(index) {
    const result = results[index];
    if (!result) return;
    list.hidden = true;
    input.blur();
    onChoose(result);
  }

  return { element, input };
}
