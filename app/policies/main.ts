/*
|--------------------------------------------------------------------------
| Bouncer policies
|--------------------------------------------------------------------------
|
| Lazily imported policy classes, one per resource, registered by name.
| Resources of later capabilities (environments, experiments) add theirs.
|
*/
export const policies = {}
