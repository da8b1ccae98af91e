-- Survey answers are keyed by ID (the item's and the survey type, as the
-- desk writes them), so that appending an answer again is a no-op.
CREATE TABLE feedback_answers (
	id   TEXT PRIMARY KEY,
	body TEXT NOT NULL
) WITHOUT ROWID;

INSERT OR IGNORE INTO feedback_answers (id, body)
SELECT json_extract(body, '$.item_id') || '/' || json_extract(body, '$.type'),
       json_set(body, '$.id', json_extract(body, '$.item_id') || '/' || json_extract(body, '$.type'))
FROM feedback_surveys ORDER BY n;

DROP TABLE feedback_surveys;
