import type { components, paths } from './schema'

type Json<T> = T extends { content: { 'application/json': infer Body } } ? Body : never
type Ok<Path extends keyof paths, Method extends keyof paths[Path]> = Json<
  paths[Path][Method] extends { responses: { 200: infer R } }
    ? R
    : paths[Path][Method] extends { responses: { 201: infer R } }
      ? R
      : paths[Path][Method] extends { responses: { 202: infer R } }
        ? R
        : never
>

export type User = components['schemas']['User']
export type Role = components['schemas']['Role']
export type AccessToken = components['schemas']['AccessToken']
export type NewAccessToken = components['schemas']['NewAccessToken']
export type Experiment = components['schemas']['Experiment']
export type ExperimentSession = components['schemas']['ExperimentSession']
export type Image = components['schemas']['Image']
export type AdminImage = components['schemas']['AdminImage']
export type Link = components['schemas']['Link']
export type AdminLink = components['schemas']['AdminLink']
export type AuditEvent = components['schemas']['AuditEvent']
export type ListMeta = components['schemas']['ListMeta']
export type KeysetListMeta = components['schemas']['KeysetListMeta']

export type Providers = Ok<'/api/v1/auth/providers', 'get'>['data']
export type Environment = Ok<'/api/v1/environments/{id}', 'get'>['data']
export type Notification = Ok<'/api/v1/notifications', 'get'>['data'][number]
export type EnvironmentState = Environment['state']
export type AdminEnvironment = Ok<'/api/v1/admin/environments', 'get'>['data'][number]
export type Quota = Ok<'/api/v1/quota', 'get'>['data']
export type QuotaLimits = Quota['limits']
export type AdminUser = Ok<'/api/v1/admin/users/{id}', 'get'>['data']
export type Access = Ok<'/api/v1/environments/{id}/access', 'post'>['data']
export type EnvironmentShare = components['schemas']['EnvironmentShare']
export type ShareRole = EnvironmentShare['role']
export type Overview = Ok<'/api/v1/admin/overview', 'get'>['data']
export type UsageReport = Ok<'/api/v1/admin/usage', 'get'>
export type ExperimentList = Ok<'/api/v1/experiments', 'get'>
