import env from '#start/env'

/**
 * The image catalogue as scientists read it.
 */
const imagesConfig = {
  /**
   * How long a process serves the launchable images from memory. Admin
   * edits through this process clear it at once; another replica (or an
   * ace command) sees them at most this late. 0 reads the database every time.
   */
  launchableCacheMs: env.get('IMAGE_CATALOGUE_CACHE_SECONDS', 10) * 1000,
}

export default imagesConfig
