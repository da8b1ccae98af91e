-- The loop's results: one row per customer and run, and one per period.
-- Bodies are the records' JSON; keys are columns, so a host can ask SQL
-- for every Platinum customer of the last run (json_extract(body, '$.tier')).
CREATE TABLE cycle_results (
	as_of       INTEGER NOT NULL,
	customer_id TEXT NOT NULL,
	body        TEXT NOT NULL,
	PRIMARY KEY (as_of, customer_id)
) WITHOUT ROWID;
CREATE INDEX cycle_results_customer ON cycle_results (customer_id, as_of);

CREATE TABLE cycle_periods (
	as_of INTEGER PRIMARY KEY,
	body  TEXT NOT NULL
);

-- The monitor's alerts, versioned documents by ID.
CREATE TABLE alerts (
	id      TEXT PRIMARY KEY,
	version INTEGER NOT NULL,
	body    TEXT NOT NULL
) WITHOUT ROWID;
