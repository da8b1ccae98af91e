-- The contact log every campaign and play shares, the outcomes recorded
-- against it, and the campaigns' definitions.
CREATE TABLE contacts (
	id          TEXT PRIMARY KEY,
	customer_id TEXT NOT NULL,
	campaign    TEXT NOT NULL,
	at          INTEGER NOT NULL,
	body        TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX contacts_customer ON contacts (customer_id, at, id);
CREATE INDEX contacts_campaign ON contacts (campaign, id);

CREATE TABLE contact_outcomes (
	id       TEXT PRIMARY KEY,
	campaign TEXT NOT NULL,
	contact  TEXT NOT NULL REFERENCES contacts (id),
	body     TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX contact_outcomes_campaign ON contact_outcomes (campaign, id);

CREATE TABLE campaigns (
	id      TEXT PRIMARY KEY,
	version INTEGER NOT NULL,
	body    TEXT NOT NULL
) WITHOUT ROWID;
