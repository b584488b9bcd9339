/*
|--------------------------------------------------------------------------
| Bouncer policies
|--------------------------------------------------------------------------
|
| Lazily imported policy classes, one per resource, registered by name.
|
*/
export const policies = {
  EnvironmentPolicy: () => import('#policies/environment_policy'),
}
