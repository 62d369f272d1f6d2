// Empty required fields, found before any request: a Chinese message under each one (the browser's own
// bubbles speak the browser's language and name no field), the first one focused. Forms using it set
// `novalidate`. checkRequired(form, extra) → true when nothing is missing; extra: [{ node, missing, message }]
// for rules beyond `required` (e.g. 至少一项走访事项), the message placed after `node`.
import { t } from '../i18n/index.js';
import { h } from './dom.js';

export function checkRequired(form, extra = []) {
  form.querySelectorAll('.field-error').forEach((node) => node.remove());
  form.querySelectorAll('.field-missing').forEach((node) => node.classList.remove('field-missing'));
  const problems = [...form.querySelectorAll('[required]')]
    .filter((input) => !String(input.value || '').trim())
    .map((input) => {
      const field = input.closest('.field') || input.parentElement;
      const name = field.querySelector('span')?.textContent || input.name;
      return { node: input, field, message: t('form.required', { field: name }) };
    })
    .concat(extra.filter((rule) => rule.missing).map((rule) => ({ node: rule.node, field: null, message: rule.message })));
  for (const problem of problems) {
    const message = h('p.field-error', { role: 'alert' }, problem.message);
    if (problem.field) {
      problem.field.classList.add('field-missing');
      problem.field.append(message);
      problem.node.addEventListener('input', () => {
        message.remove();
        problem.field.classList.remove('field-missing');
      }, { once: true });
    } else {
      problem.node.after(message);
    }
  }
  if (problems.length) problems[0].node.focus?.();
  return problems.length === 0;
}
