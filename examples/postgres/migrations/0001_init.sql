-- The schema of every crmkit store on PostgreSQL: the tables the SQLite
-- adapter reached in its seven migrations, in one. Keys and anything a
-- stream pages by are text in the "C" collation (bytewise, as Go compares
-- strings), times Unix nanoseconds in bigint, records JSON text kept
-- byte for byte.

CREATE TABLE customers (
	id        text COLLATE "C" PRIMARY KEY,
	version   bigint NOT NULL,
	body      text NOT NULL,
	email_key text COLLATE "C" NOT NULL DEFAULT '',
	phone_key text COLLATE "C" NOT NULL DEFAULT ''
);
CREATE INDEX customers_email_key ON customers (email_key, id);
CREATE INDEX customers_phone_key ON customers (phone_key, id);

CREATE TABLE customer_versions (
	id      text COLLATE "C" NOT NULL,
	version bigint NOT NULL,
	body    text NOT NULL,
	PRIMARY KEY (id, version)
);

CREATE TABLE transactions (
	id          text COLLATE "C" PRIMARY KEY,
	customer_id text COLLATE "C" NOT NULL,
	at          bigint NOT NULL,
	amount      text NOT NULL,
	currency    text NOT NULL,
	kind        text NOT NULL,
	channel     text NOT NULL,
	items       text -- JSON array of line items, NULL when none
);
CREATE INDEX transactions_by_customer ON transactions (customer_id, at, id);
CREATE INDEX transactions_by_time ON transactions (at, id);

CREATE TABLE touchpoints (
	id          text COLLATE "C" PRIMARY KEY,
	customer_id text COLLATE "C" NOT NULL,
	at          bigint NOT NULL,
	channel     text NOT NULL,
	kind        text NOT NULL,
	experience  integer NOT NULL,
	note        text NOT NULL
);
CREATE INDEX touchpoints_by_customer ON touchpoints (customer_id, at, id);
CREATE INDEX touchpoints_by_time ON touchpoints (at, id);

CREATE TABLE segmentations (
	name    text COLLATE "C" PRIMARY KEY,
	version bigint NOT NULL,
	body    text NOT NULL
);

CREATE TABLE segment_snapshots (
	segmentation text COLLATE "C" NOT NULL REFERENCES segmentations (name) ON DELETE CASCADE,
	as_of        bigint NOT NULL,
	counts       text NOT NULL, -- JSON object segment → count
	total        bigint NOT NULL,
	unassigned   bigint NOT NULL,
	PRIMARY KEY (segmentation, as_of)
);

CREATE TABLE segment_members (
	segmentation text COLLATE "C" NOT NULL,
	as_of        bigint NOT NULL,
	customer_id  text COLLATE "C" NOT NULL,
	position     integer NOT NULL,
	segment      text COLLATE "C" NOT NULL,
	PRIMARY KEY (segmentation, as_of, customer_id, position),
	FOREIGN KEY (segmentation, as_of) REFERENCES segment_snapshots (segmentation, as_of) ON DELETE CASCADE
);
CREATE INDEX segment_members_by_segment ON segment_members (segmentation, as_of, segment);

CREATE TABLE lifecycle_states (
	customer_id text COLLATE "C" PRIMARY KEY,
	stage       text NOT NULL,
	since       bigint NOT NULL,
	version     bigint NOT NULL
);

CREATE TABLE lifecycle_transitions (
	customer_id text COLLATE "C" NOT NULL,
	seq         bigint NOT NULL,
	from_stage  text NOT NULL,
	to_stage    text NOT NULL,
	at          bigint NOT NULL,
	reason      text NOT NULL,
	PRIMARY KEY (customer_id, seq)
);
CREATE INDEX lifecycle_transitions_by_time ON lifecycle_transitions (at, customer_id, seq);

CREATE TABLE feedback_items (
	id      text COLLATE "C" PRIMARY KEY,
	key     text COLLATE "C" UNIQUE, -- idempotency key, NULL when none
	version bigint NOT NULL,
	open    boolean NOT NULL,
	body    text NOT NULL
);
CREATE INDEX feedback_items_open ON feedback_items (id) WHERE open;

CREATE TABLE feedback_events (
	item_id text COLLATE "C" NOT NULL REFERENCES feedback_items (id),
	seq     bigint NOT NULL,
	body    text NOT NULL,
	PRIMARY KEY (item_id, seq)
);

CREATE TABLE feedback_answers (
	id   text COLLATE "C" PRIMARY KEY,
	body text NOT NULL
);

CREATE TABLE survey_responses (
	id         text COLLATE "C" PRIMARY KEY,
	instrument text COLLATE "C" NOT NULL,
	body       text NOT NULL
);
CREATE INDEX survey_responses_instrument ON survey_responses (instrument, id);

CREATE TABLE roadmaps (
	id      text COLLATE "C" PRIMARY KEY,
	version bigint NOT NULL,
	body    text NOT NULL
);

CREATE TABLE cycle_results (
	as_of       bigint NOT NULL,
	customer_id text COLLATE "C" NOT NULL,
	body        text NOT NULL,
	PRIMARY KEY (as_of, customer_id)
);
CREATE INDEX cycle_results_customer ON cycle_results (customer_id, as_of);

CREATE TABLE cycle_periods (
	as_of bigint PRIMARY KEY,
	body  text NOT NULL
);

CREATE TABLE alerts (
	id      text COLLATE "C" PRIMARY KEY,
	version bigint NOT NULL,
	body    text NOT NULL
);

CREATE TABLE contacts (
	id          text COLLATE "C" PRIMARY KEY,
	customer_id text COLLATE "C" NOT NULL,
	campaign    text COLLATE "C" NOT NULL,
	at          bigint NOT NULL,
	body        text NOT NULL
);
CREATE INDEX contacts_customer ON contacts (customer_id, at, id);
CREATE INDEX contacts_campaign ON contacts (campaign, id);

CREATE TABLE contact_outcomes (
	id       text COLLATE "C" PRIMARY KEY,
	campaign text COLLATE "C" NOT NULL,
	contact  text COLLATE "C" NOT NULL REFERENCES contacts (id),
	body     text NOT NULL
);
CREATE INDEX contact_outcomes_campaign ON contact_outcomes (campaign, id);

CREATE TABLE campaigns (
	id      text COLLATE "C" PRIMARY KEY,
	version bigint NOT NULL,
	body    text NOT NULL
);
