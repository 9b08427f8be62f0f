-- Remove the hrdpg pg_cron job (no error when it is not installed):
--   psql "$HRDPG_DSN" -v ON_ERROR_STOP=1 -f sql/scripts/schedule_remove.sql
SELECT j.jobid, cron.unschedule(j.jobid) AS removed
  FROM cron.job j WHERE j.jobname = 'hrdpg-tick';
