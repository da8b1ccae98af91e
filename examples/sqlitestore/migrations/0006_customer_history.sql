-- Every version of each customer record (crm.CustomerHistory), written in
-- the same transaction as the record and erased with it. The customers
-- stored before start their history at their current version.
CREATE TABLE customer_versions (
	id      TEXT NOT NULL,
	version INTEGER NOT NULL,
	body    TEXT NOT NULL,
	PRIMARY KEY (id, version)
) WITHOUT ROWID;

INSERT INTO customer_versions (id, version, body) SELECT id, version, body FROM customers;
