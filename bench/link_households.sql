-- bench/link_households.sql: for a county database seeded before migration 0016 (incident.household_id
-- empty), link incidents at home to a household the way seed/activity.py _link_households does, approximately:
-- the at-home phrases, a share by a hash of the id, the nearest building within ~30 m, an occupied household of it
-- in the incident's beat. Run once with psql on the owner URL (2.5 min at county: 246,506 of 2.0M linked).
-- Not part of the schema or the seed: the figures of docs/MEASUREMENTS.md (issue 21, helper incid) used it.
\timing on
SET work_mem = '256MB';
CREATE TEMP TABLE cand AS
SELECT i.id, i.location, i.beat_id FROM incident i
WHERE i.household_id IS NULL AND (
      (i.category = 'fraud' AND abs(hashtext(i.id::text)) % 10 < 7)
   OR (i.category = 'theft' AND i.summary LIKE '%家中财物被盗' AND abs(hashtext(i.id::text)) % 10 < 8)
   OR (i.category = 'dispute' AND (i.summary LIKE '%邻里纠纷求助' OR i.summary LIKE '%家庭纠纷求助')
       AND abs(hashtext(i.id::text)) % 10 < 6));
SELECT count(*) FROM cand;
CREATE TEMP TABLE near AS
SELECT c.id, c.beat_id, nb.id AS building_id FROM cand c CROSS JOIN LATERAL (
  SELECT b.id FROM building b WHERE ST_DWithin(b.centroid, c.location, 0.0003)
  ORDER BY b.centroid <-> c.location LIMIT 1) nb;
SELECT count(*) FROM near;
CREATE TEMP TABLE pick AS
SELECT DISTINCT ON (n.id) n.id, h.id AS household_id FROM near n
JOIN household h ON h.building_id = n.building_id AND h.beat_id = n.beat_id AND h.kind <> 'vacant'
ORDER BY n.id, hashtext(h.id::text || ':' || n.id::text);
SELECT count(*) FROM pick;
UPDATE incident i SET household_id = p.household_id FROM pick p WHERE p.id = i.id;
ANALYZE incident;
