-- 0010: how a medicine is prescribed (acute or repeat, days of supply) and
-- what a contact was (mode, staff role, clinician, site, when it was
-- booked, whether the patient came): record.h's pcn_course, pcn_contact_mode,
-- pcn_encounter_role and pcn_encounter_attendance by name, NULL when unknown.
ALTER TABLE medication ADD COLUMN course TEXT;
ALTER TABLE medication ADD COLUMN duration_days INTEGER;
ALTER TABLE encounter ADD COLUMN mode TEXT;
ALTER TABLE encounter ADD COLUMN role TEXT;
ALTER TABLE encounter ADD COLUMN clinician TEXT;
ALTER TABLE encounter ADD COLUMN site TEXT;
ALTER TABLE encounter ADD COLUMN booked_date INTEGER;
ALTER TABLE encounter ADD COLUMN attendance TEXT;
