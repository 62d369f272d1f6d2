// Imported first by a node test of modules that word several screens' labels: every part of the
// dictionary loaded, as the screens that show them load theirs (js/i18n/index.js).
import { loadLabels, PARTS } from '../js/i18n/index.js';

await loadLabels(...Object.keys(PARTS));
