-- Mail is sent exactly once across API processes: each claim of a message records its
-- sender (lease_owner), the sender renews its lease while the send lasts, and only the
-- holder may mark the message sent or failed. `secret` is the part of the message (the
-- verification token) that must not outlive sending: it is cut out of the stored body once
-- the message is sent.

ALTER TABLE mail_outbox ADD COLUMN lease_owner text;
ALTER TABLE mail_outbox ADD COLUMN secret text;
