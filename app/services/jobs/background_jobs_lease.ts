import environmentsConfig from '#config/environments'
import JobLease from '#services/jobs/job_lease'

/**
 * The lease electing the one portal process that runs the reconciler and
 * the expiry job. It lasts three job intervals and is renewed every
 * interval: a leader that dies is replaced within about three, while one
 * slow renewal does not hand it over.
 */
export const backgroundJobsLease = new JobLease(
  'background-jobs',
  environmentsConfig.jobs.intervalMs * 3
)
