-- Every replica keeps the org units it has read in memory (src/org_unit_cache.h). A change by
-- any path — an RPC on another replica, a bulk load, SQL run by hand — must reach them, so the
-- tables notify, not the code: pg_notify is delivered at commit (never for a rollback) and
-- PostgreSQL folds a transaction's identical notifications into one. An org unit's answer
-- depends on offices too (its owning office), hence both tables. The payload names the schema;
-- listeners drop everything whatever it says, which costs nothing when only one directory
-- shares the database.
CREATE FUNCTION org_units_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('xuncha_directory_org_units', TG_TABLE_SCHEMA);
  RETURN NULL;
END
$$;

CREATE TRIGGER org_units_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org_units
  FOR EACH STATEMENT EXECUTE FUNCTION org_units_notify();
CREATE TRIGGER offices_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON offices
  FOR EACH STATEMENT EXECUTE FUNCTION org_units_notify();
