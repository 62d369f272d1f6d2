// Labels (zh-CN), part `quality`: the data-quality screen (数据质量); its checks' names are in map.js (quality.checks).
// One part of the dictionary (js/i18n/index.js loads base at start and a screen's parts before it mounts;
// js/i18n/zh-CN.js merges all of them). A section lives in one part (or a sub-section, as noted).
export default {
  quality: {
    title: '数据质量（一标三实）',
    score: '综合得分 {score}（目标 {goal}）',
    goal_met: '达标',
    below_goal: '未达标',
    trend: '近期趋势：{weeks}',
    failing: '{n} / {total} 条待整改',
    show_items: '查看',
    beats: '各警务区得分',
    station: '派出所',
    fix_on_map: '在地图中处理',
    // the thresholds (GET/PUT /api/settings/quality-checks): their names, and the line under a check
    thresholds: { expiring: '证件临近到期', visit: '走访核实期限', fire_check: '消防检查周期' },
    threshold_line: { expiring: '{n} 天内到期即列出', visit: '{n} 天内未走访即列出', fire_check: '超过 {n} 天未检查即列出' },
    settings_heading: '数据质量检查设置',
    settings_hint: '停用的检查项不再计入得分、问题清单、我的任务和每周快照；修改阈值后各警务区的统计立即按新阈值重算。',
    settings_enabled: '启用的检查项',
    settings_days: '阈值（天）',
    settings_range: '{low}–{high} 天，默认 {default}',
    settings_save: '保存数据质量设置',
    settings_saved: '已保存',
    none_disabled: '无',
  },
  // the API errors only this screen meets (the others: base.js)
  errors: {
    codes: {
      'settings.no_tag': '请至少选择一个标签',
      'settings.no_check': '请至少保留一个数据质量检查项',
      'settings.unknown_check': '未知的数据质量检查项：{unknown}',
      'settings.unknown_threshold': '未知的阈值：{key}',
      'settings.days_out_of_range': '{key}应为 {low}–{high} 天（填写的是 {value}）',
      'settings.unknown_tag': '未知的人员标签：{unknown}',
    },
  },
};
