// Local drafts of forms (issue 16): every named field is saved to localStorage as it is typed, under
// holomap.draft.<user>.<form>.<object>, restored when the same form opens again (after a reload, a lost
// connection or a new sign-in), and cleared once the server saved the form.
const PREFIX = 'holomap.draft.';

// the signed-in user's draft of `form` for `object` (window.holomap.user is set at start)
export function draftKey(form, object) {
  return `${PREFIX}${window.holomap?.user?.id ?? 'anon'}.${form}.${object ?? 'new'}`;
}

function fields(form) {
  return [...form.querySelectorAll('input[name], textarea[name], select[name]')]
    .filter((el) => el.type !== 'password' && el.type !== 'file');
}

// keepDraft(form, key) → {clear()}: restores a saved draft into the form now, then saves on every change.
export function keepDraft(form, key) {
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(key) || 'null'); } catch (err) { saved = null; }
  if (saved && typeof saved === 'object') {
    for (const el of fields(form)) {
      if (!(el.name in saved)) continue;
      if (el.type === 'checkbox') el.checked = Boolean(saved[el.name]);
      else if (el.type === 'radio') el.checked = saved[el.name] === el.value;
      else el.value = String(saved[el.name]);
    }
    form.dataset.draftRestored = 'true';
  }
  const save = () => {
    const values = {};
    for (const el of fields(form)) {
      if (el.type === 'checkbox') values[el.name] = el.checked;
      else if (el.type === 'radio') { if (el.checked) values[el.name] = el.value; } else values[el.name] = el.value;
    }
    try { localStorage.setItem(key, JSON.stringify({ ...values, saved_at: Date.now() })); } catch (err) { /* full */ }
  };
  form.addEventListener('input', save);
  form.addEventListener('change', save);
  return { clear: () => localStorage.removeItem(key), restored: Boolean(saved) };
}
