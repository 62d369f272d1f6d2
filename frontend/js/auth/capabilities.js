// What the signed-in user may do: the `capabilities` of GET /api/me (the server's table is
// api/auth/capabilities.py). Every action button and screen that depends on the role asks can('…') here —
// never a list of role names. tests/security/test_capabilities.py checks that every capability named in
// a can('…') call exists in the server's table.
let current = new Set();

// Called once with the /api/me answer, before any screen is mounted.
export function setCapabilities(me) {
  current = new Set(me?.capabilities || []);
}

export function can(capability) {
  return current.has(capability);
}

// The capability a dispute's move from `status` to `target` needs (api/disputes/lifecycle.py
// transition_capability): starting mediation, escalating (上报), or any other move (化解, close, reopen).
export function transitionCapability(status, target) {
  if (target === 'escalated') return 'dispute.escalate';
  if (target === 'mediating' && (status === 'open' || status === 'escalated')) return 'dispute.mediate';
  return 'dispute.resolve';
}

// The capability recording a dispute event of `kind` needs (an escalation event escalates).
export function eventCapability(kind) {
  return kind === 'escalation' ? 'dispute.escalate' : 'dispute.record';
}
