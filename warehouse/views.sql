-- The analysts' views, documented column by column in docs/views.md.
--
-- Re-created by warehouse.schema.connect whenever this file changes (it keeps a fingerprint),
-- so edit it freely: no migration is needed. Statements end with ";" at the end of a line.
-- Blank is not zero: a cell a commune left blank is NULL here and in every roll-up, and each
-- roll-up says how many communes reported the figure (n_reporting).
-- Written for DuckDB 1.5 as well as 2.0: analysts open the file with the duckdb CLI.
-- Two administrative maps (admin_map): 'legacy' (province, district, commune; until 2025-06-30)
-- and '2025' (province, commune). GSO codes were reused across them, so every join on a unit's
-- code also joins on its map, and a report counts only toward the roll-ups of its own map.

-- The template loaded last (what reports are read with now) and its indicators. Every version
-- ever loaded keeps its rows in core.template_indicators, keyed by (template, version, code);
-- a report joins the rows of the version it was read with (core.reports.template_version).
CREATE OR REPLACE VIEW core.current_template AS
SELECT template, version FROM core.templates ORDER BY loaded_at DESC, version DESC LIMIT 1;

CREATE OR REPLACE VIEW core.indicators AS
SELECT i.* FROM core.template_indicators i
JOIN core.current_template t ON t.template = i.template AND t.version = i.version;

-- Internal: every value of a current (accepted) report, with what the roll-ups need beside it.
CREATE OR REPLACE VIEW core.current_values AS
SELECT r.report_id, r.admin_map, r.commune_code, r.period, i.code, i.aggregation, i.yes_code,
       o.value, w.value AS weight_value
FROM core.reports r
JOIN core.observations o ON o.report_id = r.report_id
JOIN core.template_indicators i
    ON i.template = r.template AND i.version = r.template_version AND i.code = o.code
LEFT JOIN core.observations w ON w.report_id = r.report_id AND w.code = i.weight
WHERE r.status = 'accepted';

-- Internal: each current report under each area it counts toward, on the area's map: its
-- district (legacy map only) and its province, on the report's own map; and, for a legacy
-- report, each 2025 commune its commune went into (level 'successor': the predecessors' area).
CREATE OR REPLACE VIEW core.report_areas AS
SELECT admin_map, 'district' AS level, district_code AS area_code, report_id, commune_code,
       period
FROM core.reports WHERE status = 'accepted' AND admin_map = 'legacy'
UNION ALL
SELECT admin_map, 'province' AS level, province_code AS area_code, report_id, commune_code,
       period
FROM core.reports WHERE status = 'accepted'
UNION ALL
SELECT '2025' AS admin_map, 'successor' AS level, l.new_code AS area_code, r.report_id,
       r.commune_code, r.period
FROM core.reports r JOIN core.admin_lineage l ON l.old_code = r.commune_code
WHERE r.status = 'accepted' AND r.admin_map = 'legacy';

-- Internal: how many communes each area has in the registry, on its map: a legacy district's
-- communes, a province's communes on each map, a 2025 commune's predecessors.
CREATE OR REPLACE VIEW core.area_expected AS
SELECT admin_map, 'district' AS level, district_code AS area_code, count(*) AS n_expected
FROM core.admin_units WHERE level = 'commune' AND admin_map = 'legacy' GROUP BY ALL
UNION ALL
SELECT admin_map, 'province' AS level, province_code AS area_code, count(*) AS n_expected
FROM core.admin_units WHERE level = 'commune' GROUP BY ALL
UNION ALL
SELECT '2025' AS admin_map, 'successor' AS level, new_code AS area_code, count(*) AS n_expected
FROM core.admin_lineage GROUP BY ALL;

-- Internal: one row per map x area x period x value indicator, for every area and period with
-- at least one current report; the rules per aggregation are in reference/indicators.yaml.
CREATE OR REPLACE VIEW core.area_rollup AS
WITH cells AS (
    SELECT admin_map, level, area_code, period, count(DISTINCT commune_code) AS n_submitted
    FROM core.report_areas GROUP BY ALL
), stats AS (
    SELECT a.admin_map, a.level, a.area_code, a.period, v.code,
           count(v.value) AS n_reporting,
           sum(v.value) AS total,
           sum(v.value * v.weight_value)
               / nullif(sum(v.weight_value) FILTER (WHERE v.value IS NOT NULL), 0) AS weighted,
           count(v.value * v.weight_value) AS n_weighted,
           avg(v.value) AS mean,
           min(v.value) AS min,
           max(v.value) AS max,
           count(v.value) FILTER (WHERE v.value = v.yes_code) AS n_yes,
           histogram(TRY_CAST(v.value AS INTEGER))
               FILTER (WHERE v.aggregation IN ('count_by_code', 'yes_share')) AS by_code
    FROM core.report_areas a JOIN core.current_values v ON v.report_id = a.report_id
    GROUP BY ALL
)
SELECT c.admin_map, c.level, c.area_code, c.period, i.position, i.code, i.label, i.unit, i.kind,
       i.aggregation,
       CASE i.aggregation
           WHEN 'sum' THEN s.total
           WHEN 'weighted_percent' THEN s.weighted
           WHEN 'mean_min_max' THEN s.mean
           WHEN 'yes_share' THEN CASE WHEN s.n_reporting > 0 THEN s.n_yes END
       END AS value,
       coalesce(s.n_reporting, 0) AS n_reporting,
       c.n_submitted,
       e.n_expected,
       CASE WHEN i.aggregation = 'weighted_percent' THEN coalesce(s.n_weighted, 0) END
           AS n_weighted,
       CASE WHEN i.aggregation = 'yes_share' AND s.n_reporting > 0
           THEN s.n_yes / s.n_reporting END AS share,
       CASE WHEN i.kind IN ('count', 'percent') THEN s.mean END AS mean,
       CASE WHEN i.kind IN ('count', 'percent') THEN s.min END AS min,
       CASE WHEN i.kind IN ('count', 'percent') THEN s.max END AS max,
       CASE WHEN i.kind = 'choice' AND s.n_reporting > 0 THEN s.by_code END AS by_code
FROM cells c
CROSS JOIN core.indicators i
LEFT JOIN stats s
    ON s.admin_map = c.admin_map AND s.level = c.level AND s.area_code = c.area_code
    AND s.period = c.period AND s.code = i.code
LEFT JOIN core.area_expected e
    ON e.admin_map = c.admin_map AND e.level = c.level AND e.area_code = c.area_code
WHERE i.kind <> 'group';

-- Internal: core.area_rollup as the last finished run left it. A table, not a view: computing
-- it takes a second or more over a province's years of reports, and DuckDB cannot push one
-- district's filter through it, so the roll-up views read this copy instead. Kept up to date
-- by warehouse/rollups.py: a run, new reference data or a change of this file refresh all of
-- it, a desk action its report's areas.
CREATE OR REPLACE TABLE core.rollups AS
SELECT * FROM core.area_rollup ORDER BY admin_map, level, area_code, period, position;

-- Every file received, one row each, with what became of it.
CREATE OR REPLACE VIEW main.submissions AS
WITH counts AS (
    SELECT report_id,
           count(*) FILTER (WHERE severity = 'error') AS n_errors,
           count(*) FILTER (WHERE severity = 'warning') AS n_warnings
    FROM core.issues WHERE report_id IS NOT NULL GROUP BY report_id
)
SELECT s.submission_id, s.file_name, s.inbox_path, s.sha256, s.size, f.format, f.archive_path,
       s.received_at, s.status, s.reason, s.report_id, s.duplicate_of, r.admin_map,
       r.commune_code, c.name AS commune_name, r.district_code, d.name AS district_name,
       r.period, r.report_date, r.doc_number, r.superseded_by,
       coalesce(n.n_errors, 0) AS n_errors, coalesce(n.n_warnings, 0) AS n_warnings,
       s.run_id, coalesce(s.received_via, 'inbox') AS received_via
FROM core.submissions s
LEFT JOIN core.files f ON f.sha256 = s.sha256
LEFT JOIN core.reports r ON r.report_id = s.report_id
LEFT JOIN core.admin_units c
    ON c.admin_map = r.admin_map AND c.level = 'commune' AND c.code = r.commune_code
LEFT JOIN core.admin_units d
    ON d.admin_map = r.admin_map AND d.level = 'district' AND d.code = r.district_code
LEFT JOIN counts n ON n.report_id = s.report_id;

-- Every report stored, whatever its status: current, superseded and rejected alike, and every
-- earlier reading of a file that cchc reprocess read again (reread_by set). returned_at is when
-- the officer returned it to the commune (the desk's decision in force: not undone, no later
-- acceptance), resubmit_by the deadline the latest return letter gave the commune.
CREATE OR REPLACE VIEW main.reports AS
WITH decisions AS (
    SELECT a.report_id, a.action_id, a.kind, a.acted_at FROM core.actions a
    WHERE a.kind IN ('accept', 'return')
      AND NOT EXISTS (SELECT 1 FROM core.actions u WHERE u.undoes = a.action_id)
    QUALIFY row_number() OVER (PARTITION BY a.report_id
                               ORDER BY a.acted_at DESC, a.action_id DESC) = 1
), returns AS (
    SELECT d.report_id, d.acted_at AS returned_at, arg_max(l.deadline, l.made_at) AS resubmit_by
    FROM decisions d LEFT JOIN core.letters l ON l.action_id = d.action_id
    WHERE d.kind = 'return' GROUP BY ALL
)
SELECT r.report_id, r.admin_map, r.commune_code, c.name AS commune_name, r.district_code,
       d.name AS district_name, r.province_code, r.period, p.label AS period_label,
       r.period_start, r.period_end, r.cumulative, r.report_date, r.doc_number, r.format,
       r.received_at, r.status, r.superseded_by, s.file_name, f.archive_path,
       (SELECT count(*) FROM core.issues i
        WHERE i.report_id = r.report_id AND i.severity = 'error'
              AND i.replaced_by IS NULL) AS n_errors,
       (SELECT count(*) FROM core.issues i
        WHERE i.report_id = r.report_id AND i.severity = 'warning'
              AND i.replaced_by IS NULL) AS n_warnings,
       r.run_id, r.sha256, r.reading, r.cchc_version, r.reference_sha256, r.template,
       r.template_version, r.reread_by,
       t.returned_at, t.resubmit_by
FROM core.reports r
LEFT JOIN returns t ON t.report_id = r.report_id
LEFT JOIN core.submissions s ON s.sha256 = r.sha256 AND s.status <> 'duplicate'
LEFT JOIN core.files f ON f.sha256 = r.sha256
LEFT JOIN core.admin_units c
    ON c.admin_map = r.admin_map AND c.level = 'commune' AND c.code = r.commune_code
LEFT JOIN core.admin_units d
    ON d.admin_map = r.admin_map AND d.level = 'district' AND d.code = r.district_code
LEFT JOIN core.periods p ON p.period = r.period;

-- Every figure of every current report (status accepted), with where it was read; value is the
-- value in force, value_read what the file said, corrected_by who changed it at the desk.
CREATE OR REPLACE VIEW main.observations AS
SELECT r.admin_map, r.commune_code, c.name AS commune_name, r.district_code,
       d.name AS district_name, r.province_code, r.period, p.label AS period_label,
       r.period_start, r.period_end,
       r.cumulative, i.position, o.code, i.label, o.unit, i.kind, o.value,
       CASE WHEN i.kind = 'choice'
           THEN map_extract_value(i.choices, TRY_CAST(o.value AS INTEGER)) END AS choice_label,
       o.raw, o.present, o.page, o.sheet, o.cell, o.line, o.bbox, o.word_table, o.word_row,
       r.report_id, r.report_date, r.doc_number, o.run_id,
       -- A correction keeps what the file said, blank included: NULL there is "trống", never
       -- the value in force.
       CASE WHEN k.action_id IS NULL THEN o.value ELSE k.value_read END AS value_read,
       CASE WHEN k.value IS DISTINCT FROM k.value_read THEN k.user_name END AS corrected_by,
       CASE WHEN k.value IS DISTINCT FROM k.value_read THEN k.corrected_at END AS corrected_at
FROM core.reports r
JOIN core.observations o ON o.report_id = r.report_id
LEFT JOIN (SELECT * FROM core.corrections
           QUALIFY row_number() OVER (PARTITION BY report_id, code ORDER BY corrected_at DESC) = 1
          ) k ON k.report_id = o.report_id AND k.code = o.code
LEFT JOIN core.template_indicators i
    ON i.template = r.template AND i.version = r.template_version AND i.code = o.code
LEFT JOIN core.admin_units c
    ON c.admin_map = r.admin_map AND c.level = 'commune' AND c.code = r.commune_code
LEFT JOIN core.admin_units d
    ON d.admin_map = r.admin_map AND d.level = 'district' AND d.code = r.district_code
LEFT JOIN core.periods p ON p.period = r.period
WHERE r.status = 'accepted';

-- Every issue found in a report, with the file it came from (those in force: an officer's
-- correction re-validates the report and its new issues replace the old).
CREATE OR REPLACE VIEW main.issues AS
SELECT i.report_id, i.submission_id, s.file_name, r.admin_map, r.commune_code,
       c.name AS commune_name,
       r.period, r.status AS report_status, i.rule, i.severity, i.codes, i.message, i.run_id
FROM core.issues i
LEFT JOIN core.submissions s ON s.submission_id = i.submission_id
LEFT JOIN core.reports r ON r.report_id = i.report_id
LEFT JOIN core.admin_units c
    ON c.admin_map = r.admin_map AND c.level = 'commune' AND c.code = r.commune_code
WHERE i.replaced_by IS NULL;

-- The district's consolidated figures: one row per district x period x value indicator.
-- Districts exist on the legacy map only (they ended on 2025-06-30).
CREATE OR REPLACE VIEW main.district_rollup AS
SELECT a.admin_map, a.area_code AS district_code, d.name AS district_name, d.province_code,
       a.period,
       p.label AS period_label, p.cumulative, a.position, a.code, a.label, a.unit, a.kind,
       a.aggregation, a.value, a.n_reporting, a.n_submitted, a.n_expected, a.n_weighted,
       a.share, a.mean, a.min, a.max, a.by_code
FROM core.rollups a
LEFT JOIN core.admin_units d
    ON d.admin_map = a.admin_map AND d.level = 'district' AND d.code = a.area_code
LEFT JOIN core.periods p ON p.period = a.period
WHERE a.level = 'district' AND a.admin_map = 'legacy';

-- The same across the province's communes, per map: a report counts toward the roll-up of
-- the map it is on only (a 2025-H1 report of a new commune, sent in July, is on '2025').
CREATE OR REPLACE VIEW main.province_rollup AS
SELECT a.admin_map, a.area_code AS province_code, u.name AS province_name, a.period,
       p.label AS period_label, p.cumulative, a.position, a.code, a.label, a.unit, a.kind,
       a.aggregation, a.value, a.n_reporting, a.n_submitted, a.n_expected, a.n_weighted,
       a.share, a.mean, a.min, a.max, a.by_code
FROM core.rollups a
LEFT JOIN core.admin_units u
    ON u.admin_map = a.admin_map AND u.level = 'province' AND u.code = a.area_code
LEFT JOIN core.periods p ON p.period = a.period
WHERE a.level = 'province';

-- Each 2025 commune's predecessors summed: the legacy communes that went into it, per legacy
-- period, by the same rules as the district roll-up. comparable is false when a predecessor was
-- split (part of its figures belong to another 2025 commune): compare such a sum with care.
CREATE OR REPLACE VIEW main.successor_rollup AS
WITH lineage AS (
    SELECT new_code, bool_and(whole) AS comparable FROM core.admin_lineage GROUP BY new_code
)
SELECT a.area_code AS new_commune_code, u.name AS new_commune_name, u.province_code, a.period,
       p.label AS period_label, p.cumulative, a.position, a.code, a.label, a.unit, a.kind,
       a.aggregation, a.value, a.n_reporting, a.n_submitted, a.n_expected, l.comparable,
       a.n_weighted, a.share, a.mean, a.min, a.max, a.by_code
FROM core.rollups a
JOIN lineage l ON l.new_code = a.area_code
LEFT JOIN core.admin_units u
    ON u.admin_map = a.admin_map AND u.level = 'commune' AND u.code = a.area_code
LEFT JOIN core.periods p ON p.period = a.period
WHERE a.level = 'successor' AND a.admin_map = '2025';

-- Who has reported: every commune of every area x period with at least one report of that
-- map: on the legacy map per district, on the 2025 map (no districts) per province.
CREATE OR REPLACE VIEW main.completeness AS
WITH district_cells AS (
    SELECT DISTINCT admin_map, district_code, period FROM core.reports
    WHERE admin_map = 'legacy' AND district_code IS NOT NULL AND period IS NOT NULL
), province_cells AS (
    SELECT DISTINCT admin_map, province_code, period FROM core.reports
    WHERE admin_map = '2025' AND province_code IS NOT NULL AND period IS NOT NULL
), cells AS (
    SELECT u.admin_map, u.province_code, u.district_code, c.period, u.code, u.name
    FROM district_cells c
    JOIN core.admin_units u ON u.admin_map = c.admin_map AND u.level = 'commune'
        AND u.district_code = c.district_code
    UNION ALL
    SELECT u.admin_map, u.province_code, u.district_code, c.period, u.code, u.name
    FROM province_cells c
    JOIN core.admin_units u ON u.admin_map = c.admin_map AND u.level = 'commune'
        AND u.province_code = c.province_code
), speaking AS (
    SELECT *, count(*) OVER (PARTITION BY admin_map, commune_code, period) AS n_reports,
           row_number() OVER (PARTITION BY admin_map, commune_code, period
                              ORDER BY status = 'accepted' DESC, received_at DESC, report_id)
               AS rank
    FROM core.reports
    WHERE commune_code IS NOT NULL AND period IS NOT NULL AND reread_by IS NULL
)
SELECT c.admin_map, c.province_code, c.district_code, d.name AS district_name, c.period,
       c.code AS commune_code, c.name AS commune_name,
       CASE s.status WHEN 'accepted' THEN 'submitted' WHEN 'rejected' THEN 'rejected'
           ELSE 'missing' END AS status,
       s.report_id, s.report_date, s.doc_number, s.received_at,
       coalesce(s.n_reports, 0) AS n_reports
FROM cells c
LEFT JOIN core.admin_units d
    ON d.admin_map = c.admin_map AND d.level = 'district' AND d.code = c.district_code
LEFT JOIN speaking s
    ON s.admin_map = c.admin_map AND s.commune_code = c.code AND s.period = c.period
    AND s.rank = 1;

-- The reform's lineage with names: which legacy commune went into which 2025 commune.
CREATE OR REPLACE VIEW main.lineage AS
SELECT l.old_code, o.name AS old_name, o.district_code AS old_district_code,
       d.name AS old_district_name, o.province_code AS old_province_code, l.new_code,
       n.name AS new_name, n.province_code AS new_province_code, l.whole, l.is_default
FROM core.admin_lineage l
LEFT JOIN core.admin_units o
    ON o.admin_map = 'legacy' AND o.level = 'commune' AND o.code = l.old_code
LEFT JOIN core.admin_units d
    ON d.admin_map = 'legacy' AND d.level = 'district' AND d.code = o.district_code
LEFT JOIN core.admin_units n
    ON n.admin_map = '2025' AND n.level = 'commune' AND n.code = l.new_code;

-- Every message fetched from the office mailbox, once each (UIDVALIDITY and UID), with the
-- communes its sender's address is registered to and whether it was answered.
CREATE OR REPLACE VIEW main.mail_messages AS
SELECT m.mail_id, m.mailbox, m.uidvalidity, m.uid, m.message_id, m.sender, m.sender_name,
       m.subject, m.sent_at, m.arrived_at, m.fetched_at, m.size, m.n_files, m.reason,
       m.automatic, m.marked_at,
       (SELECT list(e.commune_code ORDER BY e.commune_code) FROM core.commune_emails e
        WHERE e.address = m.sender) AS sender_communes,
       (SELECT max(s.sent_at) FROM core.mail_sent s
        WHERE s.mail_id = m.mail_id AND s.mode = 'sent') AS answered_at
FROM core.mail_messages m;

-- How each file came into the inbox (the office mailbox, the desk's upload, another way),
-- with the message it came in and what the night made of it.
CREATE OR REPLACE VIEW main.arrivals AS
SELECT a.inbox_path, a.sha256, a.received_via, a.arrived_at, a.attachment_name, a.member_name,
       a.note, m.mail_id, m.message_id, m.sender, m.subject, m.sent_at, s.submission_id,
       s.status
FROM core.arrivals a
LEFT JOIN core.mail_messages m ON m.mail_id = a.mail_id
LEFT JOIN core.submissions s ON s.inbox_path = a.inbox_path AND s.sha256 = a.sha256;

-- Every message cchc sent a commune, wrote as a dry run, or failed to send: who, when, what.
CREATE OR REPLACE VIEW main.mail_sent AS
SELECT sent_id, kind, mode, to_address, mail_id, admin_map, commune_code, period, subject,
       body, message_id, sent_at, eml_path, error
FROM core.mail_sent;
