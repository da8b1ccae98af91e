-- crmkit sqlitestore schema, version 1.
--
-- Times are INTEGER Unix nanoseconds (UTC), so they sort and compare as
-- numbers; money is TEXT, exact decimal strings. Records whose shape is the
-- SDK's business (customers, segmentations, feedback items, roadmaps) keep a
-- JSON body beside the columns that are queried, ordered or versioned.

CREATE TABLE customers (
	id      TEXT PRIMARY KEY,
	version INTEGER NOT NULL,
	body    TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE transactions (
	id          TEXT PRIMARY KEY,
	customer_id TEXT NOT NULL,
	at          INTEGER NOT NULL,
	amount      TEXT NOT NULL,
	currency    TEXT NOT NULL,
	kind        TEXT NOT NULL,
	channel     TEXT NOT NULL,
	items       TEXT -- JSON array of line items, NULL when none
);
CREATE INDEX transactions_by_customer ON transactions (customer_id, at, id);
CREATE INDEX transactions_by_time ON transactions (at, id);

CREATE TABLE touchpoints (
	id          TEXT PRIMARY KEY,
	customer_id TEXT NOT NULL,
	at          INTEGER NOT NULL,
	channel     TEXT NOT NULL,
	kind        TEXT NOT NULL,
	experience  INTEGER NOT NULL,
	note        TEXT NOT NULL
);
CREATE INDEX touchpoints_by_customer ON touchpoints (customer_id, at, id);
CREATE INDEX touchpoints_by_time ON touchpoints (at, id);

CREATE TABLE segmentations (
	name    TEXT PRIMARY KEY,
	version INTEGER NOT NULL,
	body    TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE segment_snapshots (
	segmentation TEXT NOT NULL REFERENCES segmentations (name) ON DELETE CASCADE,
	as_of        INTEGER NOT NULL,
	counts       TEXT NOT NULL, -- JSON object segment → count
	total        INTEGER NOT NULL,
	unassigned   INTEGER NOT NULL,
	PRIMARY KEY (segmentation, as_of)
) WITHOUT ROWID;

-- One row per customer and segment; position keeps priority order.
CREATE TABLE segment_members (
	segmentation TEXT NOT NULL,
	as_of        INTEGER NOT NULL,
	customer_id  TEXT NOT NULL,
	position     INTEGER NOT NULL,
	segment      TEXT NOT NULL,
	PRIMARY KEY (segmentation, as_of, customer_id, position),
	FOREIGN KEY (segmentation, as_of) REFERENCES segment_snapshots (segmentation, as_of) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX segment_members_by_segment ON segment_members (segmentation, as_of, segment);

CREATE TABLE lifecycle_states (
	customer_id TEXT PRIMARY KEY,
	stage       TEXT NOT NULL,
	since       INTEGER NOT NULL,
	version     INTEGER NOT NULL
) WITHOUT ROWID;

-- seq is the state version the move created: 1, 2, … per customer.
CREATE TABLE lifecycle_transitions (
	customer_id TEXT NOT NULL,
	seq         INTEGER NOT NULL,
	from_stage  TEXT NOT NULL,
	to_stage    TEXT NOT NULL,
	at          INTEGER NOT NULL,
	reason      TEXT NOT NULL,
	PRIMARY KEY (customer_id, seq)
) WITHOUT ROWID;
CREATE INDEX lifecycle_transitions_by_time ON lifecycle_transitions (at, customer_id, seq);

CREATE TABLE feedback_items (
	id       TEXT PRIMARY KEY,
	key      TEXT UNIQUE, -- idempotency key, NULL when none
	version  INTEGER NOT NULL,
	open     INTEGER NOT NULL,
	body     TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE feedback_events (
	item_id TEXT NOT NULL REFERENCES feedback_items (id),
	seq     INTEGER NOT NULL,
	body    TEXT NOT NULL,
	PRIMARY KEY (item_id, seq)
) WITHOUT ROWID;

CREATE TABLE feedback_surveys (
	n    INTEGER PRIMARY KEY AUTOINCREMENT,
	body TEXT NOT NULL
);

CREATE TABLE roadmaps (
	id      TEXT PRIMARY KEY,
	version INTEGER NOT NULL,
	body    TEXT NOT NULL
) WITHOUT ROWID;
