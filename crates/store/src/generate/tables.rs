//! The bulk-insert buffer of every table the generator writes, with its `INSERT` head.

use super::bulk::Bulk;

/// Every table written, in an order that satisfies the foreign keys.
pub(super) struct Tables {
    pub(super) agency: Bulk,
    pub(super) group: Bulk,
    pub(super) person: Bulk,
    pub(super) membership: Bulk,
    pub(super) group_terms: Bulk,
    pub(super) meeting: Bulk,
    pub(super) agenda_item: Bulk,
    pub(super) attendance: Bulk,
    pub(super) decision: Bulk,
    pub(super) escalation: Bulk,
    pub(super) escalation_step: Bulk,
    pub(super) question_set: Bulk,
    /// Section 11 frameworks: question sets with prompts that rate each line.
    pub(super) s11_question_set: Bulk,
    pub(super) section11_cycle: Bulk,
    pub(super) audit: Bulk,
    pub(super) audit_agency: Bulk,
    pub(super) audit_case: Bulk,
    pub(super) audit_case_agency: Bulk,
    pub(super) return_request: Bulk,
    /// Self-assessments: returns with a rating and a mark per line.
    pub(super) s11_return: Bulk,
    pub(super) return_version: Bulk,
    pub(super) s11_version: Bulk,
    pub(super) return_challenge: Bulk,
    pub(super) audit_voice: Bulk,
    pub(super) assurance_round: Bulk,
    pub(super) inspection: Bulk,
    pub(super) inspection_agency: Bulk,
    pub(super) inspection_progress: Bulk,
    pub(super) cdop_report: Bulk,
    pub(super) campaign: Bulk,
    pub(super) voice_event: Bulk,
    pub(super) voice_priority: Bulk,
    pub(super) voice_answer: Bulk,
    pub(super) case_review: Bulk,
    pub(super) case_referral: Bulk,
    pub(super) case_subject: Bulk,
    pub(super) case_agency: Bulk,
    pub(super) case_panel: Bulk,
    pub(super) rapid_review: Bulk,
    pub(super) review_terms: Bulk,
    pub(super) review_event: Bulk,
    pub(super) review_publication: Bulk,
    pub(super) finding: Bulk,
    pub(super) recommendation: Bulk,
    pub(super) recommendation_agency: Bulk,
    pub(super) tagging: Bulk,
    pub(super) action_plan: Bulk,
    pub(super) action: Bulk,
    pub(super) action_agency: Bulk,
    pub(super) action_revision: Bulk,
    pub(super) action_update: Bulk,
    pub(super) file_object: Bulk,
    pub(super) action_evidence: Bulk,
    pub(super) impact_review: Bulk,
    pub(super) course: Bulk,
    pub(super) training_need: Bulk,
    pub(super) indicator: Bulk,
    pub(super) indicator_value: Bulk,
    pub(super) indicator_benchmark: Bulk,
    pub(super) deep_dive: Bulk,
    pub(super) course_answers: Bulk,
    pub(super) course_session: Bulk,
    pub(super) booking: Bulk,
    /// Evaluations and three-month follow-ups: returns with ratings, or a line manager's address.
    pub(super) training_return: Bulk,
    pub(super) training_version: Bulk,
}

impl Tables {
    pub(super) fn new() -> Tables {
        Tables {
            agency: Bulk::new(
                "agency",
                "INSERT INTO agency (id, partnership_id, name, sector, statutory_partner, active, created_at, updated_at) VALUES ",
                8,
            ),
            group: Bulk::new(
                "partnership_group",
                "INSERT INTO partnership_group (id, partnership_id, name, kind, reports_to_id, created_at, updated_at) VALUES ",
                7,
            ),
            person: Bulk::new(
                "person",
                "INSERT INTO person (id, email, name, job_title, password_hash, password_changed_at, active, created_at, updated_at) VALUES ",
                9,
            ),
            membership: Bulk::new(
                "membership",
                "INSERT INTO membership (id, person_id, partnership_id, role, agency_id, group_id, created_at) VALUES ",
                7,
            ),
            group_terms: Bulk::new(
                "group_terms",
                "INSERT INTO group_terms (id, partnership_id, group_id, version, purpose, aims, functions, core_agencies, \
                 invited_agencies, chair_person_id, chair_appointed_by, deputy_person_id, deputy_appointed_by, frequency, \
                 meeting_minutes, outputs, admin_support, agreed_on, review_due, changed_by, changed_at) VALUES ",
                21,
            ),
            meeting: Bulk::new(
                "meeting",
                "INSERT INTO meeting (id, partnership_id, group_id, starts_at, length_minutes, place, online_link, status, \
                 agenda_issued_at, sequence, created_at, updated_at) VALUES ",
                12,
            ),
            agenda_item: Bulk::new(
                "agenda_item",
                "INSERT INTO agenda_item (id, partnership_id, meeting_id, position, kind, title, detail, link, minutes, created_at) VALUES ",
                10,
            ),
            attendance: Bulk::new(
                "attendance",
                "INSERT INTO attendance (id, partnership_id, meeting_id, name, person_id, agency_id, status, deputising_for, created_at) VALUES ",
                9,
            ),
            decision: Bulk::new(
                "decision",
                "INSERT INTO decision (id, partnership_id, meeting_id, number, text, created_at) VALUES ",
                6,
            ),
            escalation: Bulk::new(
                "escalation",
                "INSERT INTO escalation (id, partnership_id, group_id, meeting_id, title, detail, stage, raised_on, raised_by, \
                 created_at, updated_at) VALUES ",
                11,
            ),
            escalation_step: Bulk::new(
                "escalation_step",
                "INSERT INTO escalation_step (id, partnership_id, escalation_id, step, on_date, note, by_person, created_at) VALUES ",
                8,
            ),
            question_set: Bulk::new(
                "question_set",
                "INSERT INTO question_set (id, partnership_id, kind, name, version, lines, scale, created_at) VALUES ",
                8,
            ),
            s11_question_set: Bulk::new(
                "question_set",
                "INSERT INTO question_set (id, partnership_id, kind, name, version, lines, scale, created_at, \
                 prompts, rates_lines) VALUES ",
                10,
            ),
            section11_cycle: Bulk::new(
                "section11_cycle",
                "INSERT INTO section11_cycle (id, partnership_id, title, question_set_id, opened_on, due_on, board_on, \
                 created_at) VALUES ",
                8,
            ),
            audit: Bulk::new(
                "audit",
                "INSERT INTO audit (id, partnership_id, year, title, reason, prompted_by, group_id, lead_person_id, \
                 question_set_id, stage, fieldwork_on, returns_due_on, workshop_on, report_due_on, reported_on, \
                 reaudit_of, report_summary, report_strengths, report_improvements, created_at, updated_at) VALUES ",
                21,
            ),
            audit_agency: Bulk::new(
                "audit_agency",
                "INSERT INTO audit_agency (audit_id, agency_id, partnership_id) VALUES ",
                3,
            ),
            audit_case: Bulk::new(
                "audit_case",
                "INSERT INTO audit_case (id, partnership_id, audit_id, label, case_review_id, created_at) VALUES ",
                6,
            ),
            audit_case_agency: Bulk::new(
                "audit_case_agency",
                "INSERT INTO audit_case_agency (case_id, agency_id, partnership_id) VALUES ",
                3,
            ),
            return_request: Bulk::new(
                "return_request",
                "INSERT INTO return_request (id, partnership_id, source_kind, source_id, subject_id, agency_id, \
                 assignee_id, question_set_id, due_on, state, answers, grade, strengths, improvements, \
                 moderated_grade, sent_back_note, judgement, judgement_reason, requested_at, updated_at) VALUES ",
                20,
            ),
            s11_return: Bulk::new(
                "return_request",
                "INSERT INTO return_request (id, partnership_id, source_kind, source_id, subject_id, agency_id, \
                 assignee_id, question_set_id, due_on, state, answers, grade, strengths, improvements, \
                 moderated_grade, sent_back_note, judgement, judgement_reason, requested_at, updated_at, \
                 ratings, marks, moderated_ratings, carried_from, carried_answers, carried_ratings) VALUES ",
                26,
            ),
            s11_version: Bulk::new(
                "return_version",
                "INSERT INTO return_version (return_id, partnership_id, number, answers, grade, strengths, \
                 improvements, submitted_by, submitted_at, ratings) VALUES ",
                10,
            ),
            return_challenge: Bulk::new(
                "return_challenge",
                "INSERT INTO return_challenge (id, partnership_id, return_id, line, challenge, moderated_rating, \
                 raised_by, raised_at, response, responded_by, responded_at) VALUES ",
                11,
            ),
            return_version: Bulk::new(
                "return_version",
                "INSERT INTO return_version (return_id, partnership_id, number, answers, grade, strengths, \
                 improvements, submitted_by, submitted_at) VALUES ",
                9,
            ),
            audit_voice: Bulk::new(
                "audit_voice",
                "INSERT INTO audit_voice (id, partnership_id, audit_id, gathered_how, from_whom, said, recorded_by, \
                 created_at) VALUES ",
                8,
            ),
            assurance_round: Bulk::new(
                "assurance_round",
                "INSERT INTO assurance_round (id, partnership_id, year, due_on, question_set_id, created_at, kind) VALUES ",
                7,
            ),
            case_review: Bulk::new(
                "case_review",
                "INSERT INTO case_review (id, partnership_id, reference, origin, category, stage, aware_on, notified_on, \
                 panel_reference, summary, oversight_group_id, restricted, created_by, created_at, updated_at, \
                 rapid_review_sent_on, review_type, decided_on, reviewer_name, publication, published_on, \
                 publication_planned_on, report_sent_on) VALUES ",
                23,
            ),
            case_referral: Bulk::new(
                "case_referral",
                "INSERT INTO case_referral (review_id, partnership_id, source, referrer, reason, question, referred_by, \
                 referrer_person_id, referred_at) VALUES ",
                9,
            ),
            case_subject: Bulk::new(
                "case_subject",
                "INSERT INTO case_subject (id, partnership_id, review_id, pseudonym, real_name, created_at) VALUES ",
                6,
            ),
            case_agency: Bulk::new(
                "case_agency",
                "INSERT INTO case_agency (partnership_id, review_id, agency_id) VALUES ",
                3,
            ),
            case_panel: Bulk::new(
                "case_panel",
                "INSERT INTO case_panel (partnership_id, review_id, person_id, added_at) VALUES ",
                4,
            ),
            rapid_review: Bulk::new(
                "rapid_review",
                "INSERT INTO rapid_review (review_id, partnership_id, facts, safety_assurance, safety_by, learning, \
                 recommendation, reasons, recorded_by, recorded_at, signed_off_by, signed_off_on, sent_to_panel_on, \
                 panel_response, panel_response_on) VALUES ",
                15,
            ),
            review_terms: Bulk::new(
                "review_terms",
                "INSERT INTO review_terms (review_id, partnership_id, scope_from, scope_to, lines_of_enquiry, methodology, \
                 proportionality, reviewer_name, reviewer_independence, reviewer_reason, family_involvement, agreed_on, \
                 recorded_by, recorded_at) VALUES ",
                14,
            ),
            review_event: Bulk::new(
                "review_event",
                "INSERT INTO review_event (id, partnership_id, review_id, held_on, title, attendees, notes, recorded_by, recorded_at) VALUES ",
                9,
            ),
            review_publication: Bulk::new(
                "review_publication",
                "INSERT INTO review_publication (review_id, partnership_id, decision, public_interest, child_welfare, \
                 legal_restrictions, criminal_proceedings, decided_on, sent_to_panel_on, planned_on, published_on, link, \
                 recorded_by, recorded_at) VALUES ",
                14,
            ),
            finding: Bulk::new(
                "finding",
                "INSERT INTO finding (id, partnership_id, review_id, number, body, created_by, created_at) VALUES ",
                7,
            ),
            recommendation: Bulk::new(
                "recommendation",
                "INSERT INTO recommendation (id, partnership_id, source_kind, source_id, number, body, addressed_to, \
                 created_by, created_at, updated_at) VALUES ",
                10,
            ),
            recommendation_agency: Bulk::new(
                "recommendation_agency",
                "INSERT INTO recommendation_agency (recommendation_id, partnership_id, agency_id) VALUES ",
                3,
            ),
            tagging: Bulk::new(
                "tagging",
                "INSERT INTO tagging (partnership_id, theme_id, target_kind, target_id, created_at) VALUES ",
                5,
            ),
            inspection: Bulk::new(
                "inspection",
                "INSERT INTO inspection (id, partnership_id, inspectorate, other_name, theme, notice_on, started_on, \
                 ended_on, published_on, judgement, summary, created_by, created_at, updated_at) VALUES ",
                14,
            ),
            inspection_agency: Bulk::new(
                "inspection_agency",
                "INSERT INTO inspection_agency (inspection_id, partnership_id, agency_id) VALUES ",
                3,
            ),
            inspection_progress: Bulk::new(
                "inspection_progress",
                "INSERT INTO inspection_progress (id, inspection_id, partnership_id, reported_on, summary, created_by, \
                 created_at) VALUES ",
                7,
            ),
            cdop_report: Bulk::new(
                "cdop_report",
                "INSERT INTO cdop_report (id, partnership_id, year, deaths_reviewed, modifiable, themes, summary, \
                 meeting_id, published_on, created_by, created_at, updated_at) VALUES ",
                12,
            ),
            campaign: Bulk::new(
                "campaign",
                "INSERT INTO campaign (id, partnership_id, title, audience, channels, started_on, ended_on, reach, \
                 reach_note, created_by, created_at, updated_at) VALUES ",
                12,
            ),
            voice_event: Bulk::new(
                "voice_event",
                "INSERT INTO voice_event (id, partnership_id, kind, held_on, topic, took_part, heard, created_by, \
                 created_at, updated_at) VALUES ",
                10,
            ),
            voice_priority: Bulk::new(
                "voice_priority",
                "INSERT INTO voice_priority (id, partnership_id, year, position, body, created_by, created_at) VALUES ",
                7,
            ),
            voice_answer: Bulk::new(
                "voice_answer",
                "INSERT INTO voice_answer (recommendation_id, partnership_id, answer, updated_by, updated_at) VALUES ",
                5,
            ),
            action_plan: Bulk::new(
                "action_plan",
                "INSERT INTO action_plan (partnership_id, source_kind, source_id, group_id, impact_months, created_at) VALUES ",
                6,
            ),
            action: Bulk::new(
                "action",
                "INSERT INTO action (id, partnership_id, source_kind, source_id, group_id, description, lead_agency_id, \
                 owner_person_id, due_on, status, status_reason, created_by, created_at, updated_at, recommendation_id, \
                 success_measure, last_update_on, closed_on, signed_off_by, signed_off_at, impact_due_on, \
                 impact_reviewed_on) VALUES ",
                22,
            ),
            action_agency: Bulk::new(
                "action_agency",
                "INSERT INTO action_agency (action_id, partnership_id, agency_id) VALUES ",
                3,
            ),
            action_revision: Bulk::new(
                "action_revision",
                "INSERT INTO action_revision (id, partnership_id, action_id, from_on, to_on, reason, revised_by, revised_at) VALUES ",
                8,
            ),
            action_update: Bulk::new(
                "action_update",
                "INSERT INTO action_update (id, partnership_id, action_id, body, status_from, status_to, by_label, \
                 by_person_id, created_at) VALUES ",
                9,
            ),
            file_object: Bulk::new(
                "file_object",
                "INSERT INTO file_object (id, partnership_id, owner_kind, owner_id, name, content_type, size, sha256, \
                 storage_key, uploaded_by, created_at) VALUES ",
                11,
            ),
            action_evidence: Bulk::new(
                "action_evidence",
                "INSERT INTO action_evidence (id, partnership_id, action_id, update_id, file_id, created_at) VALUES ",
                6,
            ),
            impact_review: Bulk::new(
                "impact_review",
                "INSERT INTO impact_review (action_id, partnership_id, reviewed_on, sustained, made_difference, measure, \
                 notes, recorded_by, recorded_at) VALUES ",
                9,
            ),
            course: Bulk::new(
                "course",
                "INSERT INTO course (id, partnership_id, title, kind, level, outcomes, audience, description, \
                 created_by, created_at, updated_at) VALUES ",
                11,
            ),
            course_session: Bulk::new(
                "course_session",
                "INSERT INTO course_session (id, partnership_id, course_id, starts_at, length_minutes, venue, \
                 online_link, trainer_id, trainer_name, capacity, created_at, followed_up_on) VALUES ",
                12,
            ),
            booking: Bulk::new(
                "booking",
                "INSERT INTO booking (id, partnership_id, session_id, person_id, agency_id, manager_email, state, \
                 booked_by, booked_at, offered_until, offer_hash, changed_at) VALUES ",
                12,
            ),
            training_return: Bulk::new(
                "return_request",
                "INSERT INTO return_request (id, partnership_id, source_kind, source_id, subject_id, agency_id, \
                 assignee_id, question_set_id, due_on, state, answers, grade, strengths, improvements, \
                 moderated_grade, sent_back_note, requested_at, updated_at, ratings, respondent_email) VALUES ",
                20,
            ),
            indicator: Bulk::new(
                "indicator",
                "INSERT INTO indicator (id, partnership_id, name, definition, agency_id, unit, polarity, frequency, \
                 target, tolerance, published, created_by, created_at, added_on, retired_on) VALUES ",
                15,
            ),
            indicator_value: Bulk::new(
                "indicator_value",
                "INSERT INTO indicator_value (indicator_id, partnership_id, period, value, entered_by, entered_at) VALUES ",
                6,
            ),
            indicator_benchmark: Bulk::new(
                "indicator_benchmark",
                "INSERT INTO indicator_benchmark (indicator_id, partnership_id, period, name, value) VALUES ",
                5,
            ),
            deep_dive: Bulk::new(
                "deep_dive",
                "INSERT INTO deep_dive (id, partnership_id, title, question, indicator_id, meeting_id, group_id, \
                 due_on, question_set_id, discussion, created_by, created_at, updated_at) VALUES ",
                13,
            ),
            training_need: Bulk::new(
                "training_need",
                "INSERT INTO training_need (id, partnership_id, year, need, detail, origin, source_kind, source_id, \
                 agency_id, origin_note, priority, created_by, created_at) VALUES ",
                13,
            ),
            course_answers: Bulk::new(
                "course_answers",
                "INSERT INTO course_answers (course_id, partnership_id, target_kind, target_id) VALUES ",
                4,
            ),
            training_version: Bulk::new(
                "return_version",
                "INSERT INTO return_version (return_id, partnership_id, number, answers, grade, strengths, \
                 improvements, submitted_by, submitted_at, ratings) VALUES ",
                10,
            ),
        }
    }

    pub(super) fn all(&mut self) -> [&mut Bulk; 65] {
        [
            &mut self.agency,
            &mut self.group,
            &mut self.person,
            &mut self.membership,
            &mut self.group_terms,
            &mut self.meeting,
            &mut self.agenda_item,
            &mut self.attendance,
            &mut self.decision,
            &mut self.escalation,
            &mut self.escalation_step,
            &mut self.question_set,
            &mut self.s11_question_set,
            &mut self.section11_cycle,
            &mut self.audit,
            &mut self.assurance_round,
            &mut self.inspection,
            &mut self.inspection_agency,
            &mut self.inspection_progress,
            &mut self.cdop_report,
            &mut self.campaign,
            &mut self.voice_event,
            &mut self.voice_priority,
            &mut self.audit_agency,
            &mut self.audit_case,
            &mut self.audit_case_agency,
            &mut self.return_request,
            &mut self.s11_return,
            &mut self.return_version,
            &mut self.s11_version,
            &mut self.return_challenge,
            &mut self.audit_voice,
            &mut self.case_review,
            &mut self.case_referral,
            &mut self.case_subject,
            &mut self.case_agency,
            &mut self.case_panel,
            &mut self.rapid_review,
            &mut self.review_terms,
            &mut self.review_event,
            &mut self.review_publication,
            &mut self.finding,
            &mut self.recommendation,
            &mut self.recommendation_agency,
            &mut self.voice_answer,
            &mut self.tagging,
            &mut self.action_plan,
            &mut self.action,
            &mut self.action_agency,
            &mut self.action_revision,
            &mut self.action_update,
            &mut self.file_object,
            &mut self.action_evidence,
            &mut self.impact_review,
            &mut self.course,
            &mut self.training_need,
            &mut self.indicator,
            &mut self.indicator_value,
            &mut self.indicator_benchmark,
            &mut self.deep_dive,
            &mut self.course_answers,
            &mut self.course_session,
            &mut self.booking,
            &mut self.training_return,
            &mut self.training_version,
        ]
    }
}
