-- Install (or update) the one pg_cron job that drives hrdpg scheduling: modeling.tick() every
-- minute. Run in the cron database (cron.database_name), as the role that owns the job:
--   psql "$HRDPG_DSN" -v ON_ERROR_STOP=1 -f sql/scripts/schedule_install.sql
-- Idempotent: cron.schedule with an existing job name updates that job. pg_cron 1.4 reads the
-- schedule in GMT; '* * * * *' is zone-free and modeling.tick does the local-time logic.
SELECT cron.schedule('hrdpg-tick', '* * * * *', 'SELECT modeling.tick()') AS jobid;
