-- Survey responses (feedback.ResponseStore): an append-only log, read per
-- instrument by ID.
CREATE TABLE survey_responses (
	id         TEXT PRIMARY KEY,
	instrument TEXT NOT NULL,
	body       TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX survey_responses_instrument ON survey_responses (instrument, id);
