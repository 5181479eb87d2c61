-- A review's agency summaries (rapid review) and agency reports (commissioned review) become
-- returns (MODEL.md), the one mechanism for asking an agency for an answer by a date: one
-- question set per partnership and kind, each summary a return on the case review whose
-- subject is the kind, each submission a version. Then the old table goes.
-- The SQLite twin differs only in how it makes an id and a JSON array.

INSERT INTO question_set (id, partnership_id, kind, name, version, lines, scale, created_at)
SELECT gen_random_uuid()::text,
       s.partnership_id, 'case-review', k.name, 1, k.lines, '[]', MIN(s.requested_at)
FROM agency_summary s
JOIN (SELECT 'rapid-review' AS kind, 'Agency summary for a rapid review' AS name,
             '["Chronology of your agency''s involvement","Analysis: what went well, what could have been done differently, and any learning"]' AS lines
      UNION ALL
      SELECT 'review', 'Agency report and chronology for a review',
             '["Chronology of your agency''s involvement","Report: your agency''s analysis of its practice and its own learning"]') k
  ON k.kind = s.kind
GROUP BY s.partnership_id, k.name, k.lines;

INSERT INTO return_request (id, partnership_id, source_kind, source_id, subject_id, agency_id,
    assignee_id, question_set_id, due_on, state, answers, grade, strengths, improvements,
    moderated_grade, judgement, judgement_reason, sent_back_note, requested_at, updated_at)
SELECT s.id, s.partnership_id, 'case_review', s.review_id, s.kind, s.agency_id, NULL, q.id, s.due_on,
       CASE WHEN s.submitted_at IS NOT NULL THEN 'submitted'
            WHEN s.chronology = '' AND s.analysis = '' THEN 'requested'
            ELSE 'draft' END,
       json_build_array(s.chronology, s.analysis)::text, '', '', '', NULL, NULL, '', '',
       s.requested_at, COALESCE(s.submitted_at, s.requested_at)
FROM agency_summary s
JOIN question_set q ON q.partnership_id = s.partnership_id AND q.kind = 'case-review'
  AND q.name = CASE s.kind WHEN 'review' THEN 'Agency report and chronology for a review'
                           ELSE 'Agency summary for a rapid review' END;

-- Who submitted: the person the audit trail names, where it does.
INSERT INTO return_version (return_id, partnership_id, number, answers, grade, strengths,
    improvements, submitted_by, submitted_at)
SELECT s.id, s.partnership_id, 1, json_build_array(s.chronology, s.analysis)::text, '', '', '',
       COALESCE((SELECT e.actor_id FROM audit_event e WHERE e.target_kind = 'case_review'
                   AND e.target_id = s.review_id AND e.action = 'case.summary.submit'
                   AND e.actor_label = s.submitted_by AND e.actor_id IS NOT NULL
                 ORDER BY e.seq DESC LIMIT 1), s.submitted_by, ''),
       s.submitted_at
FROM agency_summary s WHERE s.submitted_at IS NOT NULL;

DROP TABLE agency_summary;
