-- Multi-agency audits, and returns: the one mechanism for asking an agency (and the person it
-- names) for a structured answer to a question set by a date. Audits are its first user.
-- Kept identical to migrations/sqlite/0017_audits_and_returns.sql.

-- Question sets are data with versions: a change of wording applies to returns already open on
-- a version; a new line or a new scale is a new version, and open returns keep theirs.
CREATE TABLE question_set (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    version BIGINT NOT NULL,
    -- JSON arrays of text: the lines (questions) and the grading scale, best grade first.
    lines TEXT NOT NULL,
    scale TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX question_set_partnership ON question_set (partnership_id, kind, name, version);

CREATE TABLE audit (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    year BIGINT NOT NULL,
    title TEXT NOT NULL,
    reason TEXT NOT NULL,
    -- The review, inspection, indicator or single-agency audit that prompted it ("kind:id"), if any.
    prompted_by TEXT,
    group_id TEXT REFERENCES partnership_group(id),
    lead_person_id TEXT REFERENCES person(id),
    question_set_id TEXT NOT NULL REFERENCES question_set(id),
    stage TEXT NOT NULL,
    fieldwork_on TEXT NOT NULL,
    returns_due_on TEXT NOT NULL,
    workshop_on TEXT,
    report_due_on TEXT,
    reported_on TEXT,
    reaudit_of TEXT REFERENCES audit(id),
    -- The overview report: what the audit found, in the partnership's words.
    report_summary TEXT NOT NULL DEFAULT '',
    report_strengths TEXT NOT NULL DEFAULT '',
    report_improvements TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX audit_programme ON audit (partnership_id, year, fieldwork_on);

CREATE TABLE audit_agency (
    audit_id TEXT NOT NULL REFERENCES audit(id),
    agency_id TEXT NOT NULL REFERENCES agency(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    PRIMARY KEY (audit_id, agency_id)
);

-- Which participating agencies came to the workshop.
CREATE TABLE audit_attendance (
    audit_id TEXT NOT NULL REFERENCES audit(id),
    agency_id TEXT NOT NULL REFERENCES agency(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    PRIMARY KEY (audit_id, agency_id)
);

-- Children's and young people's views on the audit's theme: how they were gathered, from whom
-- (groups, never names), what they said.
CREATE TABLE audit_voice (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    audit_id TEXT NOT NULL REFERENCES audit(id),
    gathered_how TEXT NOT NULL,
    from_whom TEXT NOT NULL,
    said TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX audit_voice_audit ON audit_voice (audit_id, created_at);

-- The case sample: pseudonymised labels only ("Child A"), restricted like a case review.
CREATE TABLE audit_case (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    audit_id TEXT NOT NULL REFERENCES audit(id),
    label TEXT NOT NULL,
    -- The case review about the same child, if there is one (for the independence rule).
    case_review_id TEXT REFERENCES case_review(id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX audit_case_label ON audit_case (audit_id, label);

CREATE TABLE audit_case_agency (
    case_id TEXT NOT NULL REFERENCES audit_case(id),
    agency_id TEXT NOT NULL REFERENCES agency(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    PRIMARY KEY (case_id, agency_id)
);

-- What a practitioner declared of their involvement in a sample case.
CREATE TABLE audit_involvement (
    case_id TEXT NOT NULL REFERENCES audit_case(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    note TEXT NOT NULL,
    declared_at TEXT NOT NULL,
    PRIMARY KEY (case_id, person_id)
);

-- Every refused assignment of an auditor, with its reason.
CREATE TABLE audit_refusal (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    case_id TEXT NOT NULL REFERENCES audit_case(id),
    person_id TEXT NOT NULL REFERENCES person(id),
    reason TEXT NOT NULL,
    refused_by TEXT NOT NULL,
    refused_at TEXT NOT NULL
);
CREATE INDEX audit_refusal_case ON audit_refusal (case_id, refused_at);

-- A return: one agency's answer, about one subject (an audit's sample case), to a question set.
CREATE TABLE return_request (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    agency_id TEXT NOT NULL REFERENCES agency(id),
    assignee_id TEXT REFERENCES person(id),
    question_set_id TEXT NOT NULL REFERENCES question_set(id),
    due_on TEXT NOT NULL,
    state TEXT NOT NULL,
    -- The current answers: a JSON array of text, one per line of the question set.
    answers TEXT NOT NULL,
    grade TEXT NOT NULL,
    strengths TEXT NOT NULL,
    improvements TEXT NOT NULL,
    -- The grade agreed at the workshop, kept beside the original.
    moderated_grade TEXT,
    -- The assurance the partnership takes from the return (single-agency assurance: full,
    -- partial, limited), and why.
    judgement TEXT,
    judgement_reason TEXT NOT NULL DEFAULT '',
    sent_back_note TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX return_request_one ON return_request (source_kind, source_id, subject_id, agency_id);
CREATE INDEX return_request_agency ON return_request (partnership_id, agency_id, state, due_on);
CREATE INDEX return_request_assignee ON return_request (assignee_id, state);
CREATE INDEX return_request_due ON return_request (partnership_id, due_on);

-- Every submission of a return, as it was sent.
CREATE TABLE return_version (
    return_id TEXT NOT NULL REFERENCES return_request(id),
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    number BIGINT NOT NULL,
    answers TEXT NOT NULL,
    grade TEXT NOT NULL,
    strengths TEXT NOT NULL,
    improvements TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_at TEXT NOT NULL,
    PRIMARY KEY (return_id, number)
);

-- Single-agency assurance: each year, every agency reports its own quality-assurance activity
-- as a return (subject: the agency itself), and the partnership records the assurance it takes.
CREATE TABLE assurance_round (
    id TEXT PRIMARY KEY,
    partnership_id TEXT NOT NULL REFERENCES partnership(id),
    year BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    question_set_id TEXT NOT NULL REFERENCES question_set(id),
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX assurance_round_year ON assurance_round (partnership_id, year);
