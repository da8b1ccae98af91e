-- Customers are looked up by e-mail and phone key (crm.EmailKey,
-- crm.PhoneKey); the keys of customers stored before are filled in by Go
-- in the same transaction (backfillContactKeys), so they are the keys the
-- SDK computes.
ALTER TABLE customers ADD COLUMN email_key TEXT NOT NULL DEFAULT '';
ALTER TABLE customers ADD COLUMN phone_key TEXT NOT NULL DEFAULT '';
CREATE INDEX customers_email_key ON customers (email_key, id);
CREATE INDEX customers_phone_key ON customers (phone_key, id);
