// What 自动均衡 proved about its answer (ProposeOut.optimal and .search), in Chinese; pure, unit-tested.
import { label, t } from '../i18n/index.js';

export function proposalProof(result) {
  const s = result.search;
  if (!s) return '';
  const params = {
    moves: s.candidate_moves.toLocaleString('zh-CN'),
    units: label('plan.proposal_units', s.units),
    hops: label('plan.proposal_hops', String(s.hops ?? 2)),
    seconds: result.seconds ?? s.seconds,
  };
  return t(result.optimal ? 'plan.proposal_optimal' : 'plan.proposal_not_proven', params);
}
