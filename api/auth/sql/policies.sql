-- Row-level security of the personal tables and the audit log (see api/auth/capabilities.py for who may
-- do what; tests/security/test_capabilities_rls.py compares the role names here with that table).
--
-- The application connects as a role without BYPASSRLS; every table below has ROW LEVEL SECURITY with
-- FORCE. Policies read the request's user from holomap_request_user() (set per transaction by
-- holomap_begin_request) and the beats that user may see from holomap_scope_beats(). No user set → no rows.
-- Each sub-select (SELECT holomap_…()) is evaluated once per statement (an InitPlan). The beat of a row's
-- household or dispute is a correlated scalar sub-select: one primary-key lookup per row (an EXISTS would
-- be planned as a hashed scan of every household in scope: 4 ms for a chief).
-- Imports by an admin pass the *_import policies, which hold only while the import sets
-- holomap.import = on in its transaction and the user is an active admin (holomap_import_allowed).

ALTER TABLE household ENABLE ROW LEVEL SECURITY;
ALTER TABLE household FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS household_scope ON household;
CREATE POLICY household_scope ON household FOR SELECT
  USING (beat_id = ANY ((SELECT holomap_scope_beats())::integer[]));
DROP POLICY IF EXISTS household_import ON household;
CREATE POLICY household_import ON household FOR ALL
  USING ((SELECT holomap_import_allowed())) WITH CHECK ((SELECT holomap_import_allowed()));

ALTER TABLE person ENABLE ROW LEVEL SECURITY;
ALTER TABLE person FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS person_scope ON person;
-- reads by the resident's own beat column (person.beat_id, the household's beat kept by api/people/sql/
-- person_beat.sql, migration 0014): no household probe per row read (a chief's ~2,000 tagged residents of the
-- worklist read index only); writes below check the household itself
CREATE POLICY person_scope ON person FOR SELECT
  USING (beat_id = ANY ((SELECT holomap_scope_beats())::integer[]));
DROP POLICY IF EXISTS person_import ON person;
CREATE POLICY person_import ON person FOR ALL
  USING ((SELECT holomap_import_allowed())) WITH CHECK ((SELECT holomap_import_allowed()));
-- 信息采集: officers, auxiliaries and the chief register and correct persons in households of their beats;
-- grid members register floating residents only, and correct nothing
DROP POLICY IF EXISTS person_register ON person;
CREATE POLICY person_register ON person FOR INSERT
  WITH CHECK ((SELECT h.beat_id FROM household h WHERE h.id = person.household_id)
              = ANY ((SELECT holomap_scope_beats())::integer[])
              AND created_by = (SELECT holomap_request_user()) AND updated_by = (SELECT holomap_request_user())
              AND ((SELECT holomap_request_role()) IN ('officer', 'auxiliary', 'station_chief')
                   OR ((SELECT holomap_request_role()) = 'grid_member' AND residency = 'floating')));
DROP POLICY IF EXISTS person_correct ON person;
CREATE POLICY person_correct ON person FOR UPDATE
  USING ((SELECT h.beat_id FROM household h WHERE h.id = person.household_id)
         = ANY ((SELECT holomap_scope_beats())::integer[])
         AND (SELECT holomap_request_role()) IN ('officer', 'auxiliary', 'station_chief'))
  WITH CHECK ((SELECT h.beat_id FROM household h WHERE h.id = person.household_id)
              = ANY ((SELECT holomap_scope_beats())::integer[])
              AND updated_by = (SELECT holomap_request_user()));

ALTER TABLE vehicle ENABLE ROW LEVEL SECURITY;
ALTER TABLE vehicle FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS vehicle_scope ON vehicle;
CREATE POLICY vehicle_scope ON vehicle FOR SELECT
  USING ((CASE WHEN vehicle.household_id IS NOT NULL
               THEN (SELECT h.beat_id FROM household h WHERE h.id = vehicle.household_id)
               ELSE (SELECT h.beat_id FROM person p JOIN household h ON h.id = p.household_id
                     WHERE p.id = vehicle.owner_person_id) END)
         = ANY ((SELECT holomap_scope_beats())::integer[]));
DROP POLICY IF EXISTS vehicle_import ON vehicle;
CREATE POLICY vehicle_import ON vehicle FOR ALL
  USING ((SELECT holomap_import_allowed())) WITH CHECK ((SELECT holomap_import_allowed()));
DROP POLICY IF EXISTS vehicle_register ON vehicle;
CREATE POLICY vehicle_register ON vehicle FOR INSERT
  WITH CHECK ((SELECT h.beat_id FROM household h WHERE h.id = vehicle.household_id)
              = ANY ((SELECT holomap_scope_beats())::integer[])
              AND created_by = (SELECT holomap_request_user()) AND updated_by = (SELECT holomap_request_user())
              AND (SELECT holomap_request_role()) IN ('officer', 'auxiliary', 'station_chief'));
DROP POLICY IF EXISTS vehicle_correct ON vehicle;
CREATE POLICY vehicle_correct ON vehicle FOR UPDATE
  USING ((SELECT h.beat_id FROM household h WHERE h.id = vehicle.household_id)
         = ANY ((SELECT holomap_scope_beats())::integer[])
         AND (SELECT holomap_request_role()) IN ('officer', 'auxiliary', 'station_chief'))
  WITH CHECK ((SELECT h.beat_id FROM household h WHERE h.id = vehicle.household_id)
              = ANY ((SELECT holomap_scope_beats())::integer[])
              AND updated_by = (SELECT holomap_request_user()));

ALTER TABLE visit ENABLE ROW LEVEL SECURITY;
ALTER TABLE visit FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS visit_scope ON visit;
CREATE POLICY visit_scope ON visit FOR SELECT
  USING ((SELECT h.beat_id FROM household h WHERE h.id = visit.household_id)
         = ANY ((SELECT holomap_scope_beats())::integer[]));
DROP POLICY IF EXISTS visit_record ON visit;
CREATE POLICY visit_record ON visit FOR INSERT
  WITH CHECK ((SELECT h.beat_id FROM household h WHERE h.id = visit.household_id)
              = ANY ((SELECT holomap_scope_beats())::integer[])
              AND user_id = (SELECT holomap_request_user()));
-- the author corrects own visits (the service answers 403 to others in scope)
DROP POLICY IF EXISTS visit_correct ON visit;
CREATE POLICY visit_correct ON visit FOR UPDATE
  USING ((SELECT h.beat_id FROM household h WHERE h.id = visit.household_id)
         = ANY ((SELECT holomap_scope_beats())::integer[]))
  WITH CHECK ((SELECT h.beat_id FROM household h WHERE h.id = visit.household_id)
              = ANY ((SELECT holomap_scope_beats())::integer[])
              AND user_id = (SELECT holomap_request_user()));

ALTER TABLE dispute ENABLE ROW LEVEL SECURITY;
ALTER TABLE dispute FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS dispute_scope ON dispute;
CREATE POLICY dispute_scope ON dispute FOR SELECT
  USING (beat_id = ANY ((SELECT holomap_scope_beats())::integer[]));
DROP POLICY IF EXISTS dispute_report ON dispute;
CREATE POLICY dispute_report ON dispute FOR INSERT
  WITH CHECK (beat_id = ANY ((SELECT holomap_scope_beats())::integer[])
              AND reported_by = (SELECT holomap_request_user()));
DROP POLICY IF EXISTS dispute_change ON dispute;
CREATE POLICY dispute_change ON dispute FOR UPDATE
  USING (beat_id = ANY ((SELECT holomap_scope_beats())::integer[]))
  WITH CHECK (beat_id = ANY ((SELECT holomap_scope_beats())::integer[]));

ALTER TABLE dispute_party ENABLE ROW LEVEL SECURITY;
ALTER TABLE dispute_party FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS dispute_party_scope ON dispute_party;
CREATE POLICY dispute_party_scope ON dispute_party FOR SELECT
  USING ((SELECT d.beat_id FROM dispute d WHERE d.id = dispute_party.dispute_id)
         = ANY ((SELECT holomap_scope_beats())::integer[]));
DROP POLICY IF EXISTS dispute_party_add ON dispute_party;
CREATE POLICY dispute_party_add ON dispute_party FOR INSERT
  WITH CHECK ((SELECT d.beat_id FROM dispute d WHERE d.id = dispute_party.dispute_id)
              = ANY ((SELECT holomap_scope_beats())::integer[]));

ALTER TABLE dispute_event ENABLE ROW LEVEL SECURITY;
ALTER TABLE dispute_event FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS dispute_event_scope ON dispute_event;
CREATE POLICY dispute_event_scope ON dispute_event FOR SELECT
  USING ((SELECT d.beat_id FROM dispute d WHERE d.id = dispute_event.dispute_id)
         = ANY ((SELECT holomap_scope_beats())::integer[]));
DROP POLICY IF EXISTS dispute_event_add ON dispute_event;
CREATE POLICY dispute_event_add ON dispute_event FOR INSERT
  WITH CHECK ((SELECT d.beat_id FROM dispute d WHERE d.id = dispute_event.dispute_id)
              = ANY ((SELECT holomap_scope_beats())::integer[])
              AND user_id = (SELECT holomap_request_user()));

-- 实有单位 (issue 17): organisations are scoped like households by beat_id (kept by the trigger
-- organisation_place, api/organisations/sql/place.sql): read in scope; registered and corrected by every role
-- that reads personal data (grid members included: they see masked identities only, as everyone does in
-- these answers). Employees are scoped through their organisation.
ALTER TABLE organisation ENABLE ROW LEVEL SECURITY;
ALTER TABLE organisation FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS organisation_scope ON organisation;
CREATE POLICY organisation_scope ON organisation FOR SELECT
  USING (beat_id = ANY ((SELECT holomap_scope_beats())::integer[]));
DROP POLICY IF EXISTS organisation_register ON organisation;
CREATE POLICY organisation_register ON organisation FOR INSERT
  WITH CHECK (beat_id = ANY ((SELECT holomap_scope_beats())::integer[])
              AND created_by = (SELECT holomap_request_user()) AND updated_by = (SELECT holomap_request_user())
              AND (SELECT holomap_request_role()) IN ('officer', 'auxiliary', 'grid_member', 'station_chief'));
DROP POLICY IF EXISTS organisation_correct ON organisation;
CREATE POLICY organisation_correct ON organisation FOR UPDATE
  USING (beat_id = ANY ((SELECT holomap_scope_beats())::integer[])
         AND (SELECT holomap_request_role()) IN ('officer', 'auxiliary', 'grid_member', 'station_chief'))
  WITH CHECK (beat_id = ANY ((SELECT holomap_scope_beats())::integer[])
              AND updated_by = (SELECT holomap_request_user()));
DROP POLICY IF EXISTS organisation_import ON organisation;
CREATE POLICY organisation_import ON organisation FOR ALL
  USING ((SELECT holomap_import_allowed())) WITH CHECK ((SELECT holomap_import_allowed()));

ALTER TABLE organisation_employee ENABLE ROW LEVEL SECURITY;
ALTER TABLE organisation_employee FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS organisation_employee_scope ON organisation_employee;
CREATE POLICY organisation_employee_scope ON organisation_employee FOR SELECT
  USING ((SELECT o.beat_id FROM organisation o WHERE o.id = organisation_employee.organisation_id)
         = ANY ((SELECT holomap_scope_beats())::integer[]));
DROP POLICY IF EXISTS organisation_employee_add ON organisation_employee;
CREATE POLICY organisation_employee_add ON organisation_employee FOR INSERT
  WITH CHECK ((SELECT o.beat_id FROM organisation o WHERE o.id = organisation_employee.organisation_id)
              = ANY ((SELECT holomap_scope_beats())::integer[])
              AND created_by = (SELECT holomap_request_user())
              AND (SELECT holomap_request_role()) IN ('officer', 'auxiliary', 'grid_member', 'station_chief'));
DROP POLICY IF EXISTS organisation_employee_change ON organisation_employee;
CREATE POLICY organisation_employee_change ON organisation_employee FOR UPDATE
  USING ((SELECT o.beat_id FROM organisation o WHERE o.id = organisation_employee.organisation_id)
         = ANY ((SELECT holomap_scope_beats())::integer[])
         AND (SELECT holomap_request_role()) IN ('officer', 'auxiliary', 'grid_member', 'station_chief'))
  WITH CHECK ((SELECT o.beat_id FROM organisation o WHERE o.id = organisation_employee.organisation_id)
              = ANY ((SELECT holomap_scope_beats())::integer[]));
DROP POLICY IF EXISTS organisation_employee_import ON organisation_employee;
CREATE POLICY organisation_employee_import ON organisation_employee FOR ALL
  USING ((SELECT holomap_import_allowed())) WITH CHECK ((SELECT holomap_import_allowed()));

-- anyone may append to the audit log (failed logins have no user yet); only administrators read it
ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_log FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS audit_log_append ON audit_log;
CREATE POLICY audit_log_append ON audit_log FOR INSERT WITH CHECK (true);
DROP POLICY IF EXISTS audit_log_admin_read ON audit_log;
CREATE POLICY audit_log_admin_read ON audit_log FOR SELECT
  USING ((SELECT holomap_request_role()) = 'admin');

-- 迁入/迁出 history (migration 0006): read where the resident is readable; written by the trigger only
ALTER TABLE person_move ENABLE ROW LEVEL SECURITY;
ALTER TABLE person_move FORCE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS person_move_scope ON person_move;
CREATE POLICY person_move_scope ON person_move FOR SELECT
  USING (EXISTS (SELECT 1 FROM person p WHERE p.id = person_move.person_id));

-- 出租屋管理 (migration 0006): officers, auxiliaries and the chief correct a household of their beats (its
-- kind, landlord and lease); grid members correct nothing, as for persons
DROP POLICY IF EXISTS household_correct ON household;
CREATE POLICY household_correct ON household FOR UPDATE
  USING (beat_id = ANY ((SELECT holomap_scope_beats())::integer[])
         AND (SELECT holomap_request_role()) IN ('officer', 'auxiliary', 'station_chief'))
  WITH CHECK (beat_id = ANY ((SELECT holomap_scope_beats())::integer[])
              AND updated_by = (SELECT holomap_request_user()));
