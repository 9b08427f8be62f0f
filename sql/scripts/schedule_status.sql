-- Scheduling status: the pg_cron job, its last runs, the last ticks and what is due next.
--   psql "$HRDPG_DSN" -f sql/scripts/schedule_status.sql
SELECT jobid, jobname, schedule, command, database, username, active
  FROM cron.job WHERE jobname = 'hrdpg-tick';
SELECT d.runid, d.status, d.start_time, d.end_time, left(d.return_message, 80) AS message
  FROM cron.job_run_details d JOIN cron.job j ON j.jobid = d.jobid
 WHERE j.jobname = 'hrdpg-tick' ORDER BY d.runid DESC LIMIT 5;
SELECT run_id, status, started_at, finished_at, params ->> 'now' AS tick_now
  FROM modeling.runs WHERE kind = 'tick' ORDER BY run_id DESC LIMIT 5;
SELECT * FROM modeling.schedule_status();
