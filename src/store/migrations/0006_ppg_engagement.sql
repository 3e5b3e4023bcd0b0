-- 0006: patient partnership, the engagement record (docs/engagement.md):
-- service changes, engagement activities and the groups that took part,
-- "you said, we did" feedback, and who was involved in each change at each
-- stage of the commissioning cycle. Codes are the lower-case codes of
-- pcn/ppg.h; dates are days since 1970-01-01; editable rows carry a version.

-- A service change the network makes (the co-production record).
CREATE TABLE ppg_change (
  id          INTEGER PRIMARY KEY,
  network     TEXT NOT NULL REFERENCES network (code),
  title       TEXT NOT NULL,
  description TEXT,
  started     INTEGER,
  version     INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ppg_change_network ON ppg_change (network);

CREATE TABLE ppg_activity (
  id        INTEGER PRIMARY KEY,
  network   TEXT NOT NULL REFERENCES network (code),
  kind      TEXT NOT NULL CHECK (kind IN ('survey', 'meeting', 'focus_group', 'co_design',
                                          'consultation', 'ppg_project')),
  rung      TEXT NOT NULL CHECK (rung IN ('inform', 'consult', 'involve', 'collaborate',
                                          'co_produce')),
  title     TEXT NOT NULL,
  held      INTEGER NOT NULL,
  people    INTEGER CHECK (people >= 0),
  questions TEXT,
  heard     TEXT,
  change_id INTEGER REFERENCES ppg_change (id),
  version   INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX ppg_activity_network ON ppg_activity (network, held);

-- The groups that took part in an activity.
CREATE TABLE ppg_activity_group (
  activity_id INTEGER NOT NULL REFERENCES ppg_activity (id) ON DELETE CASCADE,
  group_id    INTEGER NOT NULL REFERENCES ppg_group (id),
  PRIMARY KEY (activity_id, group_id)
);
CREATE INDEX ppg_activity_group_group ON ppg_activity_group (group_id);

-- "You said, we did". Only rows with published = 1 reach the public page.
CREATE TABLE ppg_feedback (
  id           INTEGER PRIMARY KEY,
  network      TEXT NOT NULL REFERENCES network (code),
  group_id     INTEGER REFERENCES ppg_group (id),
  activity_id  INTEGER REFERENCES ppg_activity (id),
  received     INTEGER NOT NULL,
  said         TEXT NOT NULL,
  response     TEXT,
  responded    INTEGER,
  outcome      TEXT NOT NULL CHECK (outcome IN ('open', 'in_progress', 'done', 'not_possible')),
  reason       TEXT,
  outcome_date INTEGER,
  published    INTEGER NOT NULL DEFAULT 0 CHECK (published IN (0, 1)),
  version      INTEGER NOT NULL DEFAULT 1,
  CHECK (outcome <> 'not_possible' OR reason IS NOT NULL),
  CHECK (published = 0 OR response IS NOT NULL)
);
CREATE INDEX ppg_feedback_network ON ppg_feedback (network, received);

-- Who was involved in a change at one stage of the commissioning cycle: a
-- group (group_id) or someone else (who), never both.
CREATE TABLE ppg_involvement (
  id          INTEGER PRIMARY KEY,
  change_id   INTEGER NOT NULL REFERENCES ppg_change (id),
  stage       TEXT NOT NULL CHECK (stage IN ('needs', 'design', 'procurement', 'monitoring',
                                             'evaluation')),
  group_id    INTEGER REFERENCES ppg_group (id),
  who         TEXT,
  rung        TEXT NOT NULL CHECK (rung IN ('inform', 'consult', 'involve', 'collaborate',
                                            'co_produce')),
  date        INTEGER NOT NULL,
  people      INTEGER CHECK (people >= 0),
  activity_id INTEGER REFERENCES ppg_activity (id),
  note        TEXT,
  CHECK ((group_id IS NULL) <> (who IS NULL))
);
CREATE INDEX ppg_involvement_change ON ppg_involvement (change_id, date);
