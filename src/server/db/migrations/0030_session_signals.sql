-- Each API process keeps recently used sessions in memory (auth.service.ts). Whatever ends
-- a session early must tell every process at once, however it is done (the CLI, the admin
-- API, the demo replacing its customer, or an operator's own SQL): so the database itself
-- announces it, on the channel learnfile_sessions, delivered at COMMIT.
--   token:<id>    the API token was revoked (its sessions end)
--   session:<id>  a session row was changed
--   all           live sessions were deleted or the table emptied (forget every session)
-- Function bodies stay on one line: migrations are split on semicolons at line ends.

CREATE FUNCTION learnfile_token_revoked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('learnfile_sessions', 'token:' || NEW.id::text); RETURN NULL; END $$;

CREATE TRIGGER api_tokens_revoked AFTER UPDATE OF revoked_at ON api_tokens
  FOR EACH ROW WHEN (NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL)
  EXECUTE FUNCTION learnfile_token_revoked();

CREATE FUNCTION learnfile_session_changed() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('learnfile_sessions', 'session:' || OLD.id::text); RETURN NULL; END $$;

CREATE TRIGGER sessions_changed AFTER UPDATE ON sessions
  FOR EACH ROW EXECUTE FUNCTION learnfile_session_changed();

-- Deleting expired sessions (done at every authentication) needs no word; deleting live ones
-- (a customer or token removed, so its sessions cascade) does. One message per statement.
CREATE FUNCTION learnfile_sessions_deleted() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF EXISTS (SELECT 1 FROM gone WHERE expires_at > now()) THEN PERFORM pg_notify('learnfile_sessions', 'all'); END IF; RETURN NULL; END $$;

CREATE TRIGGER sessions_deleted AFTER DELETE ON sessions
  REFERENCING OLD TABLE AS gone
  FOR EACH STATEMENT EXECUTE FUNCTION learnfile_sessions_deleted();

CREATE FUNCTION learnfile_sessions_emptied() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('learnfile_sessions', 'all'); RETURN NULL; END $$;

CREATE TRIGGER sessions_truncated AFTER TRUNCATE ON sessions
  FOR EACH STATEMENT EXECUTE FUNCTION learnfile_sessions_emptied();
