// Labels (zh-CN), part `members`: the beat members screen (警务区成员).
// One part of the dictionary (js/i18n/index.js loads base at start and a screen's parts before it mounts;
// js/i18n/zh-CN.js merges all of them). A section lives in one part (or a sub-section, as noted).
export default {
  // 警务区成员 (1+1+N): chief (own station) and admin
  members: {
    title: '警务区成员（1+1+N）',
    hint: '为现行方案的每个警务区指定社区民警、辅警、网格员和调解员；保存后成员下一次操作即生效。',
    station: '派出所',
    officer: '社区民警',
    auxiliary: '辅警',
    grid_members: '网格员',
    mediators: '调解员',
    none: '（未指定）',
    save: '保存成员',
    saving: '正在保存…',
    saved: '{code} 成员已保存',
    no_beats: '该派出所没有现行方案的警务区',
    no_people: '本所暂无该角色的在用账户',
  },
  // the API errors only this screen meets (the others: base.js)
  errors: {
    codes: {
      'beat_members.not_current': '警务区 {code} 不属于现行方案，不能调整成员',
      'beat_members.other_station': '只能调整本所警务区的成员',
      'beat_members.user_inactive': '{username} 的账户已停用',
      'beat_members.user_unknown': '所选人员不存在',
      'beat_members.wrong_role': '{username} 的角色不符合该职责',
      'beat_members.wrong_station': '{username} 不属于该警务区所在派出所',
    },
  },
};
