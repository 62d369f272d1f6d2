// t('section.key', {param}) → the zh-CN label; a missing key shows itself so gaps are visible.
import labels from './zh-CN.js';

export function t(key, params) {
  const value = key.split('.').reduce((node, part) => (node == null ? undefined : node[part]), labels);
  if (value == null) return key;
  if (typeof value !== 'string') return value;
  return params ? fill(value, params) : value;
}

// '{name}' placeholders of a label filled from params (unknown names stay as they are).
export function fill(text, params) {
  return text.replace(/\{(\w+)\}/g, (m, name) => (params && name in params ? String(params[name]) : m));
}

// A label for a domain value, falling back to the raw value (e.g. tag('key_person') → 重点人员).
export function label(section, value) {
  const found = t(`${section}.${value}`);
  return found === `${section}.${value}` ? String(value) : found;
}
