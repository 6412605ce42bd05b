-- User searches always filter on archived_at (live users, unless the filter says Archived:
-- true), so their indexes are partial on it. Then walking the matches in ID order, counting
-- them (up to EXACT_COUNT_LIMIT) and skipping to a page far in are index-only scans.
-- users_live also carries organisation and role, so a filter on either alone is still
-- answered from the index without visiting the table. Each user is in exactly one of
-- users_live and users_archived, so a write maintains as many indexes as before.
DROP INDEX users_customer;
CREATE INDEX users_live ON users (customer_id, id) INCLUDE (organisation_id, role) WHERE archived_at IS NULL;
CREATE INDEX users_archived ON users (customer_id, id) WHERE archived_at IS NOT NULL;
DROP INDEX users_organisation_role;
CREATE INDEX users_organisation_role_live ON users (customer_id, organisation_id, role, id) WHERE archived_at IS NULL;
