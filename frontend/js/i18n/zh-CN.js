// The whole label dictionary (zh-CN): every part of ./zh-CN/ merged, for node tools and tests
// (frontend/tools/server-labels.mjs, frontend/tests/). The web app never loads this file: it loads `base`
// and each screen's parts (./index.js). A new label goes into the part of the screen that shows it.
import { mergeLabels } from './index.js';
import admin from './zh-CN/admin.js';
import base from './zh-CN/base.js';
import dashboard from './zh-CN/dashboard.js';
import map from './zh-CN/map.js';
import members from './zh-CN/members.js';
import plan from './zh-CN/plan.js';
import quality from './zh-CN/quality.js';
import report from './zh-CN/report.js';

export const PART_LABELS = { base, map, plan, dashboard, report, quality, admin, members };

export default Object.values(PART_LABELS).reduce((all, part) => mergeLabels(all, part), {});
